package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

const caseURL = "/cases/" + demo.CaseSlug

// testComposer writes a test site's emails from the default sender, as
// cli's composer does without --mail-from.
func testComposer(t testing.TB, st notify.Reader, keys *secret.Keys, baseURL string) *notify.Composer {
	t.Helper()
	c, err := notify.New(keys, baseURL, web.DefaultMailFrom(baseURL), st)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newSite serves the demo content at testutil.Now.
func newSite(t testing.TB) *web.Server {
	t.Helper()
	db := testutil.DemoSQLite(t)
	site, err := web.New(web.Options{
		Store:    db,
		Keys:     db.Keys(),
		BaseURL:  "https://act.example.org",
		Composer: testComposer(t, db, db.Keys(), "https://act.example.org"),
		Now:      func() time.Time { return testutil.Now },
		FormRate: 30,
	})
	if err != nil {
		t.Fatal(err)
	}
	return site
}

type response struct {
	status int
	header http.Header
	body   string
}

func get(t testing.TB, h http.Handler, path string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

// text strips tags and collapses space, so assertions read like the page.
func text(html string) string {
	html = regexp.MustCompile(`(?s)<head>.*?</head>`).ReplaceAllString(html, " ")
	html = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, " ")
	return strings.Join(strings.Fields(html), " ")
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestCasePage(t *testing.T) {
	site := newSite(t)
	r := get(t, site, caseURL)
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	page := text(r.body)
	mustContain(t, "case page", page,
		"Venezuelan men expelled", "Monitoring", "UA 28/25", "252",
		"United States, El Salvador, Venezuela",
		"What we are asking for", "Related news", "Other actions you can take", "Share")

	// The timeline, in date order, with the number of people each concerns.
	timeline := text(regexp.MustCompile(`(?s)<ol class="timeline"[^>]*>.*?</ol>`).FindString(r.body))
	i1 := strings.Index(timeline, "16 March 2025")
	i2 := strings.Index(timeline, "30 March 2025")
	i3 := strings.Index(timeline, "18 July 2025")
	if i1 < 0 || i2 < 0 || i3 < 0 || !(i1 < i2 && i2 < i3) {
		t.Errorf("timeline dates missing or out of order: %d %d %d", i1, i2, i3)
	}
	mustContain(t, "timeline", timeline, "238 people", "17 people", "252 people")

	// The closed appeal: its closing text, its frozen count, no form.
	mustContain(t, "action panel", page, "No further action is requested", "14,382 people took part")
	if strings.Contains(r.body, "<form") {
		t.Error("the case page shows a form although its only action is closed")
	}

	// Updates newest first: the final update before the opening one.
	final, opening := strings.Index(page, "Final update"), strings.Index(page, "Urgent action ·")
	if final < 0 || opening < 0 || final > opening {
		t.Errorf("updates not newest first: final at %d, opening at %d", final, opening)
	}

	// Three demands, in order.
	demands := regexp.MustCompile(`(?s)<ol class="demands"[^>]*>(.*?)</ol>`).FindStringSubmatch(r.body)
	if demands == nil || strings.Count(demands[1], "<li>") != 3 {
		t.Fatalf("want three demands, got %v", demands)
	}
	if !strings.Contains(demands[1], "detained again without due process") {
		t.Errorf("first demand: %s", demands[1])
	}
}

func TestOpenActionShowsWhatWillBeAsked(t *testing.T) {
	site := newSite(t)
	r := get(t, site, "/actions/"+demo.CanadaSlug)
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	page := text(r.body)
	mustContain(t, "appeal page", page, "Your appeal goes to", "Minister of Public Safety", "Your letter",
		"You can change the letter", "days left", "people have acted", "Send my appeal")
	mustContain(t, "appeal form", r.body, `<form method="post" action="/actions/`+demo.CanadaSlug+`"`,
		`name="subject"`, `<textarea id="canada-bill-c2-letter" name="letter"`, `name="country"`, `name="email"`)
	if strings.Contains(page, "{{salutation}}") {
		t.Error("the model letter shows its placeholder instead of the salutation")
	}
	if !strings.Contains(r.body, `<progress max="10000"`) {
		t.Error("no goal bar")
	}
	r = get(t, site, "/actions/"+demo.DeportationsSlug)
	mustContain(t, "petition page", text(r.body), "Petition", "To sign you give your name")
}

func TestUnknownPagesAndMethods(t *testing.T) {
	site := newSite(t)
	for _, path := range []string{"/cases/no-such-case", "/actions/nothing", "/news/nothing", "/nothing/at/all",
		"/es/cases/no-such-case", "/static/app.0000.css", "/media/abc/480.png", "/news?page=99", "/news?page=x"} {
		r := get(t, site, path)
		if r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, r.status)
			continue
		}
		// In the site's layout, not the mux's plain text, with the
		// security headers of every page.
		mustContain(t, path, r.body, `<a class="skip"`, `<div class="wrap narrow error">`)
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Content-Security-Policy") == "" ||
			!strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: headers %v", path, r.header)
		}
	}
	req := httptest.NewRequest(http.MethodPost, caseURL, strings.NewReader("x=1"))
	rec := httptest.NewRecorder()
	site.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Body.String(), "Not allowed") ||
		!strings.Contains(rec.Header().Get("Allow"), "GET") {
		t.Errorf("POST to a case page: %d %q, Allow %q", rec.Code, text(rec.Body.String()), rec.Header().Get("Allow"))
	}
}

// Every public answer forbids framing and sniffing and runs only this
// origin's scripts; every page sends no referrer and says its language.
func TestPublicSecurityHeaders(t *testing.T) {
	site := newSite(t)
	for _, path := range []string{"/", caseURL, "/es" + caseURL, "/actions/" + demo.DeportationsSlug, "/news", "/nothing"} {
		for _, enc := range []string{"", "gzip"} {
			for range 2 { // rendered, then from memory
				r := get(t, site, path, "Accept-Encoding", enc)
				csp := r.header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") ||
					strings.Contains(csp, "unsafe-inline") || r.header.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("%s (%q): headers %v", path, enc, r.header)
				}
				body := r.body
				if enc == "gzip" && r.header.Get("Content-Encoding") == "gzip" {
					body = gunzip(t, body)
				}
				mustContain(t, path, body, `<meta name="referrer" content="no-referrer">`, `<html lang="`)
			}
		}
	}
}

func TestSpanish(t *testing.T) {
	site := newSite(t)
	r := get(t, site, "/es"+caseURL)
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	page := text(r.body)
	mustContain(t, "Spanish case page", r.body, `<html lang="es" dir="ltr">`)
	mustContain(t, "Spanish case page", page, "16 de marzo de 2025", "Cronología", "Noticias relacionadas", "Compartir")
	// The story is in Spanish too: nothing on it is marked as another
	// language.
	mustContain(t, "Spanish case page", page, "Hombres venezolanos expulsados de Estados Unidos a El Salvador")
	mustContain(t, "Spanish case page", r.body, `<h1 >`, `<ol class="timeline" >`)
	for _, english := range []string{"Related news", "People concerned", "What you can do", "Skip to main content", "16 March 2025 ·",
		"Venezuelan men expelled"} {
		if strings.Contains(page, english) {
			t.Errorf("the Spanish page still shows %q", english)
		}
	}
	// Links stay in Spanish.
	mustContain(t, "Spanish links", r.body, `href="/es/news"`, `href="/es/actions/`)

	// Accept-Language chooses when the path does not.
	r = get(t, site, caseURL, "Accept-Language", "es-MX,es;q=0.9,en;q=0.5")
	mustContain(t, "Accept-Language: es", r.body, `<html lang="es" dir="ltr">`)
	if vary := strings.Join(r.header.Values("Vary"), ", "); !strings.Contains(vary, "Accept-Language") {
		t.Errorf("Vary %q lacks Accept-Language", vary)
	}
	r = get(t, site, caseURL, "Accept-Language", "de-DE,pt;q=0.8")
	mustContain(t, "Accept-Language: de", r.body, `<html lang="en" dir="ltr">`)
	r = get(t, site, "/en"+caseURL, "Accept-Language", "es")
	mustContain(t, "/en/ over Accept-Language", r.body, `<html lang="en" dir="ltr">`)

	// Every page links to its other languages.
	for _, link := range []string{
		`<link rel="alternate" hreflang="en" href="https://act.example.org/en` + caseURL + `">`,
		`<link rel="alternate" hreflang="es" href="https://act.example.org/es` + caseURL + `">`,
		`<link rel="alternate" hreflang="x-default" href="https://act.example.org` + caseURL + `">`,
	} {
		mustContain(t, "hreflang", r.body, link)
	}
	if r := get(t, site, "/es"); r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/es/" {
		t.Errorf("/es: %d to %q", r.status, r.header.Get("Location"))
	}
}

func TestEveryPageIsSelfContained(t *testing.T) {
	site := newSite(t)
	foreign := regexp.MustCompile(`(?i)<(script|img|iframe|source|audio|video|object)[^>]+(src|srcset|data)="(https?:)?//|<link[^>]+rel="(stylesheet|icon|preload|manifest|prefetch)"[^>]+href="(https?:)?//`)
	inlineScript := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>`)
	for _, path := range []string{"/", caseURL, "/actions/" + demo.CanadaSlug, "/news", "/news/" + demo.NewsReturnSlug,
		"/es/", mastodonLink(t, site), "/nope"} {
		r := get(t, site, path)
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") ||
			strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for _, tag := range inlineScript.FindAllString(r.body, -1) {
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s: inline script %s", path, tag)
			}
		}
		if strings.Contains(r.body, " style=") || strings.Contains(r.body, "<style") {
			t.Errorf("%s: inline style", path)
		}
		// Link previews use absolute URLs by necessity; nothing the page
		// loads may be on another origin.
		if m := foreign.FindString(r.body); m != "" {
			t.Errorf("%s: loads from another origin: %s", path, m)
		}
		if n := strings.Count(r.body, "<h1"); n != 1 {
			t.Errorf("%s: %d h1 elements, want 1", path, n)
		}
		mustContain(t, path, r.body, `<a class="skip" href="#main">`, `<main id="main"`, `<nav aria-label=`)
	}
}

func TestShareAndPreviews(t *testing.T) {
	site := newSite(t)
	r := get(t, site, caseURL)
	canonical := "https://act.example.org/en" + caseURL
	for _, want := range []string{
		`<meta property="og:title" content="Venezuelan men expelled`,
		`<meta property="og:url" content="` + canonical + `">`,
		`<meta property="og:image" content="https://act.example.org/media/`,
		`<meta property="og:image:alt" content="Illustration`,
		`<meta name="twitter:card" content="summary_large_image">`,
		`href="https://wa.me/?text=`,
		`href="https://t.me/share/url?url=`,
		`href="https://x.com/intent/post?text=`,
		`href="https://www.facebook.com/sharer/sharer.php?u=`,
		`href="mailto:?subject=`,
		`href="/share/mastodon?text=`,
		`value="` + canonical + `" readonly`,
		`>Signal</a>`,
	} {
		mustContain(t, "case page head and share links", r.body, want)
	}
	// Mastodon: ask the server, then link to its share page; refuse junk.
	link := mastodonLink(t, site)
	r = get(t, site, link+"&instance=https://Social.Example.org/")
	mustContain(t, "mastodon", r.body, `href="https://social.example.org/share?text=Venezuelan&#43;men`)
	r = get(t, site, link+"&instance=evil.org/phish?a=")
	if r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "https://evil.org") {
		t.Errorf("bad Mastodon server: %d", r.status)
	}
	mustContain(t, "mastodon error", r.body, `aria-invalid="true"`, `value="evil.org/phish?a="`)
	// Nobody can make the page show their own text.
	if r := get(t, site, "/share/mastodon?text=Donate+at+https://evil.example&instance=evil.example"); r.status != http.StatusBadRequest ||
		strings.Contains(r.body, "evil.example") {
		t.Errorf("unsigned share text: %d", r.status)
	}
}

// mastodonLink is the Mastodon share link of the case page.
func mastodonLink(t *testing.T, site http.Handler) string {
	t.Helper()
	m := regexp.MustCompile(`href="(/share/mastodon\?[^"]+)"`).FindStringSubmatch(get(t, site, caseURL).body)
	if m == nil {
		t.Fatal("no Mastodon link on the case page")
	}
	return html.UnescapeString(m[1])
}

func TestImagesAreSizedForTheScreen(t *testing.T) {
	site := newSite(t)
	r := get(t, site, "/")
	imgs := regexp.MustCompile(`<img [^>]*>`).FindAllString(r.body, -1)
	if len(imgs) < 3 {
		t.Fatalf("home shows %d images", len(imgs))
	}
	for i, img := range imgs {
		mustContain(t, "image", img, `srcset="/media/`, " 480w", " 960w", `sizes="`, `alt="Illustration`, `width="`, `height="`)
		if lazy := strings.Contains(img, `loading="lazy"`); lazy != (i > 0) {
			t.Errorf("image %d: lazy %v; want only images below the first lazy", i, lazy)
		}
	}
	src := regexp.MustCompile(`src="(/media/[^"]+)"`).FindStringSubmatch(imgs[0])[1]
	m := get(t, site, src)
	if m.status != 200 || m.header.Get("Content-Type") != "image/png" || !strings.Contains(m.header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(m.body, "\x89PNG") {
		t.Errorf("%s: %d %v", src, m.status, m.header)
	}
	if again := get(t, site, src, "If-None-Match", m.header.Get("ETag")); again.status != http.StatusNotModified {
		t.Errorf("revalidation: %d", again.status)
	}
}

// TestCasePageWeight keeps the case page light on a slow network: its HTML
// and CSS, compressed as sent, under 50 KB.
func TestCasePageWeight(t *testing.T) {
	site := newSite(t)
	r := get(t, site, caseURL, "Accept-Encoding", "gzip")
	if r.header.Get("Content-Encoding") != "gzip" {
		t.Fatal("the case page is not compressed")
	}
	html := len(r.body)
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]+\.css)"`).FindStringSubmatch(gunzip(t, r.body))
	if css == nil {
		t.Fatal("no stylesheet")
	}
	c := get(t, site, css[1], "Accept-Encoding", "gzip")
	if c.status != 200 || !strings.Contains(c.header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet: %d %q", c.status, c.header.Get("Cache-Control"))
	}
	total := html + len(c.body)
	t.Logf("case page: HTML %d B + CSS %d B compressed = %d B", html, len(c.body), total)
	if total > 50*1024 {
		t.Errorf("case page HTML+CSS is %d bytes compressed, over 50 KB", total)
	}
}

func gunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFeedsAndSitemap(t *testing.T) {
	site := newSite(t)
	type feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	var f feed
	r := get(t, site, "/news.atom")
	if r.header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Errorf("news feed type %q", r.header.Get("Content-Type"))
	}
	if err := xml.Unmarshal([]byte(r.body), &f); err != nil || len(f.Entries) < 4 {
		t.Fatalf("news feed: %d entries, %v", len(f.Entries), err)
	}
	if f.Entries[0].Link.Href != "https://act.example.org/en/news/"+demo.NewsOneYearSlug {
		t.Errorf("first entry is not the newest article: %+v", f.Entries[0])
	}
	f = feed{}
	r = get(t, site, "/es"+caseURL+"/updates.atom")
	if err := xml.Unmarshal([]byte(r.body), &f); err != nil || len(f.Entries) != 2 {
		t.Fatalf("case feed: %+v, %v", f, err)
	}
	if !strings.Contains(f.Entries[0].Link.Href, "/es"+caseURL+"#update-1") {
		t.Errorf("case feed: newest first, in Spanish: %+v", f.Entries)
	}
	mustContain(t, "case page", get(t, site, caseURL).body, `type="application/atom+xml"`)

	r = get(t, site, "/sitemap.xml")
	var set struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(r.body), &set); err != nil {
		t.Fatal(err)
	}
	var locs []string
	for _, u := range set.URLs {
		locs = append(locs, u.Loc)
	}
	all := strings.Join(locs, " ")
	mustContain(t, "sitemap", all, "https://act.example.org/en"+caseURL, "https://act.example.org/es"+caseURL,
		"https://act.example.org/es/actions/"+demo.UgandaSlug, "https://act.example.org/en/news/"+demo.NewsCourtSlug)
	mustContain(t, "robots.txt", get(t, site, "/robots.txt").body, "Sitemap: https://act.example.org/sitemap.xml", "Disallow: /admin/")
}

func TestHealthAndMetrics(t *testing.T) {
	site := newSite(t)
	if r := get(t, site, "/healthz"); r.status != 200 {
		t.Errorf("healthz %d", r.status)
	}
	get(t, site, caseURL)
	get(t, site, "/cases/missing")
	// Metrics are for scrapers on this machine only.
	if r := get(t, site, "/metrics"); r.status != http.StatusNotFound {
		t.Errorf("metrics to a remote client: %d", r.status)
	}
	req := httptest.NewRequest("FROBNICATE", caseURL, nil)
	site.ServeHTTP(httptest.NewRecorder(), req)
	req = httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = "127.0.0.1:5555"
	rec := httptest.NewRecorder()
	site.ServeHTTP(rec, req)
	m := rec.Body.String()
	if strings.Contains(m, "FROBNICATE") || !strings.Contains(m, `method="OTHER"`) {
		t.Error("an unknown method became its own metric label")
	}
	mustContain(t, "metrics", m,
		`vigil_http_requests_total{code="200",method="GET",route="GET /cases/{slug}"} 1`,
		`vigil_http_requests_total{code="404",method="GET",route="GET /cases/{slug}"} 1`,
		`vigil_http_request_duration_seconds_bucket{route="GET /cases/{slug}"`)
}

func TestMarkdownIsSanitised(t *testing.T) {
	// Staff Markdown reaches pages through the markdown package; a page
	// must never carry a script from content.
	site := newSite(t)
	for _, path := range []string{caseURL, "/news/" + demo.NewsReturnSlug} {
		body := get(t, site, path).body
		if bytes.Contains([]byte(body), []byte("javascript:")) {
			t.Errorf("%s carries a javascript: URL", path)
		}
	}
}

// TestServerErrorPage: when the database is gone, pages answer 500 in the
// site's layout, saying nothing of the cause, and /healthz says 503.
func TestServerErrorPage(t *testing.T) {
	db := testutil.DemoSQLite(t)
	site, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://act.example.org", Composer: testComposer(t, db, db.Keys(), "https://act.example.org"),
		Now: func() time.Time { return testutil.Now }})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	r := get(t, site, caseURL)
	if r.status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", r.status)
	}
	mustContain(t, "500 page", r.body, `<a class="skip"`, "Something went wrong", "please try again")
	if strings.Contains(r.body, "sqlite") || strings.Contains(r.body, "closed") {
		t.Error("the 500 page shows the internal error")
	}
	if r := get(t, site, "/healthz"); r.status != http.StatusServiceUnavailable {
		t.Errorf("healthz with the database closed: %d", r.status)
	}
}

// TestPageCache: pages come from memory, with ETag revalidation; content
// changes show at once, counts within a second.
func TestPageCache(t *testing.T) {
	h := newActHarness(t, false)
	first := get(t, h.site, caseURL, "Accept-Encoding", "gzip")
	etag := first.header.Get("ETag")
	if first.status != 200 || etag == "" || first.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("first: %d etag %q encoding %q", first.status, etag, first.header.Get("Content-Encoding"))
	}
	if again := get(t, h.site, caseURL, "If-None-Match", etag); again.status != http.StatusNotModified {
		t.Errorf("revalidation: %d", again.status)
	}

	// Security headers stay on cached answers.
	if r := get(t, h.site, caseURL); r.header.Get("Content-Security-Policy") == "" || r.header.Get("ETag") != etag {
		t.Error("a cached answer lost its headers")
	}

	// A signature: the count on the action page moves within a second.
	path := "/actions/" + demo.DeportationsSlug
	before := get(t, h.site, path).body
	h.post(path, signature("Ana", "ana@example.org"))
	if get(t, h.site, path).body != before {
		t.Error("the page re-rendered at once for a count; want at most once a second")
	}
	h.now = h.now.Add(1500 * time.Millisecond)
	if after := text(get(t, h.site, path).body); !strings.Contains(after, number(h.count(demo.DeportationsSlug))+" people have acted") {
		t.Error("the count did not move after a second")
	}

	// Content: an update shows at once.
	err := h.db.PublishUpdate(context.Background(), demo.CaseSlug, &model.Update{Title: "The men speak about CECOT", Published: h.now})
	if err != nil {
		t.Fatal(err)
	}
	h.site.ContentChanged()
	if !strings.Contains(get(t, h.site, caseURL).body, "The men speak about CECOT") {
		t.Error("a published update is not on the case page at once")
	}
}

// TestPagesFromMemoryAnswerAsTheChainDoes: a fresh page in memory is
// answered before the middleware chain. Its answer must be the one the
// chain gives (a query string the page does not read sends a request
// through the chain to the same cached page): status, every header, body.
func TestPagesFromMemoryAnswerAsTheChainDoes(t *testing.T) {
	site := newSite(t)
	paths := []string{"/", caseURL, "/es" + caseURL, "/es/", "/actions/" + demo.DeportationsSlug, "/news", "/sitemap.xml", "/robots.txt"}
	variants := [][]string{
		nil,
		{"Accept-Encoding", "gzip"},
		{"Accept-Language", "es-VE,es;q=0.9"},
		{"Accept-Encoding", "gzip", "Accept-Language", "es"},
	}
	for _, path := range paths {
		first := get(t, site, path) // rendered and kept
		if first.status != http.StatusOK {
			t.Fatalf("%s: %d", path, first.status)
		}
		for _, v := range variants {
			chain := get(t, site, path+"?through=chain", v...)
			memory := get(t, site, path, v...)
			compareAnswers(t, fmt.Sprintf("%s %q", path, v), chain, memory)
		}
		etag := first.header.Get("ETag")
		chain := get(t, site, path+"?through=chain", "If-None-Match", etag)
		memory := get(t, site, path, "If-None-Match", etag)
		if memory.status != http.StatusNotModified {
			t.Errorf("%s revalidated from memory: %d", path, memory.status)
		}
		compareAnswers(t, path+" revalidated", chain, memory)
	}
	// Each answer from memory is counted like any other.
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = "127.0.0.1:5555"
	rec := httptest.NewRecorder()
	site.ServeHTTP(rec, req)
	mustContain(t, "metrics", rec.Body.String(),
		`vigil_http_requests_total{code="200",method="GET",route="GET /cases/{slug}"} 18`,
		`vigil_http_requests_total{code="304",method="GET",route="GET /cases/{slug}"} 4`)
}

func compareAnswers(t *testing.T, what string, want, got response) {
	t.Helper()
	if got.status != want.status || got.body != want.body {
		t.Errorf("%s: from memory %d, %d bytes; through the chain %d, %d bytes", what, got.status, len(got.body), want.status, len(want.body))
	}
	if !reflect.DeepEqual(got.header, want.header) {
		t.Errorf("%s: headers from memory\n%v\nthrough the chain\n%v", what, got.header, want.header)
	}
}

// TestFrenchAndArabic reads the home, case and action pages as a French
// and an Arabic reader do: the interface in their language, Arabic right to
// left, dates and numbers written their way, with one digit system.
func TestFrenchAndArabic(t *testing.T) {
	site := newSite(t)
	paths := []string{"/", caseURL, "/actions/" + demo.CanadaSlug}
	english := []string{"Skip to main content", "Timeline", "What you can do", "Send my appeal", "16 March 2025", "people have acted"}
	for _, tc := range []struct {
		lang, html string
		want       map[string][]string // path -> strings of its text
		number     *regexp.Regexp      // a count of thousands, written the language's way
	}{
		{"fr", `<html lang="fr" dir="ltr">`, map[string][]string{
			"/":                           {"Aller au contenu principal", "Agir pour les personnes en danger", "Les cas que nous suivons", "personnes ont agi"},
			caseURL:                       {"Chronologie", "16 mars 2025", "Personnes concernées", "Ce que vous pouvez faire"},
			"/actions/" + demo.CanadaSlug: {"Envoyer mon appel", "Votre lettre", "Votre adresse e-mail", "ouverte jusqu’au"},
		}, regexp.MustCompile(`<strong>\d{1,3}\x{202f}\d{3}</strong>`)},
		{"ar", `<html lang="ar" dir="rtl">`, map[string][]string{
			"/":                           {"الانتقال إلى المحتوى الرئيسي", "تحرّكوا من أجل الأشخاص المعرّضين للخطر", "قضايا نتابعها"},
			caseURL:                       {"التسلسل الزمني", "16 مارس 2025", "الأشخاص المعنيون", "ما يمكنكم فعله"},
			"/actions/" + demo.CanadaSlug: {"إرسال مناشدتي", "رسالتكم", "عنوان البريد الإلكتروني", "مفتوح حتى"},
		}, regexp.MustCompile(`<strong>\d{1,3},\d{3}</strong>`)},
	} {
		for _, path := range paths {
			r := get(t, site, "/"+tc.lang+path)
			what := "/" + tc.lang + path
			if r.status != http.StatusOK {
				t.Errorf("%s: status %d", what, r.status)
				continue
			}
			mustContain(t, what, r.body, tc.html)
			page := text(r.body)
			mustContain(t, what, page, tc.want[path]...)
			for _, s := range english {
				if strings.Contains(page, s) {
					t.Errorf("%s shows the English %q", what, s)
				}
			}
			if path != caseURL && !tc.number.MatchString(r.body) {
				t.Errorf("%s has no count written as %s", what, tc.number)
			}
			if strings.ContainsAny(page, "٠١٢٣٤٥٦٧٨٩") {
				t.Errorf("%s mixes Arabic-Indic digits with 0-9", what)
			}
		}
	}
}
