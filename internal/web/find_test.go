package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store/sqlite"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

func TestCasesList(t *testing.T) {
	site := newSite(t)
	r := get(t, site, "/cases")
	if r.status != http.StatusOK {
		t.Fatalf("/cases: %d", r.status)
	}
	mustContain(t, "/cases", r.body,
		`href="/cases/`+demo.CaseSlug+`"`,
		// Every filter is a plain link.
		`href="/cases?country=VE"`, `href="/cases?status=monitoring"`, `href="/cases?theme=`,
		`<link rel="alternate" hreflang="ar" href="https://act.example.org/ar/cases">`)
	if !strings.Contains(get(t, site, "/").body, `href="/cases"`) {
		t.Error("the home page does not lead to /cases")
	}

	// A filter the demo case passes, then one it does not.
	r = get(t, site, "/cases?country=ve&status=monitoring")
	mustContain(t, "VE and monitoring", r.body, `href="/cases/`+demo.CaseSlug+`"`,
		`href="/cases?country=VE&amp;status=monitoring" aria-current="true"`,
		`<link rel="canonical" href="https://act.example.org/en/cases?country=VE&amp;status=monitoring">`)
	r = get(t, site, "/cases?status=closed")
	if r.status != http.StatusOK || strings.Contains(r.body, `href="/cases/`+demo.CaseSlug+`"`) {
		t.Errorf("closed: %d, or the active case is listed", r.status)
	}
	mustContain(t, "closed", text(r.body), "No case matches these filters.")

	// A country no case names: an empty list, the filter shown.
	r = get(t, site, "/cases?country=ZZ")
	if r.status != http.StatusOK {
		t.Errorf("unknown country: %d", r.status)
	}
	mustContain(t, "unknown country", r.body, `href="/cases?country=ZZ" aria-current="true"`, "No case matches these filters.")

	// Values no filter can take: a 400 page that says so, with the links.
	for _, q := range []string{"?status=open", "?country=Venezuela", "?country=%3Cscript%3E", "?page=0", "?page=x",
		"?theme=" + strings.Repeat("t", 101)} {
		r := get(t, site, "/cases"+q)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, r.status)
		}
		mustContain(t, q, r.body, "This filter is not one the list knows.", `href="/cases?country=VE"`)
		if strings.Contains(r.body, "<script>") {
			t.Errorf("%s: a raw script tag on the page", q)
		}
	}
	if r := get(t, site, "/cases?page=2"); r.status != http.StatusNotFound {
		t.Errorf("a page past the end: %d, want 404", r.status)
	}

	// In Arabic, right to left, with its own links.
	r = get(t, site, "/ar/cases?country=VE")
	mustContain(t, "ar", r.body, `dir="rtl"`, `href="/ar/cases?country=VE" aria-current="true"`,
		`href="/ar/cases/`+demo.CaseSlug+`"`, `hreflang="es" href="https://act.example.org/es/cases?country=VE"`)
}

func TestCasesListPages(t *testing.T) {
	db := testutil.DemoSQLite(t)
	ctx := context.Background()
	for i := range 13 {
		when := testutil.Now.Add(-time.Duration(i+1) * time.Hour)
		if err := db.CreateCase(ctx, &model.Case{Slug: "extra-" + string(rune('a'+i)), Lang: "en", Title: "Extra case",
			Status: model.CaseMonitoring, Countries: []string{"CU"}, Published: when, Updated: when}); err != nil {
			t.Fatal(err)
		}
	}
	site := siteOn(t, db, 30)
	first := get(t, site, "/cases?country=CU")
	mustContain(t, "page 1", first.body, `href="/cases/extra-a"`, `href="/cases?country=CU&amp;page=2" rel="next"`)
	if strings.Contains(first.body, `rel="prev"`) || strings.Contains(first.body, "extra-m") {
		t.Error("page 1 has a previous page or the 13th case")
	}
	second := get(t, site, "/cases?country=CU&page=2")
	mustContain(t, "page 2", second.body, `href="/cases/extra-m"`, `href="/cases?country=CU" rel="prev"`)
	if strings.Contains(second.body, `rel="next"`) || strings.Contains(second.body, `href="/cases/extra-a"`) {
		t.Error("page 2 goes on, or repeats page 1")
	}
}

func siteOn(t *testing.T, db *sqlite.DB, formRate int) *web.Server {
	t.Helper()
	site, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://act.example.org",
		Composer: testComposer(t, db, db.Keys(), "https://act.example.org"),
		Now:      func() time.Time { return testutil.Now }, FormRate: formRate})
	if err != nil {
		t.Fatal(err)
	}
	return site
}

func TestSearchPage(t *testing.T) {
	db := testutil.DemoSQLite(t)
	ctx := context.Background()
	if err := db.CreateCase(ctx, &model.Case{Slug: "escaped", Lang: "en", Title: `<script>alert("x")</script> Tribunal watch`,
		Summary: `A <b>tribunal</b> & its "rulings"`, Status: model.CaseActive, Published: testutil.Now, Updated: testutil.Now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCase(ctx, &model.Case{Slug: "draft", Lang: "en", Title: "Tribunal draft", Status: model.CaseActive,
		Updated: testutil.Now}); err != nil {
		t.Fatal(err)
	}
	site := siteOn(t, db, 30)

	// The form alone.
	r := get(t, site, "/search")
	if r.status != http.StatusOK || !strings.Contains(r.body, `action="/search" method="get"`) || strings.Contains(r.body, "Results") {
		t.Errorf("/search: %d, want the form without results", r.status)
	}

	r = get(t, site, "/search?q=tribunal")
	if r.status != http.StatusOK {
		t.Fatalf("search: %d", r.status)
	}
	mustContain(t, "escaped title", r.body,
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>Tribunal</mark> watch`,
		`A &lt;b&gt;<mark>tribunal</mark>&lt;/b&gt; &amp; its &#34;rulings&#34;`,
		`href="/cases/escaped"`, `value="tribunal"`)
	if strings.Contains(r.body, `<script>alert`) || strings.Contains(r.body, "Tribunal draft") {
		t.Error("raw markup from the content, or a draft, on the results page")
	}

	// Diacritics, and the reader's language: the French title of the
	// demo case, typed without accents.
	r = get(t, site, "/fr/search?q=venezueliens+expulses")
	mustContain(t, "French", r.body, `href="/fr/cases/`+demo.CaseSlug+`"`, `<mark>Vénézuéliens</mark>`,
		`href="/ar/search?q=venezueliens&#43;expulses" hreflang="ar"`)
	r = get(t, site, "/ar/search?q=prison")
	mustContain(t, "Arabic reader, English original", r.body, `dir="rtl"`, `href="/ar/cases/`+demo.CaseSlug+`"`)

	// Nothing found; a query too long is cut and says so.
	mustContain(t, "nothing", text(get(t, site, "/search?q=zzzzqqq").body), "Nothing was found for these words.")
	long := get(t, site, "/search?q="+strings.Repeat("tribunal+", 60))
	if long.status != http.StatusOK {
		t.Errorf("long query: %d", long.status)
	}
	mustContain(t, "long", text(long.body), "only its first 200 characters were used")
	if r := get(t, site, "/search?q=tribunal&page=999"); r.status != http.StatusBadRequest {
		t.Errorf("page 999: %d, want 400", r.status)
	}
	// Every page leads to search; the case list has the form.
	for _, path := range []string{"/", "/es/news", "/ar/cases/" + demo.CaseSlug} {
		prefix := strings.TrimSuffix(path[:strings.Index(path[1:], "/")+1], "/")
		if path == "/" {
			prefix = ""
		}
		mustContain(t, path, get(t, site, path).body, `href="`+prefix+`/search"`, `href="`+prefix+`/cases"`)
	}
	mustContain(t, "/es/cases", get(t, site, "/es/cases").body, `<form class="search-form" action="/es/search" method="get" role="search">`)
}

func TestSearchIsCachedAndLimited(t *testing.T) {
	db := testutil.DemoSQLite(t)
	site := siteOn(t, db, 30)
	search := func(q, ip string) int {
		req := httptest.NewRequest(http.MethodGet, "/search?q="+q, nil)
		req.RemoteAddr = ip + ":1234"
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, req)
		return rec.Code
	}
	limited := 0
	for i := range 40 {
		if search("prison", "198.51.100.7") == http.StatusTooManyRequests {
			limited++
		} else if limited > 0 {
			t.Fatalf("search %d passed after the limit", i)
		}
	}
	if limited == 0 {
		t.Error("40 searches in a moment from one client: none refused")
	}
	if code := search("prison", "198.51.100.8"); code != http.StatusOK {
		t.Errorf("another client: %d", code)
	}
	// The form itself is never limited.
	if r := get(t, site, "/search"); r.status != http.StatusOK {
		t.Errorf("the form after the limit: %d", r.status)
	}

	// Cached: a new case appears only once content is said to change.
	first := get(t, site, "/search?q=okapi")
	if strings.Contains(first.body, "/cases/okapi") {
		t.Fatal("found before it exists")
	}
	if err := db.CreateCase(context.Background(), &model.Case{Slug: "okapi", Lang: "en", Title: "Okapi", Status: model.CaseActive,
		Published: testutil.Now, Updated: testutil.Now}); err != nil {
		t.Fatal(err)
	}
	if r := get(t, site, "/search?q=okapi"); r.body != first.body || r.header.Get("ETag") == "" {
		t.Error("the search page was not served from the cache")
	}
	site.ContentChanged()
	mustContain(t, "after a change", get(t, site, "/search?q=okapi").body, `href="/cases/okapi"`)
}

func TestSitemapListsCasesAndSearch(t *testing.T) {
	site := newSite(t)
	body := get(t, site, "/sitemap.xml").body
	for _, lang := range []string{"en", "es", "fr", "ar"} {
		mustContain(t, "sitemap", body, "<loc>https://act.example.org/"+lang+"/cases</loc>",
			"<loc>https://act.example.org/"+lang+"/search</loc>")
	}
	mustContain(t, "sitemap", body, `hreflang="x-default" href="https://act.example.org/cases"`)
}
