package admin

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"vigil/internal/model"
)

// TestTooLargeIs413 sends staff forms over the limits: each is refused
// whole with 413 and a page saying so, never cut short, read as empty or
// answered 500.
func TestTooLargeIs413(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	b := h.browser()
	b.login("admin@example.org")
	before, err := h.db.AllCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		size int
	}{
		{"/admin/cases/new", 11_000_000}, // 11 MB: within the body's room for fields, over the file limit
		{"/admin/cases/new", 11 << 20},   // 11 MiB: over the body's limit
		{"/admin/supporters/import", 11_000_000},
		{"/admin/users", 11_000_000},
	} {
		a := b.multipart(c.path, c.path, url.Values{"title": {"Too large"}, "email": {"new@example.org"}, "role": {"viewer"}},
			make([]byte, c.size))
		if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, "too large") {
			t.Errorf("%d bytes to %s: %d, want 413 with a page saying so", c.size, c.path, a.status)
		}
	}
	after, _ := h.db.AllCases(ctx)
	if len(after) != len(before) {
		t.Error("a case was saved from a form that was too large")
	}
	if _, err := h.db.StaffUserByEmail(ctx, "new@example.org"); err == nil {
		t.Error("an account was added from a form that was too large")
	}
	// The sign-in form too: not read as empty and counted as a failure.
	for range 12 {
		a := h.browser().multipart("", "/admin/login", url.Values{"email": {"admin@example.org"}, "password": {"x"}},
			make([]byte, 11_000_000))
		if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, "too large") {
			t.Fatalf("11 MB sign-in: %d, want 413", a.status)
		}
	}
	h.browser().login("admin@example.org")
}

// TestStaffMethodNotAllowed answers a method a staff route does not take
// with 405 and its Allow header, as the public site does, and a path that
// is no route with the admin's 404 page.
func TestStaffMethodNotAllowed(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	signedIn := h.browser()
	signedIn.login("admin@example.org")
	for _, b := range []*browser{signedIn, h.browser()} {
		for _, c := range []struct {
			method, path, allow string
		}{
			{"PUT", "/admin/cases", "GET"},
			{"DELETE", "/admin/users/1", "POST"},
			{"POST", "/admin/audit", "GET"},
			{"POST", "/admin/", "GET"},
			{"PATCH", "/admin/login", "POST"},
		} {
			a := b.do(c.method, c.path, nil)
			if a.status != http.StatusMethodNotAllowed || !strings.Contains(a.header.Get("Allow"), c.allow) ||
				!strings.Contains(a.body, "cannot be used that way") {
				t.Errorf("%s %s: %d, Allow %q; want 405 allowing %s", c.method, c.path, a.status, a.header.Get("Allow"), c.allow)
			}
		}
		if a := b.get("/admin/no-such-page"); a.status != http.StatusNotFound || !strings.Contains(a.body, "no such page in the admin") {
			t.Errorf("a path that is no route: %d", a.status)
		}
	}
}

// TestStaffHSTS sends Strict-Transport-Security on staff answers when the
// base URL is https, and not over plain http.
func TestStaffHSTS(t *testing.T) {
	h := newHarness(t)
	if got := h.browser().get("/admin/login").header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("over plain http: %q", got)
	}
	secure, err := New(Options{Store: h.db, Keys: h.db.Keys(), Site: h.site, Clients: testClients, Composer: h.composer, BaseURL: "https://vigil.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/admin/login", "/admin/", "/admin/no-such-page", "/admin/static/admin.css"} {
		rec := httptest.NewRecorder()
		secure.ServeHTTP(rec, httptest.NewRequest("GET", "https://vigil.example"+path, nil))
		if got := rec.Header().Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=31536000") {
			t.Errorf("%s behind https: %d, Strict-Transport-Security %q", path, rec.Code, got)
		}
	}
}
