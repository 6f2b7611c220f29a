package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"vigil/internal/demo"
	"vigil/internal/testutil"
)

// TestBrowserWithoutJavaScript reads the site as a supporter with
// JavaScript off: from the home page to the case, its timeline and its
// closing text, checked by axe-core, with nothing fetched from elsewhere.
func TestBrowserWithoutJavaScript(t *testing.T) {
	srv := httptest.NewServer(newSite(t))
	defer srv.Close()
	ctx := testutil.Browser(t)
	requests := testutil.RecordRequests(ctx)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}

	checkAxe := func(page string) {
		t.Helper()
		vs, err := testutil.Axe(ctx)
		if err != nil {
			t.Fatalf("%s: axe: %v", page, err)
		}
		for _, v := range testutil.SeriousAxe(vs) {
			t.Errorf("%s: axe: %s", page, v)
		}
	}

	// Home: a phone-sized screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || h1 != "Act for people at risk" {
		t.Fatalf("home h1 %q, %v", h1, err)
	}
	scrollWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || scrollWidth > 360 {
		t.Errorf("home page is %d px wide on a 360 px screen (%v)", scrollWidth, err)
	}
	checkAxe("home")
	testutil.Screenshot(t, ctx, "home-360")

	// Follow the link to the case, as a person would.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Click(chromedp.CSS(`a[href="/cases/`+demo.CaseSlug+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.timeline")),
	); err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/cases/"+demo.CaseSlug) {
		t.Fatalf("after the click the browser is at %s", loc)
	}
	timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ol.timeline")))
	if err != nil {
		t.Fatal(err)
	}
	i1, i2, i3 := strings.Index(timeline, "16 March 2025"), strings.Index(timeline, "30 March 2025"), strings.Index(timeline, "18 July 2025")
	if i1 < 0 || !(i1 < i2 && i2 < i3) {
		t.Errorf("timeline as shown: %q", timeline)
	}
	closing, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".panel.closed .closing")))
	if err != nil || !strings.Contains(closing, "No further action is requested") {
		t.Errorf("closing text %q, %v", closing, err)
	}
	forms, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("form"), chromedp.AtLeast(0)))
	if err != nil || len(forms) != 0 {
		t.Errorf("the closed case shows %d forms (%v)", len(forms), err)
	}
	// share.js did not run: no copy button was added.
	buttons, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(".copy-link button"), chromedp.AtLeast(0)))
	if err != nil || len(buttons) != 0 {
		t.Errorf("page scripts ran with JavaScript off: %d buttons (%v)", len(buttons), err)
	}
	checkAxe("case")
	testutil.Screenshot(t, ctx, "case")

	for _, path := range []string{"/actions/" + demo.CanadaSlug, "/news", "/es/news/" + demo.NewsReturnSlug, "/no-such-page"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		checkAxe(path)
	}

	for _, u := range requests() {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("request to another origin: %s", u)
		}
	}
}

// TestBrowserWithJavaScript checks the one script the site has: it only
// adds a copy button, in the page's language.
func TestBrowserWithJavaScript(t *testing.T) {
	srv := httptest.NewServer(newSite(t))
	defer srv.Close()
	ctx := testutil.Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/es/cases/"+demo.CaseSlug),
		chromedp.WaitVisible(chromedp.CSS(".copy-link button"))); err != nil {
		t.Fatal(err)
	}
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".copy-link button")))
	if err != nil || label == "" || label == "Copy link" {
		t.Errorf("copy button %q in the Spanish page (%v)", label, err)
	}
}
