package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"vigil/internal/demo"
	"vigil/internal/testutil"
)

// TestBrowserFindingCases: with JavaScript off, in English and in Arabic,
// a reader filters the list of cases by a plain link, searches from the
// list's form without accents, and reads the results with the words found
// marked; axe-core finds nothing on any of these pages, and nothing is
// fetched from elsewhere.
func TestBrowserFindingCases(t *testing.T) {
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
		for _, v := range vs {
			t.Errorf("%s: axe: %s", page, v)
		}
	}
	for _, tc := range []struct{ lang, query, found string }{
		// The English original, typed without its case.
		{"en", "maximum security prison", "prison"},
		// The Arabic translation of the case; the reader types it as is.
		{"ar", "السلفادور", "السلفادور"},
	} {
		prefix := "/" + tc.lang
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800), chromedp.Navigate(srv.URL+prefix+"/cases")); err != nil {
			t.Fatal(err)
		}
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || width > 360 {
			t.Errorf("%s/cases is %d px wide on a 360 px screen (%v)", prefix, width, err)
		}
		checkAxe(prefix + "/cases")
		testutil.Screenshot(t, ctx, tc.lang+"-cases")

		// A filter is a link: follow it.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900),
			chromedp.Click(chromedp.CSS(`a[href="`+prefix+`/cases?country=VE"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="`+prefix+`/cases?country=VE"][aria-current]`)),
		); err != nil {
			t.Fatal(err)
		}
		listed, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`.case-list a[href="`+prefix+`/cases/`+demo.CaseSlug+`"]`),
			chromedp.AtLeast(0)))
		if err != nil || len(listed) != 1 {
			t.Errorf("%s: the case under its country: %d links (%v)", tc.lang, len(listed), err)
		}
		checkAxe(prefix + "/cases?country=VE")

		// Search from the list's form.
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#cases-q"), tc.query),
			chromedp.Submit(chromedp.CSS("#cases-q")),
			chromedp.WaitVisible(chromedp.CSS("ol.search-results")),
		); err != nil {
			t.Fatal(err)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		u, _ := url.Parse(loc)
		if u == nil || u.Path != prefix+"/search" || u.Query().Get("q") != tc.query {
			t.Errorf("%s: after the search the browser is at %s", tc.lang, loc)
		}
		marks, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`Array.from(document.querySelectorAll("ol.search-results mark")).map(m => m.textContent).join("|")`))
		if err != nil || !strings.Contains(strings.ToLower(marks), tc.found) {
			t.Errorf("%s: words marked %q, want %q (%v)", tc.lang, marks, tc.found, err)
		}
		links, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`Array.from(document.querySelectorAll("ol.search-results li h3 a")).map(a => a.getAttribute("href")).join(" ")`))
		if err != nil || !strings.Contains(links+" ", prefix+"/cases/"+demo.CaseSlug+" ") {
			t.Errorf("%s: results %q, want the case among them (%v)", tc.lang, links, err)
		}
		checkAxe(prefix + "/search?q=" + tc.query)
		testutil.Screenshot(t, ctx, tc.lang+"-search")

		for _, path := range []string{"/search", "/search?q=zzzqqq", "/cases?status=bogus"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+prefix+path)); err != nil {
				t.Fatal(err)
			}
			checkAxe(prefix + path)
		}
	}
	for _, u := range requests() {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("request to another origin: %s", u)
		}
	}
}
