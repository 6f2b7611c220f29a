package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// allRoles are the roles the matrix walks, and "" for a visitor who is not
// signed in.
var allRoles = []model.Role{model.RoleAdmin, model.RoleEditor, model.RoleResearcher, model.RoleViewer, ""}

// access says who may use a route: the roles allowed, by their initials
// (a admin, e editor, r researcher, v viewer), and "*" for anyone, signed
// in or not.
var access = map[string]string{
	"GET /admin":                                   "*",
	"/admin/":                                      "*",
	"GET /admin/static/{file}":                     "*",
	"GET /admin/login":                             "*",
	"POST /admin/login":                            "*",
	"GET /admin/login/code":                        "aerv",
	"POST /admin/login/code":                       "aerv",
	"POST /admin/logout":                           "aerv",
	"GET /admin/account":                           "aerv",
	"POST /admin/account/password":                 "aerv",
	"GET /admin/account/totp":                      "aerv",
	"POST /admin/account/totp":                     "aerv",
	"POST /admin/account/signout-everywhere":       "aerv",
	"GET /admin/{$}":                               "aerv",
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
	"GET /admin/targets":                           "aerv",
	"POST /admin/targets":                          "ae",
	"GET /admin/supporters":                        "ae",
	"POST /admin/supporters":                       "ae",
	"GET /admin/supporters/{id}":                   "ae",
	"POST /admin/supporters/{id}/erase":            "a",
	"GET /admin/supporters/import":                 "a",
	"POST /admin/supporters/import":                "a",
	"GET /admin/actions/{id}/export.csv":           "ae",
	"GET /admin/actions/{id}/signatures":           "ae",
	"GET /admin/actions/{id}/signatures.csv":       "ae",
	"GET /admin/users":                             "a",
	"POST /admin/users":                            "a",
	"POST /admin/users/{id}":                       "a",
	"POST /admin/settings":                         "a",
	"GET /admin/audit":                             "a",

	// Researchers' records of individuals.
	"GET /admin/cases/{id}/records":                  "ar",
	"POST /admin/cases/{id}/records":                 "ar",
	"POST /admin/cases/{id}/records/{record}/delete": "ar",
}

// concretePath turns a route pattern into a path to request.
func concretePath(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern+"no-such-page"
	}
	r := strings.NewReplacer("{$}", "", "{file}", "admin.css", "{id}", "1", "{update}", "1", "{record}", "1", "{slug}", "x")
	return method, r.Replace(path)
}

func TestRoleMatrix(t *testing.T) {
	h := newHarness(t)
	browsers := map[model.Role]*browser{"": h.browser()}
	for _, role := range allRoles[:4] {
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
	// The session-ending routes, each role on a fresh sign-in.
	for _, role := range allRoles {
		for _, path := range []string{"/admin/logout", "/admin/account/signout-everywhere", "/admin/account/password"} {
			b := h.browser()
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
	secure, err := New(Options{Store: h.db, Keys: h.db.Keys(), Site: h.site, BaseURL: "https://vigil.example"})
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
	if a := b.post("/admin/account/totp", "/admin/account/totp", url.Values{"secret": {key}, "code": {"000000"}}); a.status != http.StatusBadRequest {
		t.Errorf("wrong code: %d", a.status)
	}
	code := secret.TOTPCode(raw, h.clock)
	if a := b.post("/admin/account/totp", "/admin/account/totp", url.Values{"secret": {key}, "code": {code}}); a.status != http.StatusSeeOther {
		t.Fatalf("set up: %d\n%s", a.status, a.body)
	}

	// Next sign-in: password, then the code; nothing opens in between.
	b2 := h.browser()
	a := b2.do("POST", "/admin/login", url.Values{"email": {"researcher@example.org"}, "password": {testPassword}, "next": {"/admin/"}})
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
