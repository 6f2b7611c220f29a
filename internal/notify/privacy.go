package notify

import (
	"strings"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/model"
)

// Token purposes of the links a supporter uses about their own data.
const (
	PurposePrivacySend   = "privacy-send"   // show me my data
	PurposePrivacyDelete = "privacy-delete" // erase me
	PurposePreferences   = "preferences"    // choose which emails I receive
)

// PrivacyLinkLife is how long a link to see or erase one's data works: it
// opens everything Vigil holds about a person, so a day, not a month.
const PrivacyLinkLife = 24 * time.Hour

// Kinds of the emails about a supporter's own data.
const (
	KindPrivacy = "privacy" // a link to see or erase one's data
	KindErased  = "erased"  // the confirmation that it is erased
)

// PrivacyPath is the path, without language, of a link to see (purpose
// PurposePrivacySend) or erase (PurposePrivacyDelete) a supporter's data.
func PrivacyPath(purpose, token string) string {
	if purpose == PurposePrivacyDelete {
		return "/privacy/delete/" + token
	}
	return "/privacy/send/" + token
}

// PrivacyLink writes the email answering a request on /privacy: a link,
// valid PrivacyLinkLife, to see (PurposePrivacySend) or erase
// (PurposePrivacyDelete) what Vigil holds about sup, in lang, the language
// of the page the request was made on.
func (c *Composer) PrivacyLink(purpose string, sup model.Supporter, lang string, now time.Time) (model.OutboxMessage, error) {
	loc := c.Cat.Localizer(c.lang(lang))
	what := "send"
	if purpose == PurposePrivacyDelete {
		what = "delete"
	}
	link := c.link(loc.Lang, PrivacyPath(purpose, c.Keys.Token(purpose, sup.ID, now.Add(PrivacyLinkLife))))
	var b strings.Builder
	b.WriteString(loc.T("email.greeting.anonymous") + "\n\n")
	b.WriteString(loc.T("email.privacy."+what+".intro") + "\n" + link + "\n\n")
	b.WriteString(loc.N("email.privacy.expiry", int(PrivacyLinkLife/time.Hour)) + "\n\n")
	b.WriteString(loc.T("email.privacy.ignore") + "\n\n-- \n" + loc.T("site.name") + "\n")
	m := delivery.Message{From: c.From, To: []string{sup.Email}, Subject: loc.T("email.privacy." + what + ".subject"), Text: b.String()}
	out, err := c.message(KindPrivacy, m, now)
	out.SupporterID = sup.ID
	return out, err
}

// Erased writes the email confirming that a supporter's data is erased,
// composed before the erasure from the record it erases; it carries no
// link, since nothing is left to reach.
func (c *Composer) Erased(sup model.Supporter, lang string, now time.Time) (model.OutboxMessage, error) {
	loc := c.Cat.Localizer(c.lang(lang))
	var b strings.Builder
	b.WriteString(loc.T("email.greeting.anonymous") + "\n\n")
	b.WriteString(loc.T("email.erased.text") + "\n\n")
	b.WriteString(loc.T("email.erased.kept") + "\n\n-- \n" + loc.T("site.name") + "\n")
	m := delivery.Message{From: c.From, To: []string{sup.Email}, Subject: loc.T("email.erased.subject"), Text: b.String()}
	return c.message(KindErased, m, now)
}
