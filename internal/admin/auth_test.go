package admin

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/httpx"
	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// allRoles are the roles the matrix walks, and "" for a visitor who is not
// signed in.
var allRoles = []model.Role{model.RoleAdmin, model.RoleEditor, model.RoleResearcher, model.RoleFinance, model.RoleViewer, ""}

// access says who may use a route: the roles allowed, by their initials
// (a admin, e editor, r researcher, f finance, v viewer), and "*" for anyone, signed
// in or not.
var access = map[string]string{
	"GET /admin":                                   "*",
	"GET /admin/static/{file}":                     "*",
	"GET /admin/login":                             "*",
	"POST /admin/login":                            "*",
	"GET /admin/login/code":                        "aerfv",
	"POST /admin/login/code":                       "aerfv",
	"POST /admin/logout":                           "aerfv",
	"GET /admin/account":                           "aerfv",
	"POST /admin/account/password":                 "aerfv",
	"POST /admin/account/language":                 "aerfv",
	"GET /admin/account/totp":                      "aerfv",
	"POST /admin/account/totp":                     "aerfv",
	"POST /admin/account/signout-everywhere":       "aerfv",
	"GET /admin/{$}":                               "aerfv",
	"GET /admin/cases":                             "aerv",
	"GET /admin/cases/new":                         "ae",
	"POST /admin/cases/new":                        "ae",
	"GET /admin/cases/{id}":                        "aerv",
	"POST /admin/cases/{id}":                       "ae",
	"POST /admin/cases/{id}/publish":               "ae",
	"GET /admin/cases/{id}/preview":                "aerv",
	"GET /admin/cases/{id}/updates/new":            "ae",
	"POST /admin/cases/{id}/updates/new":           "ae",
	"POST /admin/cases/{id}/updates/{update}/hide": "ae",
	"GET /admin/cases/{id}/updates/{update}/tell":  "ae",
	"POST /admin/cases/{id}/updates/{update}/tell": "ae",
	"GET /admin/actions":                           "aerv",
	"GET /admin/actions/new":                       "ae",
	"POST /admin/actions/new":                      "ae",
	"GET /admin/actions/{id}":                      "aerv",
	"POST /admin/actions/{id}":                     "ae",
	"POST /admin/actions/{id}/publish":             "ae",
	"POST /admin/actions/{id}/close":               "ae",
	"GET /admin/actions/{id}/preview":              "aerv",
	"GET /admin/news":                              "aerv",
	"GET /admin/news/new":                          "ae",
	"POST /admin/news/new":                         "ae",
	"GET /admin/news/{id}":                         "aerv",
	"POST /admin/news/{id}":                        "ae",
	"POST /admin/news/{id}/publish":                "ae",
	"GET /admin/news/{id}/preview":                 "aerv",
	"GET /admin/translations":                      "aerv",
	"GET /admin/translations/{kind}/{id}/{lang}":   "aerv",
	"POST /admin/translations/{kind}/{id}/{lang}":  "ae",
	"GET /admin/targets":                           "aerv",
	"POST /admin/targets":                          "ae",
	"GET /admin/supporters":                        "ae",
	"POST /admin/supporters":                       "ae",
	"GET /admin/supporters/{id}":                   "ae",
	"POST /admin/supporters/{id}/erase":            "a",
	"GET /admin/supporters/import":                 "a",
	"POST /admin/supporters/import":                "a",
	"GET /admin/actions/{id}/export.csv":           "ae",
	"GET /admin/supporters/newsletter.csv":         "ae",
	"GET /admin/actions/{id}/signatures":           "ae",
	"GET /admin/actions/{id}/signatures.csv":       "ae",
	"GET /admin/donations":                         "af",
	"GET /admin/donations.csv":                     "af",
	"GET /admin/users":                             "a",
	"POST /admin/users":                            "a",
	"POST /admin/users/{id}":                       "a",
	"POST /admin/settings":                         "a",
	"GET /admin/audit":                             "a",
	"GET /admin/keys":                              "a",
	"POST /admin/keys":                             "a",
	"POST /admin/keys/{id}/revoke":                 "a",
	"GET /admin/webhooks":                          "a",
	"POST /admin/webhooks":                         "a",
	"POST /admin/webhooks/{id}/remove":             "a",
	"POST /admin/webhooks/deliveries/{id}/resend":  "a",

	// What is known of a case's individuals, in figures.
	"GET /admin/cases/{id}/figures":           "aevr",
	"POST /admin/cases/{id}/figures":          "ae",
	"POST /admin/cases/{id}/figures/timeline": "ae",
	// Researchers' records of individuals.
	"GET /admin/cases/{id}/records":                                 "ar",
	"POST /admin/cases/{id}/records":                                "ar",
	"POST /admin/cases/{id}/records/{record}/delete":                "ar",
	"GET /admin/cases/{id}/records.csv":                             "ar",
	"GET /admin/cases/{id}/records/{record}":                        "ar",
	"POST /admin/cases/{id}/records/{record}/events":                "ar",
	"POST /admin/cases/{id}/records/{record}/events/{event}/verify": "ar",
	"POST /admin/cases/{id}/records/{record}/events/{event}/delete": "ar",
}

// concretePath turns a route pattern into a path to request.
func concretePath(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern+"no-such-page"
	}
	r := strings.NewReplacer("{$}", "", "{file}", "admin.css", "{id}", "1", "{update}", "1", "{record}", "1", "{slug}", "x",
		"{kind}", "case", "{lang}", "fr")
	return method, r.Replace(path)
}

func TestRoleMatrix(t *testing.T) {
	h := newHarness(t)
	browsers := map[model.Role]*browser{"": h.browser()}
	for _, role := range allRoles[:len(allRoles)-1] {
		h.addUser(string(role)+"@example.org", role)
		b := h.browser()
		b.login(string(role) + "@example.org")
		browsers[role] = b
	}
	// The account the admin acts on (id 1) is the admin itself, whom
	// the forms refuse to change: the matrix only asks whether the door
	// opens, and must not lock anyone out on the way.
	routes := h.admin.routes()
	seen := map[string]bool{}
	for _, rt := range routes {
		seen[rt.pattern] = true
		rule, ok := access[rt.pattern]
		if !ok {
			t.Errorf("route %q has no rule in the role matrix: add one to access", rt.pattern)
			continue
		}
		method, path := concretePath(rt.pattern)
		for _, role := range allRoles {
			want := rule == "*" || role != "" && strings.Contains(rule, string(role)[:1])
			if rt.pattern == "POST /admin/logout" || rt.pattern == "POST /admin/account/signout-everywhere" ||
				rt.pattern == "POST /admin/account/password" {
				// These end the session; the matrix checks them with a
				// throwaway browser below.
				continue
			}
			b := browsers[role]
			var a answer
			if method == "POST" {
				form := url.Values{}
				if role != "" {
					form.Set("csrf", b.csrf("/admin/account"))
				}
				a = b.do("POST", path, form)
			} else {
				a = b.do(method, path, nil)
			}
			got := a.status != http.StatusForbidden && !strings.HasPrefix(a.location, "/admin/login?")
			if got != want {
				t.Errorf("%s as %q: %d %s; want allowed=%v", rt.pattern, role, a.status, a.location, want)
			}
			if a.status >= 500 {
				t.Errorf("%s as %q: %d\n%s", rt.pattern, role, a.status, a.body)
			}
			if !want && role == "" && method == "GET" && !strings.HasPrefix(a.location, "/admin/login?next=") {
				t.Errorf("%s signed out: %d %q, want a redirect to sign in", rt.pattern, a.status, a.location)
			}
		}
	}
	for pattern := range access {
		if !seen[pattern] {
			t.Errorf("the matrix names %q, which is no route", pattern)
		}
	}
	// The session-ending routes, each role on a fresh sign-in, from a
	// network of its own (sign-ins are limited per network).
	for i, role := range allRoles {
		for _, path := range []string{"/admin/logout", "/admin/account/signout-everywhere", "/admin/account/password"} {
			b := h.browserFrom(fmt.Sprintf("192.0.2.%d", i+1))
			form := url.Values{}
			if role != "" {
				b.login(string(role) + "@example.org")
				form.Set("csrf", b.csrf("/admin/account"))
			}
			a := b.do("POST", path, form)
			if got := a.status != http.StatusForbidden; got != (role != "") {
				t.Errorf("POST %s as %q: %d", path, role, a.status)
			}
		}
	}
}

func TestCSRFOnEveryPost(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	b := h.browser()
	b.login("admin@example.org")
	other := h.browser()
	other.login("admin@example.org")
	stolen := other.csrf("/admin/account") // a real token, of another session
	posts := 0
	for _, rt := range h.admin.routes() {
		method, path := concretePath(rt.pattern)
		if method != "POST" || rt.perm == permAnyone {
			continue
		}
		posts++
		for name, token := range map[string]string{"none": "", "forged": "AAAAAAAAAAAAAAAAAAAAAA", "another session's": stolen} {
			form := url.Values{"email": {"x@example.org"}, "role": {"viewer"}, "password": {"a long enough password"}}
			if token != "" {
				form.Set("csrf", token)
			}
			if a := b.do("POST", path, form); a.status != http.StatusForbidden {
				t.Errorf("%s with %s token: %d, want 403", rt.pattern, name, a.status)
			}
		}
		// A valid token from another site's page is still refused.
		form := url.Values{"csrf": {b.csrf("/admin/account")}}
		if a := b.do("POST", path, form, "Sec-Fetch-Site", "cross-site"); a.status != http.StatusForbidden {
			t.Errorf("%s cross-site: %d, want 403", rt.pattern, a.status)
		}
	}
	if posts < 8 {
		t.Errorf("only %d staff POST routes checked", posts)
	}
	// Nothing above reached the store.
	if _, err := h.db.StaffUserByEmail(ctx, "x@example.org"); err == nil {
		t.Error("an account was added by a forged form")
	}
}

func TestSessionFixationAndCookies(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	// A token planted before sign-in (say by someone who shared the
	// computer) is worth nothing after it.
	planted := "PLANTEDTOKENPLANTEDTOKENPLANTEDTOKEN"
	u, _ := url.Parse(h.srv.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "vigil_staff", Value: planted, Path: "/"}})
	a := b.do("POST", "/admin/login", url.Values{"email": {"editor@example.org"}, "password": {testPassword}, "next": {"/admin/"}})
	set := a.header.Get("Set-Cookie")
	if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || !strings.Contains(set, "Path=/") {
		t.Errorf("session cookie: %s", set)
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("Secure cookie on plain http would never come back: %s", set)
	}
	if b.cookie() == planted || b.cookie() == "" {
		t.Fatalf("the session kept the planted token")
	}
	// Every staff page shows personal data: every protection a header gives.
	page := b.get("/admin/")
	for k, want := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin", "X-Frame-Options": "DENY"} {
		if got := page.header.Get(k); got != want {
			t.Errorf("staff page %s: %q, want %q", k, got, want)
		}
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("staff page CSP: %q", csp)
	}
	attacker := h.browser()
	attacker.client.Jar.SetCookies(u, []*http.Cookie{{Name: "vigil_staff", Value: planted, Path: "/"}})
	if a := attacker.get("/admin/"); a.status != http.StatusSeeOther {
		t.Errorf("the planted token opens the admin: %d", a.status)
	}
	// Signing in again rotates the token and ends the old session.
	first := b.cookie()
	b.login("editor@example.org")
	if b.cookie() == first {
		t.Error("signing in again kept the token")
	}
	old := h.browser()
	old.client.Jar.SetCookies(u, []*http.Cookie{{Name: "vigil_staff", Value: first, Path: "/"}})
	if a := old.get("/admin/"); a.status != http.StatusSeeOther {
		t.Errorf("the token before the second sign-in still works: %d", a.status)
	}
	// Only the hash of the token is stored.
	if _, err := h.db.Session(ctx, []byte(b.cookie()), h.clock, time.Hour, time.Hour); err == nil {
		t.Error("the raw token finds a session: the database holds tokens, not their hashes")
	}
	if _, err := h.db.Session(ctx, tokenHash(b.cookie()), h.clock, time.Hour, time.Hour); err != nil {
		t.Errorf("the session is not stored under its hash: %v", err)
	}

	// Idle for over two hours: signed out.
	h.advance(2*time.Hour + time.Minute)
	if a := b.get("/admin/"); a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/login") {
		t.Errorf("after two idle hours: %d %s", a.status, a.location)
	}

	// Behind HTTPS the cookie is Secure and __Host- prefixed.
	secure, err := New(Options{Store: h.db, Keys: h.db.Keys(), Site: h.site, Clients: testClients, Composer: h.composer, BaseURL: "https://vigil.example"})
	if err != nil {
		t.Fatal(err)
	}
	if secure.cookie != "__Host-vigil_staff" || !secure.secure {
		t.Errorf("behind https: cookie %q, secure %v", secure.cookie, secure.secure)
	}
}

func TestLoginThrottling(t *testing.T) {
	h := newHarness(t)
	h.addUser("viewer@example.org", model.RoleViewer)
	b := h.browser()
	wrong := url.Values{"email": {"viewer@example.org"}, "password": {"not the password at all"}}
	for i := 0; i < store.LockAfter; i++ {
		if a := b.do("POST", "/admin/login", wrong); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "wrong") {
			t.Fatalf("wrong password %d: %d", i+1, a.status)
		}
	}
	// Locked: even the right password is refused, with the same words.
	right := url.Values{"email": {"viewer@example.org"}, "password": {testPassword}, "next": {"/admin/"}}
	a := b.do("POST", "/admin/login", right)
	if a.status != http.StatusUnauthorized {
		t.Fatalf("right password while locked: %d", a.status)
	}
	if !strings.Contains(a.body, `value="viewer@example.org"`) {
		t.Error("the email typed was not kept in the form")
	}
	unknown := b.do("POST", "/admin/login", url.Values{"email": {"nobody@example.org"}, "password": {"whatever it is"}})
	if unknown.status != a.status || strings.ReplaceAll(unknown.body, "nobody@example.org", "viewer@example.org") != a.body {
		t.Error("an unknown address is answered differently from a locked account")
	}
	h.advance(61 * time.Second)
	b.login("viewer@example.org")

	// Per client: after a burst, even other accounts wait.
	limited := false
	for i := 0; i < 20; i++ {
		a := h.browser().do("POST", "/admin/login", url.Values{"email": {"someone@example.org"}, "password": {"guess number " + string(rune('a'+i))}})
		if a.status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("20 sign-in attempts from one address in a minute were all tried")
	}
}

func TestSecondFactor(t *testing.T) {
	h := newHarness(t)
	h.addUser("researcher@example.org", model.RoleResearcher)
	b := h.browser()
	b.login("researcher@example.org")

	// Set up: the page offers a key; a code made from it turns it on.
	page := b.get("/admin/account/totp")
	key := regexpFind(t, page.body, `name="secret" value="([A-Z2-7]+)"`)
	if !strings.Contains(page.body, `href="otpauth://totp/Vigil:researcher%40example.org?secret=`+key) {
		t.Errorf("the enrolment link is missing or broken:\n%s", page.body)
	}
	raw, err := base32Decode(key)
	if err != nil {
		t.Fatal(err)
	}
	if a := b.post("/admin/account/totp", "/admin/account/totp", url.Values{"secret": {key}, "code": {"000000"}, "password": {testPassword}}); a.status != http.StatusBadRequest {
		t.Errorf("wrong code: %d", a.status)
	}
	code := secret.TOTPCode(raw, h.clock)
	// A session left open cannot tie the account to another device: the
	// password is asked, and a wrong one counts as a failed sign-in.
	other := h.browser()
	other.login("researcher@example.org")
	a := b.post("/admin/account/totp", "/admin/account/totp", url.Values{"secret": {key}, "code": {code}, "password": {"not my password at all"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "password is not right") {
		t.Errorf("set up with a wrong password: %d", a.status)
	}
	if u, _ := h.db.StaffUserByEmail(ctx, "researcher@example.org"); u.TOTPSecret != nil {
		t.Fatal("a second factor was set up without the password")
	}
	if a := b.post("/admin/account/totp", "/admin/account/totp", url.Values{"secret": {key}, "code": {code}, "password": {testPassword}}); a.status != http.StatusSeeOther {
		t.Fatalf("set up: %d\n%s", a.status, a.body)
	}
	if a := other.get("/admin/"); a.status != http.StatusSeeOther {
		t.Errorf("another session outlived setting up the second factor: %d", a.status)
	}
	if a := b.get("/admin/"); a.status != http.StatusOK {
		t.Errorf("the session that set it up: %d", a.status)
	}

	// Next sign-in: password, then the code; nothing opens in between.
	b2 := h.browser()
	a = b2.do("POST", "/admin/login", url.Values{"email": {"researcher@example.org"}, "password": {testPassword}, "next": {"/admin/"}})
	if !strings.HasPrefix(a.location, "/admin/login/code") {
		t.Fatalf("after the password: %s", a.location)
	}
	halfway := b2.cookie()
	for _, path := range []string{"/admin/", "/admin/account"} {
		if a := b2.get(path); a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/login/code") {
			t.Errorf("%s before the code: %d %s", path, a.status, a.location)
		}
	}
	// The code used to set it up does not work twice.
	if a := b2.post("/admin/login/code", "/admin/login/code", url.Values{"code": {code}}); a.status != http.StatusUnauthorized {
		t.Errorf("replayed code: %d", a.status)
	}
	h.advance(30 * time.Second)
	if a := b2.post("/admin/login/code", "/admin/login/code", url.Values{"code": {secret.TOTPCode(raw, h.clock)}, "next": {"/admin/"}}); a.status != http.StatusSeeOther || a.location != "/admin/" {
		t.Fatalf("right code: %d %s", a.status, a.location)
	}
	if b2.cookie() == halfway {
		t.Error("the session token did not change after the second factor")
	}
	if a := b2.get("/admin/"); a.status != http.StatusOK {
		t.Errorf("dashboard after the code: %d", a.status)
	}

	// Moving it to a new device needs the password and a code from the
	// current one, and ends the other sessions.
	page = b2.get("/admin/account/totp")
	if !strings.Contains(page.body, `name="current_code"`) || !strings.Contains(page.body, `name="password"`) {
		t.Errorf("the replacement form does not ask for the current code and the password:\n%s", page.body)
	}
	key2 := regexpFind(t, page.body, `name="secret" value="([A-Z2-7]+)"`)
	raw2, _ := base32Decode(key2)
	h.advance(30 * time.Second)
	replace := url.Values{"secret": {key2}, "code": {secret.TOTPCode(raw2, h.clock)}, "password": {testPassword}}
	for _, current := range []string{"", "000000", secret.TOTPCode(raw2, h.clock)} {
		replace.Set("current_code", current)
		if a := b2.post("/admin/account/totp", "/admin/account/totp", replace); a.status != http.StatusBadRequest ||
			!strings.Contains(a.body, "current device") {
			t.Errorf("replaced with current code %q: %d", current, a.status)
		}
	}
	if u, _ := h.db.StaffUserByEmail(ctx, "researcher@example.org"); !bytes.Equal(u.TOTPSecret, raw) {
		t.Fatal("the second factor was replaced without a code from the current device")
	}
	replace.Set("current_code", secret.TOTPCode(raw, h.clock))
	if a := b2.post("/admin/account/totp", "/admin/account/totp", replace); a.status != http.StatusSeeOther {
		t.Fatalf("replace: %d\n%s", a.status, a.body)
	}
	if u, _ := h.db.StaffUserByEmail(ctx, "researcher@example.org"); !bytes.Equal(u.TOTPSecret, raw2) {
		t.Error("the second factor was not replaced")
	}
	if a := b.get("/admin/"); a.status != http.StatusSeeOther {
		t.Errorf("another session outlived the new second factor: %d", a.status)
	}
	if a := b2.get("/admin/"); a.status != http.StatusOK {
		t.Errorf("the session that replaced it: %d", a.status)
	}

	// An admin requires a second factor: a viewer without one is sent to
	// set it up, and can open nothing else.
	h.addUser("admin@example.org", model.RoleAdmin)
	adm := h.browser()
	adm.login("admin@example.org")
	if a := adm.post("/admin/users", "/admin/settings", url.Values{"require_totp": {"yes"}}); a.status != http.StatusSeeOther {
		t.Fatalf("require second factor: %d", a.status)
	}
	h.addUser("viewer@example.org", model.RoleViewer)
	v := h.browser()
	a = v.do("POST", "/admin/login", url.Values{"email": {"viewer@example.org"}, "password": {testPassword}, "next": {"/admin/"}})
	if !strings.HasPrefix(a.location, "/admin/account/totp") {
		t.Errorf("viewer without a second factor, when required: sent to %q", a.location)
	}
	if a := v.get("/admin/"); !strings.HasPrefix(a.location, "/admin/account/totp") {
		t.Errorf("dashboard before setting it up: %d %s", a.status, a.location)
	}
	log, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "setting."})
	if len(log) != 1 || log[0].UserEmail != "admin@example.org" {
		t.Errorf("the setting change is not audited: %+v", log)
	}
}

func TestUsersAndAudit(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	b := h.browser()
	b.login("admin@example.org")
	// Bad input keeps the values and says what is wrong beside the field.
	a := b.post("/admin/users", "/admin/users", url.Values{"email": {"not-an-address"}, "role": {"editor"}, "password": {"short"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `value="not-an-address"`) ||
		!strings.Contains(a.body, "Enter a valid email address.") || !strings.Contains(a.body, "at least 12") {
		t.Errorf("bad account form: %d\n%s", a.status, a.body)
	}
	a = b.post("/admin/users", "/admin/users", url.Values{"email": {"new@example.org"}, "role": {"editor"}, "password": {testPassword}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("add account: %d\n%s", a.status, a.body)
	}
	newcomer := h.browser()
	newcomer.login("new@example.org")
	u, err := h.db.StaffUserByEmail(ctx, "new@example.org")
	if err != nil {
		t.Fatal(err)
	}
	// Demoting the editor ends their session at once.
	if a := b.post("/admin/users", "/admin/users/"+itoa(u.ID), url.Values{"do": {"role"}, "role": {"viewer"}}); a.status != http.StatusSeeOther {
		t.Fatalf("change role: %d", a.status)
	}
	if a := newcomer.get("/admin/"); a.status != http.StatusSeeOther {
		t.Errorf("a demoted account kept its session: %d", a.status)
	}
	// An admin cannot disable themselves.
	me, _ := h.db.StaffUserByEmail(ctx, "admin@example.org")
	if a := b.post("/admin/users", "/admin/users/"+itoa(me.ID), url.Values{"do": {"disable"}}); a.status != http.StatusBadRequest {
		t.Errorf("disable oneself: %d", a.status)
	}
	// A note in a link made elsewhere is not shown: only the site's own,
	// signed, are.
	if page := b.get("/admin/users?done=Your+account+is+compromised%2C+call+us"); strings.Contains(page.body, "compromised") {
		t.Error("an unsigned note was shown on a staff page")
	}
	// The audit page shows who did what, before and after.
	page := b.get("/admin/audit?action=user.")
	for _, want := range []string{"user.add", "user.update", "admin@example.org", `&#34;role&#34;:&#34;editor&#34;`, `&#34;role&#34;:&#34;viewer&#34;`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("audit page lacks %s", want)
		}
	}
	if strings.Contains(page.body, "argon2") {
		t.Error("the audit log shows a password hash")
	}
}

// TestSignInFloodFromOneClient sends 100 wrong sign-ins at once from one
// client, each password check held until the test lets it go, while
// someone else signs in from another network: their sign-in must not
// wait behind the flood, most of the flood is refused before any hashing,
// and no more than two passwords are ever checked at once.
func TestSignInFloodFromOneClient(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	h.addUser("editor@example.org", model.RoleEditor)
	const guess = "a guess at the admin's password"
	var checking, most atomic.Int32
	entered, release := make(chan struct{}, 100), make(chan struct{})
	h.admin.testCheckPassword = func(hash, password string) (bool, bool, error) {
		n := checking.Add(1)
		defer checking.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if password == guess {
			entered <- struct{}{}
			<-release
		}
		if hash == "" {
			return false, false, nil
		}
		return secret.CheckPassword(hash, password)
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()

	const flood = 100
	statuses := make(chan int, flood)
	for range flood {
		go func() {
			form := url.Values{"email": {"admin@example.org"}, "password": {guess}}
			req, _ := http.NewRequest("POST", h.srv.URL+"/admin/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "198.51.100.7")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	wait := func(what string, c <-chan struct{}) {
		t.Helper()
		select {
		case <-c:
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s after 30 s", what)
		}
	}
	// One guess is being checked, held; the flood's other answers come.
	wait("password check from the flood", entered)
	counts := map[int]int{}
	answered := func(n int) <-chan struct{} {
		done := make(chan struct{})
		go func() {
			for range n {
				counts[<-statuses]++
			}
			close(done)
		}()
		return done
	}
	// All but the one being checked and at most one waiting its turn.
	wait("answer to the rest of the flood", answered(flood-2))
	if counts[http.StatusTooManyRequests] < flood-2-httpx.SigninBurst {
		t.Errorf("of %d sign-ins at once from one client, %v were answered before any was checked; want 429 for nearly all", flood, counts)
	}

	// Meanwhile, a sign-in from another network goes through at once,
	// while the flood's guess is still held.
	done := make(chan answer, 1)
	go func() {
		form := url.Values{"email": {"editor@example.org"}, "password": {testPassword}, "next": {"/admin/"}}
		req, _ := http.NewRequest("POST", h.srv.URL+"/admin/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Do(req)
		if err != nil {
			done <- answer{}
			return
		}
		res.Body.Close()
		done <- answer{status: res.StatusCode, location: res.Header.Get("Location")}
	}()
	select {
	case a := <-done:
		if a.status != http.StatusSeeOther || a.location != "/admin/" {
			t.Errorf("the real sign-in during the flood: %d %q, want 303 to /admin/", a.status, a.location)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the real sign-in waited behind the flood")
	}
	close(release)
	released = true
	for len(entered) > 0 {
		<-entered
	}
	rest := 0
	for _, n := range counts {
		rest += n
	}
	for range flood - rest {
		counts[<-statuses]++
	}
	for status, n := range counts {
		switch status {
		case http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		default:
			t.Errorf("%d of the flood answered %d", n, status)
		}
	}
	if m := most.Load(); m > httpx.MaxHashing {
		t.Errorf("%d password checks ran at once, want at most %d", m, httpx.MaxHashing)
	}
}

// TestLockPerNetwork locks an account for the network its wrong passwords
// come from only: its owner signs in from elsewhere, and an admin unlocks
// it in the staff screen.
func TestLockPerNetwork(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	h.addUser("editor@example.org", model.RoleEditor)
	stranger := h.browserFrom("198.51.100.7")
	wrong := url.Values{"email": {"editor@example.org"}, "password": {"not the password at all"}}
	for i := range store.LockAfter {
		if a := stranger.do("POST", "/admin/login", wrong); a.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, a.status)
		}
	}
	right := url.Values{"email": {"editor@example.org"}, "password": {testPassword}, "next": {"/admin/"}}
	if a := stranger.do("POST", "/admin/login", right); a.status != http.StatusUnauthorized {
		t.Errorf("the right password from the guesser's network while locked: %d, want 401", a.status)
	}
	// Another address in the same /24 is the same network.
	if a := h.browserFrom("198.51.100.200").do("POST", "/admin/login", right); a.status != http.StatusUnauthorized {
		t.Errorf("the right password from the guesser's /24 while locked: %d, want 401", a.status)
	}
	// The owner, elsewhere, is not kept out; IPv6 clients by their /64.
	h.browserFrom("203.0.113.9").login("editor@example.org")
	h.browserFrom("2001:db8:1:2::7").login("editor@example.org")

	// The staff screen shows the lock; an admin lifts it.
	adm := h.browserFrom("203.0.113.10")
	adm.login("admin@example.org")
	page := adm.get("/admin/users")
	if !strings.Contains(page.body, "locked for a network") || !strings.Contains(page.body, `value="unlock"`) {
		t.Fatalf("the staff screen does not show the lock:\n%s", page.body)
	}
	editor, _ := h.db.StaffUserByEmail(ctx, "editor@example.org")
	if a := adm.post("/admin/users", "/admin/users/"+itoa(editor.ID), url.Values{"do": {"unlock"}}); a.status != http.StatusSeeOther {
		t.Fatalf("unlock: %d\n%s", a.status, a.body)
	}
	if page := adm.get("/admin/users"); strings.Contains(page.body, "locked for a network") {
		t.Error("still shown locked after the unlock")
	}
	h.browserFrom("198.51.100.7").login("editor@example.org")
	log, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "user.unlock"})
	if len(log) != 1 || log[0].UserEmail != "admin@example.org" || log[0].ObjectID != editor.ID {
		t.Errorf("the unlock is not audited: %+v", log)
	}
}
