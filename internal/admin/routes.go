package admin

import (
	"net/http"
	"net/url"
	"slices"

	"vigil/internal/model"
)

// permission names what a route does; a role is a set of permissions.
type permission string

const (
	permAnyone         permission = "anyone"           // the sign-in pages
	permSecondFactor   permission = "second-factor"    // password given, second factor maybe not yet: give it, set it up, sign out
	permSignedIn       permission = "signed-in"        // one's own account
	permDashboard      permission = "dashboard"        // counts and charts, no personal data
	permContentRead    permission = "content:read"     // cases, actions, targets, news, as staff see them
	permContentWrite   permission = "content:write"    // write, publish, unpublish, close
	permSend           permission = "updates:send"     // email everyone who acted
	permPeopleSeen     permission = "supporters:seen"  // who acted lately, on the dashboard
	permSupportersRead permission = "supporters:read"  // search, a supporter's page, exports
	permSupportersEdit permission = "supporters:write" // erase, import
	permRecords        permission = "records"          // restricted records of individuals, read and write
	permUsers          permission = "users"            // staff accounts and site settings
	permAudit          permission = "audit"            // the audit log
	permKeys           permission = "keys"             // API keys and webhook receivers
	permFinance        permission = "finance"          // donations: totals, gifts with their donors, export
)

// rolePermissions is least privilege: each role holds what its work needs
// and nothing more. Every role holds permSignedIn and permDashboard.
var rolePermissions = map[model.Role][]permission{
	model.RoleAdmin: {permContentRead, permContentWrite, permSend, permPeopleSeen, permSupportersRead,
		permSupportersEdit, permRecords, permUsers, permAudit, permKeys, permFinance},
	model.RoleEditor:     {permContentRead, permContentWrite, permSend, permPeopleSeen, permSupportersRead},
	model.RoleResearcher: {permContentRead, permRecords},
	model.RoleFinance:    {permFinance},
	model.RoleViewer:     {permContentRead},
}

// allowed reports whether a role holds a permission.
func allowed(role model.Role, p permission) bool {
	switch p {
	case permAnyone:
		return true
	case permSecondFactor, permSignedIn, permDashboard:
		return role.Valid()
	}
	return slices.Contains(rolePermissions[role], p)
}

// route is one admin page or form target and the permission it needs.
type route struct {
	pattern string
	perm    permission
	handler http.HandlerFunc
}

// routes lists every admin route with its permission: the whole staff
// surface on one screen. The role-matrix test walks this list.
func (s *Server) routes() []route {
	return []route{
		{"GET /admin", permAnyone, s.toDashboard},
		{"GET /admin/static/{file}", permAnyone, s.static},
		{"GET /admin/login", permAnyone, s.loginPage},
		{"POST /admin/login", permAnyone, s.login},
		{"GET /admin/login/code", permSecondFactor, s.codePage},
		{"POST /admin/login/code", permSecondFactor, s.code},
		{"POST /admin/logout", permSecondFactor, s.logout},

		{"GET /admin/account", permSignedIn, s.accountPage},
		{"POST /admin/account/password", permSignedIn, s.changePassword},
		{"POST /admin/account/language", permSignedIn, s.setLanguage},
		{"GET /admin/account/totp", permSecondFactor, s.totpPage},
		{"POST /admin/account/totp", permSecondFactor, s.setUpTOTP},
		{"POST /admin/account/signout-everywhere", permSignedIn, s.signOutEverywhere},

		{"GET /admin/{$}", permDashboard, s.dashboard},

		{"GET /admin/cases", permContentRead, s.casesPage},
		{"GET /admin/cases/new", permContentWrite, s.newCasePage},
		{"POST /admin/cases/new", permContentWrite, s.saveCase},
		{"GET /admin/cases/{id}", permContentRead, s.casePage},
		{"POST /admin/cases/{id}", permContentWrite, s.saveCase},
		{"POST /admin/cases/{id}/publish", permContentWrite, s.publish("case")},
		{"GET /admin/cases/{id}/preview", permContentRead, s.previewCase},
		{"GET /admin/cases/{id}/updates/new", permContentWrite, s.newUpdatePage},
		{"POST /admin/cases/{id}/updates/new", permContentWrite, s.publishUpdate},
		{"POST /admin/cases/{id}/updates/{update}/hide", permContentWrite, s.hideUpdate},
		{"GET /admin/cases/{id}/updates/{update}/tell", permSend, s.tellPage},
		{"POST /admin/cases/{id}/updates/{update}/tell", permSend, s.tell},
		{"GET /admin/cases/{id}/figures", permContentRead, s.figuresPage},
		{"POST /admin/cases/{id}/figures", permContentWrite, s.publishFigures},
		{"POST /admin/cases/{id}/figures/timeline", permContentWrite, s.figuresToTimeline},
		{"GET /admin/cases/{id}/records", permRecords, s.recordsPage},
		{"POST /admin/cases/{id}/records", permRecords, s.saveRecord},
		{"POST /admin/cases/{id}/records/{record}/delete", permRecords, s.deleteRecord},
		{"GET /admin/cases/{id}/records.csv", permRecords, s.exportRecords},
		{"GET /admin/cases/{id}/records/{record}", permRecords, s.recordPage},
		{"POST /admin/cases/{id}/records/{record}/events", permRecords, s.addEvent},
		{"POST /admin/cases/{id}/records/{record}/events/{event}/verify", permRecords, s.verifyEvent},
		{"POST /admin/cases/{id}/records/{record}/events/{event}/delete", permRecords, s.deleteEvent},

		{"GET /admin/actions", permContentRead, s.actionsPage},
		{"GET /admin/actions/new", permContentWrite, s.newActionPage},
		{"POST /admin/actions/new", permContentWrite, s.saveAction},
		{"GET /admin/actions/{id}", permContentRead, s.actionPage},
		{"POST /admin/actions/{id}", permContentWrite, s.saveAction},
		{"POST /admin/actions/{id}/publish", permContentWrite, s.publish("action")},
		{"POST /admin/actions/{id}/close", permContentWrite, s.closeAction},
		{"GET /admin/actions/{id}/preview", permContentRead, s.previewAction},

		{"GET /admin/news", permContentRead, s.newsListPage},
		{"GET /admin/news/new", permContentWrite, s.newNewsPage},
		{"POST /admin/news/new", permContentWrite, s.saveNews},
		{"GET /admin/news/{id}", permContentRead, s.newsPage},
		{"POST /admin/news/{id}", permContentWrite, s.saveNews},
		{"POST /admin/news/{id}/publish", permContentWrite, s.publish("news")},
		{"GET /admin/news/{id}/preview", permContentRead, s.previewNews},

		{"GET /admin/translations", permContentRead, s.translationsPage},
		{"GET /admin/translations/{kind}/{id}/{lang}", permContentRead, s.translationPage},
		{"POST /admin/translations/{kind}/{id}/{lang}", permContentWrite, s.saveTranslation},

		{"GET /admin/targets", permContentRead, s.targetsPage},
		{"POST /admin/targets", permContentWrite, s.saveTarget},

		{"GET /admin/supporters", permSupportersRead, s.supportersPage},
		{"POST /admin/supporters", permSupportersRead, s.supportersPage},
		{"GET /admin/supporters/{id}", permSupportersRead, s.supporterPage},
		{"POST /admin/supporters/{id}/erase", permSupportersEdit, s.eraseSupporter},
		{"GET /admin/supporters/import", permSupportersEdit, s.importPage},
		{"POST /admin/supporters/import", permSupportersEdit, s.importSupporters},
		{"GET /admin/supporters/newsletter.csv", permSupportersRead, s.exportSubscribers},
		{"GET /admin/actions/{id}/export.csv", permSupportersRead, s.exportParticipants},
		{"GET /admin/actions/{id}/signatures", permSupportersRead, s.signatureList},
		{"GET /admin/actions/{id}/signatures.csv", permSupportersRead, s.signatureListCSV},

		{"GET /admin/donations", permFinance, s.donationsPage},
		{"GET /admin/donations.csv", permFinance, s.exportDonations},

		{"GET /admin/users", permUsers, s.usersPage},
		{"POST /admin/users", permUsers, s.addUser},
		{"POST /admin/users/{id}", permUsers, s.updateUser},
		{"POST /admin/settings", permUsers, s.saveSettings},
		{"GET /admin/audit", permAudit, s.auditPage},
		{"GET /admin/keys", permKeys, s.keysPage},
		{"POST /admin/keys", permKeys, s.addKey},
		{"POST /admin/keys/{id}/revoke", permKeys, s.revokeKey},
		{"GET /admin/webhooks", permKeys, s.hooksPage},
		{"POST /admin/webhooks", permKeys, s.addHook},
		{"POST /admin/webhooks/{id}/remove", permKeys, s.removeHook},
		{"POST /admin/webhooks/deliveries/{id}/resend", permKeys, s.resendDelivery},
	}
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
