package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/demo"
	"vigil/internal/notify"
	"vigil/internal/testutil"
)

// TestBrowserPrivacy: with JavaScript off, in English and in Arabic, a
// supporter asks for their data from /privacy, opens the emailed link,
// sees their data; then asks to be deleted, confirms from the email, and
// receives the last email. axe-core checks every screen, and nothing
// comes from another origin.
func TestBrowserPrivacy(t *testing.T) {
	h, _ := privacyHarness(t)
	// A second supporter, for the Arabic pass.
	if r := h.post("/actions/"+demo.DeportationsSlug, signature("Badr", "badr@example.org")); r.status != http.StatusSeeOther {
		t.Fatalf("sign: %d", r.status)
	}
	h.confirmByEmail(1)
	h.deliver()
	h.mp.DeleteAll(t)
	srv := httptest.NewServer(h.site)
	defer srv.Close()
	ctx := testutil.Browser(t)
	requests := testutil.RecordRequests(ctx)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}
	local := func(link string) string { return srv.URL + link }
	checkAxe := func(screen string) {
		t.Helper()
		vs, err := testutil.Axe(ctx)
		if err != nil {
			t.Fatalf("%s: axe: %v", screen, err)
		}
		for _, v := range vs {
			t.Errorf("%s: axe: %s", screen, v)
		}
	}
	textOf := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return s
	}
	// ask fills one form of /privacy and submits it.
	ask := func(lang, what, email string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"+lang+"/privacy"),
			chromedp.SendKeys(chromedp.CSS("#"+what+"-email"), email),
			chromedp.Click(chromedp.CSS(`form[action="/`+lang+`/privacy/`+what+`"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#check"))); err != nil {
			t.Fatal(err)
		}
	}
	// mailed waits for the one email to email and returns the link in it.
	mailed := func(email, path string) string {
		t.Helper()
		h.deliver()
		msgs := h.mp.WaitForMessages(t, 1, 10*time.Second)
		m := h.mp.Message(t, msgs[0].ID)
		h.mp.DeleteAll(t)
		if len(m.To) == 0 || m.To[0].Address != email {
			t.Fatalf("email to %+v, want %s", m.To, email)
		}
		return privacyLinkIn(t, m.Text, path)
	}
	// press presses the page's button and waits for the page it leads
	// to, known by sel.
	press := func(sel string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
			t.Fatal(err)
		}
	}

	for _, p := range []struct{ lang, email, name, seeTitle, deletedTitle string }{
		{"en", "ana@example.org", "Ana Pérez", "Your data", "Your data is deleted"},
		{"ar", "badr@example.org", "Badr", "بياناتكم", "حُذفت بياناتكم"},
	} {
		// The page, and its answer.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800), chromedp.Navigate(srv.URL+"/"+p.lang+"/privacy")); err != nil {
			t.Fatal(err)
		}
		checkAxe(p.lang + " /privacy")
		ask(p.lang, "send", p.email)
		checkAxe(p.lang + " /privacy answered")
		testutil.Screenshot(t, ctx, "privacy-asked-"+p.lang)

		// The send link: a button first, then the data.
		link := mailed(p.email, "/privacy/send/")
		if !strings.HasPrefix(link, "/"+p.lang+"/") {
			t.Errorf("the link is not in the page's language: %s", link)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(local(link))); err != nil {
			t.Fatal(err)
		}
		checkAxe(p.lang + " send link")
		if body := textOf("main"); strings.Contains(body, p.email) {
			t.Errorf("%s: the link shows data before its button is pressed", p.lang)
		}
		press("dl.data")
		checkAxe(p.lang + " data page")
		testutil.Screenshot(t, ctx, "privacy-data-"+p.lang)
		if h1 := textOf("main h1"); h1 != p.seeTitle {
			t.Errorf("%s data page: h1 %q, want %q", p.lang, h1, p.seeTitle)
		}
		body := textOf("main")
		for _, want := range []string{p.email, p.name, "1010", "no mass deportations"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s data page lacks %q", p.lang, want)
			}
		}

		// A link altered on its way is refused with a clear page.
		if err := chromedp.Do(ctx, chromedp.Navigate(local(link[:len(link)-3]+"abc"))); err != nil {
			t.Fatal(err)
		}
		checkAxe(p.lang + " broken link")

		// The choice of emails, from the link every email carries.
		sup, err := h.db.SupporterByEmail(t.Context(), p.email)
		if err != nil {
			t.Fatal(err)
		}
		prefs := srv.URL + "/" + p.lang + "/preferences/" + h.db.Keys().Token(notify.PurposePreferences, sup.ID, h.now.Add(time.Hour))
		if err := chromedp.Do(ctx, chromedp.Navigate(prefs)); err != nil {
			t.Fatal(err)
		}
		checkAxe(p.lang + " preferences")
		if boxes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`main input[type="checkbox"]`), chromedp.AtLeast(0))); err != nil || len(boxes) != 1 {
			// The petition stands alone, of no case: the newsletter alone.
			t.Errorf("%s preferences: %d boxes (%v), want the newsletter's", p.lang, len(boxes), err)
		}
		press("main .notice")
		checkAxe(p.lang + " preferences saved")

		// Delete.
		ask(p.lang, "delete", p.email)
		link = mailed(p.email, "/privacy/delete/")
		if err := chromedp.Do(ctx, chromedp.Navigate(local(link))); err != nil {
			t.Fatal(err)
		}
		checkAxe(p.lang + " delete link")
		press("#deleted")
		checkAxe(p.lang + " deleted")
		if h1 := textOf("main h1"); h1 != p.deletedTitle {
			t.Errorf("%s after delete: h1 %q, want %q", p.lang, h1, p.deletedTitle)
		}
		h.deliver()
		last := h.mp.WaitForMessages(t, 1, 10*time.Second)
		if last[0].To[0].Address != p.email {
			t.Errorf("%s: the last email went to %+v", p.lang, last[0].To)
		}
		h.mp.DeleteAll(t)
		if sup, err := h.db.SupporterByEmail(t.Context(), p.email); err == nil {
			t.Errorf("%s: the address still finds %+v", p.lang, sup)
		}
	}
	// Asking again about an erased address: the same answer, no email.
	r := h.post("/privacy/send", url.Values{"email": {"ana@example.org"}})
	if r.status != http.StatusSeeOther {
		t.Errorf("asking about an erased address: %d", r.status)
	}
	h.deliver()
	if got := h.mp.Messages(t); len(got) != 0 {
		t.Errorf("an erased address got %d emails", len(got))
	}
	for _, u := range requests() {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("request to another origin: %s", u)
		}
	}
}
