package admin

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/model"
	"vigil/internal/testutil"
)

// TestBrowserStaffPagesInSpanish: a staff member who reads the admin in
// Spanish signs in through a browser with JavaScript off, and the pages
// they open are Spanish, marked so, and pass axe-core.
func TestBrowserStaffPagesInSpanish(t *testing.T) {
	h := newHarness(t)
	ana := h.addUser("ana@example.org", model.RoleAdmin)
	if err := h.db.SetStaffLanguage(ctx, ana.ID, "es"); err != nil {
		t.Fatal(err)
	}
	cases, err := h.db.AllCases(ctx)
	if err != nil || len(cases) == 0 {
		t.Fatalf("demo cases: %v", err)
	}
	browser := testutil.Browser(t)
	if err := testutil.DisableJS(browser); err != nil {
		t.Fatal(err)
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(browser, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(stepCtx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	read := func(what, sel string) string {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(browser, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(stepCtx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: text of %s: %v", what, sel, err)
		}
		return s
	}
	lang := func(what string) string {
		t.Helper()
		s, err := chromedp.Run(browser, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s.Value
	}
	axe := func(page string) {
		t.Helper()
		vs, err := testutil.Axe(browser)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range testutil.SeriousAxe(vs) {
			t.Errorf("%s: axe: %s", page, v)
		}
		if err := testutil.DisableJS(browser); err != nil {
			t.Fatal(err)
		}
	}

	run("sign in", chromedp.Navigate(h.srv.URL+"/admin/"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ana@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("header nav")))
	for _, p := range []struct{ path, h1 string }{
		{"/admin/", "Panel"},
		{"/admin/cases/" + itoa(cases[0].ID), cases[0].Title},
		{"/admin/translations", "Traducciones"},
		{"/admin/users", "Equipo"},
		{"/admin/keys", "Claves de API"},
		{"/admin/webhooks", "Webhooks"},
		{"/admin/account", "Mi cuenta"},
	} {
		run("open "+p.path, chromedp.Navigate(h.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if got := read(p.path, "main h1"); got != p.h1 {
			t.Errorf("%s: h1 %q, want %q", p.path, got, p.h1)
		}
		if got := lang(p.path); got != "es" {
			t.Errorf("%s: lang %q", p.path, got)
		}
		axe(p.path)
	}
}
