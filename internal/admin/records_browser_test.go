package admin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/testutil"
)

// TestBrowserIndividuals follows an individual with JavaScript off: a
// researcher opens the demo case's individuals and one history, records
// a corroborated re-detention; an editor finds the drafted follow-up on
// the dashboard, publishes the figures again, and the public case page's
// figure moves from 252 to 251 returned. Every screen opened passes axe.
func TestBrowserIndividuals(t *testing.T) {
	h := newHarness(t)
	h.addUser("researcher@example.org", model.RoleResearcher)
	h.addUser("editor@example.org", model.RoleEditor)
	c, err := h.db.CaseBySlug(ctx, demo.CaseSlug)
	if err != nil {
		t.Fatal(err)
	}
	records, err := h.db.RecordsOfCase(ctx, c.ID)
	if err != nil || len(records) != demo.Individuals {
		t.Fatalf("demo individuals: %d, %v", len(records), err)
	}
	seventeen := records[16]
	url := func(path string) string { return h.srv.URL + path }

	session := func(email string) (run func(string, ...chromedp.Action[chromedp.Void]), text func(string) string, axe func(string)) {
		bctx := testutil.Browser(t)
		if err := testutil.DisableJS(bctx); err != nil {
			t.Fatal(err)
		}
		run = func(what string, actions ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			stepCtx, cancel := context.WithTimeout(bctx, 30*time.Second)
			defer cancel()
			if err := chromedp.Do(stepCtx, actions...); err != nil {
				shotCtx, cancel := context.WithTimeout(bctx, 10*time.Second)
				defer cancel()
				body, _ := chromedp.Run(shotCtx, chromedp.Text(chromedp.CSS("body")))
				t.Fatalf("%s: %v\npage:\n%s", what, err, body)
			}
		}
		text = func(sel string) string {
			t.Helper()
			stepCtx, cancel := context.WithTimeout(bctx, 10*time.Second)
			defer cancel()
			s, err := chromedp.Run(stepCtx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil {
				t.Fatalf("text of %s: %v", sel, err)
			}
			return s
		}
		axe = func(page string) {
			t.Helper()
			vs, err := testutil.Axe(bctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range testutil.SeriousAxe(vs) {
				t.Errorf("%s: axe: %s", page, v)
			}
			if err := testutil.DisableJS(bctx); err != nil {
				t.Fatal(err)
			}
		}
		if email != "" {
			run("sign in as "+email, chromedp.Navigate(url("/admin/")),
				chromedp.SendKeys(chromedp.CSS("#email"), email),
				chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
				chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS("nav[aria-label=Admin]")))
		}
		return run, text, axe
	}

	// The public page says what the demo's events say.
	run, text, axe := session("")
	run("public case page", chromedp.Navigate(url("/cases/"+c.Slug)), chromedp.WaitVisible(chromedp.CSS("#what-we-know")))
	if known := text("#what-we-know"); !strings.Contains(known, "252 returned to their country") ||
		!strings.Contains(known, "What we know of the 252 men") {
		t.Fatalf("what we know, before: %q", known)
	}
	axe("public case page")
	publicRun, publicText, publicAxe := run, text, axe

	// The researcher records a corroborated re-detention.
	run, text, axe = session("researcher@example.org")
	list := "/admin/cases/" + itoa(c.ID) + "/records"
	run("individuals", chromedp.Navigate(url(list)), chromedp.WaitVisible(chromedp.CSS("main table")))
	axe("individuals")
	run("filter", chromedp.Click(chromedp.CSS(`a[href$="?status=returned"]`)), chromedp.WaitVisible(chromedp.CSS(`a[aria-current="page"][href$="?status=returned"]`)))
	axe("individuals, returned")
	run("history", chromedp.Navigate(url(list+"/"+itoa(seventeen.ID))), chromedp.WaitVisible(chromedp.CSS("#add-event")))
	if h1 := text("main h1"); !strings.Contains(h1, "Individual 017") {
		t.Fatalf("history title: %q", h1)
	}
	axe("history")
	// First with a mistake: the message beside the field, values kept.
	run("record an event with a mistake",
		chromedp.SetValue(chromedp.CSS("#kind"), "re-detained"),
		chromedp.SendKeys(chromedp.CSS("#date"), "next week"),
		chromedp.SendKeys(chromedp.CSS("#place"), "Caracas"),
		chromedp.SendKeys(chromedp.CSS("#source"), "Training note: a fictional lawyer"),
		chromedp.Click(chromedp.CSS("#verification-corroborated")),
		chromedp.Click(chromedp.CSS(`#add-event + form button[type="submit"], main form[action$="/events"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#date-error")))
	axe("history with a message")
	run("record the event",
		chromedp.SetValue(chromedp.CSS("#date"), "2026-11-20"),
		chromedp.Click(chromedp.CSS(`main form[action$="/events"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if flash := text(".flash"); !strings.Contains(flash, "follow-up action was drafted") {
		t.Errorf("after recording: %q", flash)
	}
	if status := text("main dl"); !strings.Contains(status, "re-detained") {
		t.Errorf("the status after recording: %q", status)
	}
	axe("history after recording")

	// The editor finds the draft, and publishes the figures again.
	run, text, axe = session("editor@example.org")
	run("dashboard", chromedp.Navigate(url("/admin/")), chromedp.WaitVisible(chromedp.CSS("#drafts-title")))
	if drafts := text("#drafts-title + p + ul"); !strings.Contains(drafts, "UA 28/25 — further information") {
		t.Errorf("the dashboard's drafts: %q", drafts)
	}
	axe("dashboard")
	figures := "/admin/cases/" + itoa(c.ID) + "/figures"
	run("figures", chromedp.Navigate(url(figures)), chromedp.WaitVisible(chromedp.CSS("#status-returned")))
	axe("figures")
	run("publish the figures", chromedp.Click(chromedp.CSS(`main form[action$="/figures"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	axe("figures published")

	publicRun("public case page after", chromedp.Navigate(url("/cases/"+c.Slug)), chromedp.WaitVisible(chromedp.CSS("#what-we-know")))
	if known := publicText("#what-we-know"); !strings.Contains(known, "251 returned to their country") || strings.Contains(known, "again") {
		t.Errorf("what we know, after: %q", known)
	}
	publicAxe("public case page after")
}
