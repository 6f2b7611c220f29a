package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"vigil/internal/demo"
)

const partner = "https://partner.example"

var embedURL = "/embed/actions/" + demo.DeportationsSlug

// postTo posts a form to a site from one client address.
func postTo(t testing.TB, h http.Handler, path string, form url.Values, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "192.0.2.20:4321"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

// embedSignature is a valid petition form as the embed page sends it.
func embedSignature(name, email, source string) url.Values {
	v := signature(name, email)
	v.Set("source", source)
	return v
}

// checkFramedBy fails unless an answer lets exactly the given sources
// frame it, with the rest of the site's policy unchanged.
func checkFramedBy(t *testing.T, what string, r response, sources string) {
	t.Helper()
	csp := r.header.Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "; frame-ancestors "+sources) || strings.Count(csp, "frame-ancestors") != 1 ||
		!strings.HasPrefix(csp, "default-src 'none'; script-src 'self'; style-src 'self';") ||
		!strings.Contains(csp, "form-action 'self'") || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s (%d): CSP %q, want the site's with frame-ancestors %s", what, r.status, csp, sources)
	}
}

// TestOnlyEmbedPagesMayBeFramed: the embed page and every answer under
// /embed/ (its thank-you page, the form with its messages, errors) may be
// framed by the origins of --embed-origins; every other page by none,
// whether rendered or answered from memory.
func TestOnlyEmbedPagesMayBeFramed(t *testing.T) {
	h := newActHarness(t, false)
	h.withEmbedOrigins("https://Partner.example/", "http://127.0.0.1:8081")
	allowed := "https://partner.example http://127.0.0.1:8081"
	for _, path := range []string{embedURL, "/es" + embedURL, "/ar" + embedURL, embedURL + "/thanks",
		"/embed/actions/" + demo.CaseAppealSlug, "/embed/actions/nothing", "/embed/nothing"} {
		for _, referer := range []string{"", partner + "/campaign"} {
			for range 2 { // rendered, then from memory
				checkFramedBy(t, path, get(t, h.site, path, "Referer", referer, "Accept-Encoding", "gzip"), allowed)
			}
		}
	}
	for _, path := range []string{"/", caseURL, "/actions/" + demo.DeportationsSlug, "/es/actions/" + demo.DeportationsSlug,
		"/actions/" + demo.DeportationsSlug + "/thanks", "/news", "/subscribe", "/embed", "/embedded/actions/x", "/nothing"} {
		for range 2 {
			r := get(t, h.site, path, "Referer", partner+"/campaign")
			if csp := r.header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "; frame-ancestors 'none'") {
				t.Errorf("%s (%d): CSP %q, want frame-ancestors 'none'", path, r.status, csp)
			}
		}
	}
	// Answers to the form: in the frame's policy when sent from the frame,
	// in the site's when sent from the site.
	bad := embedSignature("", "ana@example.org", partner)
	checkFramedBy(t, "embed form with errors", h.post(embedURL, bad), allowed)
	checkFramedBy(t, "embed form sent", h.post(embedURL, embedSignature("Ana", "ana@example.org", partner)), allowed)
	if r := h.post("/actions/"+demo.DeportationsSlug, bad); !strings.HasSuffix(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("action form with errors: CSP %q", r.header.Get("Content-Security-Policy"))
	}

	// By default, any https origin.
	checkFramedBy(t, "default", get(t, newSite(t), embedURL), "https:")
}

// TestEmbedKeepsTheSupporterInTheFrame: the form alone, in the reader's
// language, posting to its own embed address; its thank-you page, its
// messages and its closing text stay under /embed/, and links that leave
// open a new tab.
func TestEmbedKeepsTheSupporterInTheFrame(t *testing.T) {
	h := newActHarness(t, false)
	r := get(t, h.site, "/es"+embedURL, "Referer", partner+"/campaigns/venezuela?utm=x")
	if r.status != http.StatusOK {
		t.Fatalf("embed page: %d", r.status)
	}
	mustContain(t, "Spanish embed page", r.body, `<html lang="es" dir="ltr">`,
		`<form method="post" action="/es`+embedURL+`"`,
		`<input type="hidden" name="source" value="`+partner+`">`,
		`<a href="/es/actions/`+demo.DeportationsSlug+`" target="_blank" rel="noopener">`,
		`<meta name="robots" content="noindex">`, `<main id="main">`, "Firmar la petición", "personas han actuado")
	for _, absent := range []string{"<header", "<footer", "<nav", "<script", "<iframe", " style=", "/campaigns/venezuela"} {
		if strings.Contains(r.body, absent) {
			t.Errorf("embed page holds %q", absent)
		}
	}
	if n := strings.Count(r.body, "<h1"); n != 1 {
		t.Errorf("embed page: %d h1 elements", n)
	}
	// Every link leaves in a new tab but those within the page.
	for _, a := range regexp.MustCompile(`<a [^>]*>`).FindAllString(r.body, -1) {
		if !strings.Contains(a, `href="#`) && !strings.Contains(a, `target="_blank" rel="noopener"`) {
			t.Errorf("embed page link stays in the frame: %s", a)
		}
	}
	if r := get(t, h.site, "/ar"+embedURL); !strings.Contains(r.body, `<html lang="ar" dir="rtl">`) {
		t.Errorf("Arabic embed page: %d, %.200s", r.status, r.body)
	}
	// Accept-Language chooses when the path does not.
	if r := get(t, h.site, embedURL, "Accept-Language", "fr-FR,fr;q=0.9"); !strings.Contains(r.body, `<html lang="fr" dir="ltr">`) {
		t.Errorf("embed page for a French reader: %.200s", r.body)
	}

	// Sent: the thank-you page in the frame, in the reader's language.
	sent := h.post("/es"+embedURL, embedSignature("Ana Pérez", "ana@example.org", partner))
	if sent.status != http.StatusSeeOther || sent.header.Get("Location") != "/es"+embedURL+"/thanks" {
		t.Fatalf("embed form sent: %d to %q\n%s", sent.status, sent.header.Get("Location"), text(sent.body))
	}
	thanks := get(t, h.site, sent.header.Get("Location"))
	mustContain(t, "embed thank-you page", thanks.body, `<html lang="es" dir="ltr">`, "Revisa tu correo",
		`<a href="/es/actions/`+demo.DeportationsSlug+`" target="_blank" rel="noopener">`)
	if thanks.header.Get("Cache-Control") != "no-store" || strings.Contains(thanks.body, "<header") {
		t.Errorf("embed thank-you page: %v\n%s", thanks.header, text(thanks.body))
	}

	// Something wrong: the form again, in the frame, the partner kept.
	bad := h.post(embedURL, embedSignature("", "ana@example.org", partner))
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("embed form without a name: %d", bad.status)
	}
	mustContain(t, "embed form with errors", bad.body, `<form method="post" action="`+embedURL+`"`,
		`<input type="hidden" name="source" value="`+partner+`">`, `class="error-summary"`, `value="ana@example.org"`)
	if bad.header.Get("Cache-Control") != "no-store" || strings.Contains(bad.body, "<header") {
		t.Errorf("embed form with errors: %v", bad.header)
	}

	// A closed action: its closing text, no form, in the frame.
	closed := "/embed/actions/" + demo.CaseAppealSlug
	r = get(t, h.site, closed)
	mustContain(t, "closed action's embed page", text(r.body), "No further action is requested")
	if strings.Contains(r.body, "<form") || strings.Contains(r.body, "<header") {
		t.Error("the closed action's embed page shows a form or the site's header")
	}
	r = h.post(closed, embedSignature("Ana", "ana@example.org", partner))
	if r.status != http.StatusConflict || strings.Contains(r.body, "<header") || !strings.Contains(r.body, "nothing was stored") {
		t.Errorf("embed form of a closed action: %d %s", r.status, text(r.body))
	}
}

// TestEmbedRefusalsStayInTheFrame: the error pages of an embed form (too
// many submissions, a cross-site post, a missing action) are framed too,
// lead back to the form, and leave only in a new tab.
func TestEmbedRefusalsStayInTheFrame(t *testing.T) {
	site := newSite(t)
	var r response
	for range 100 {
		if r = postTo(t, site, "/es"+embedURL, url.Values{}); r.status == http.StatusTooManyRequests {
			break
		}
	}
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("no 429 after 100 posts: %d", r.status)
	}
	checkFramedBy(t, "too many", r, "https:")
	mustContain(t, "too many", r.body, `<a href="/es`+embedURL+`">Volver al formulario</a>`)
	if strings.Contains(r.body, "<header") {
		t.Error("429 in the frame shows the site's header")
	}
	r = postTo(t, newSite(t), embedURL, embedSignature("Ana", "ana@example.org", partner), "Sec-Fetch-Site", "cross-site")
	if r.status != http.StatusForbidden {
		t.Fatalf("cross-site post from the frame: %d", r.status)
	}
	checkFramedBy(t, "cross-site post", r, "https:")
	mustContain(t, "cross-site post", r.body, `<a href="`+embedURL+`">Back to the form</a>`)
	r = get(t, site, "/embed/actions/nothing")
	if r.status != http.StatusNotFound {
		t.Fatalf("missing action: %d", r.status)
	}
	mustContain(t, "missing action", r.body, `<a href="/" target="_blank" rel="noopener">`)
}

// TestEmbedRecordsThePartner: a participation taken in a frame records
// the framing site's origin, only its origin and only an allowed one, as
// its source and its consents'; else only that it came from a frame.
func TestEmbedRecordsThePartner(t *testing.T) {
	h := newActHarness(t, false)
	ctx := context.Background()
	sourceOf := func(email string) (participation, consent string) {
		t.Helper()
		sup, err := h.db.SupporterByEmail(ctx, email)
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		parts, err := h.db.ParticipationsOf(ctx, sup.ID)
		if err != nil || len(parts) != 1 {
			t.Fatalf("%s: participations %v, %v", email, parts, err)
		}
		// A participation's consents count once it is confirmed.
		if _, _, err := h.db.ConfirmParticipation(ctx, parts[0].ID, h.now); err != nil {
			t.Fatal(err)
		}
		consents, err := h.db.Consents(ctx, sup.ID)
		if err != nil || len(consents) == 0 {
			t.Fatalf("%s: consents %v, %v", email, consents, err)
		}
		return parts[0].Referrer, consents[0].Source
	}
	for i, tc := range []struct {
		origins      []string // --embed-origins
		path, source string   // where the form was posted, its source field
		want         string
	}{
		{nil, embedURL, partner, partner},
		{nil, "/es" + embedURL, "https://Partner.example:443/campaign?utm=x", partner},
		{nil, embedURL, "http://partner.example", "embed"}, // by default, https only
		{nil, embedURL, "", "embed"},
		{nil, embedURL, "/actions/" + demo.DeportationsSlug, "embed"},
		{nil, embedURL, "javascript:alert(1)", "embed"},
		{[]string{"http://127.0.0.1:8081"}, embedURL, "http://127.0.0.1:8081", "http://127.0.0.1:8081"},
		{[]string{"http://127.0.0.1:8081"}, embedURL, partner, "embed"},
		// The site's own forms keep the page they were on.
		{nil, "/actions/" + demo.DeportationsSlug, "/actions/" + demo.DeportationsSlug, "/actions/" + demo.DeportationsSlug},
	} {
		h.withEmbedOrigins(tc.origins...)
		email := "supporter" + string(rune('a'+i)) + "@example.org"
		if r := h.post(tc.path, embedSignature("Ana", email, tc.source)); r.status != http.StatusSeeOther {
			t.Fatalf("%s from %q: %d\n%s", tc.path, tc.source, r.status, text(r.body))
		}
		if part, consent := sourceOf(email); part != tc.want || consent != tc.want {
			t.Errorf("--embed-origins %q, %s from %q: participation's source %q, consent's %q; want %q",
				tc.origins, tc.path, tc.source, part, consent, tc.want)
		}
	}
}

// TestEmbedPageKeptPerPartner: the embed page carries its partner's
// origin back in the form, so memory keeps one per partner; from memory
// or through the chain, the answer is the same.
func TestEmbedPageKeptPerPartner(t *testing.T) {
	site := newSite(t)
	sourceIn := func(r response) string {
		m := regexp.MustCompile(`name="source" value="([^"]*)"`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no source field in %.300s", r.body)
		}
		return m[1]
	}
	for _, tc := range []struct{ referer, want string }{
		{partner + "/a", partner}, {"https://other.example/b", "https://other.example"},
		{"", ""}, {"http://plain.example/", ""}, {partner + "/c", partner},
	} {
		for range 2 {
			if got := sourceIn(get(t, site, embedURL, "Referer", tc.referer)); got != tc.want {
				t.Errorf("Referer %q: source %q, want %q", tc.referer, got, tc.want)
			}
		}
		for _, v := range [][]string{{"Referer", tc.referer}, {"Referer", tc.referer, "Accept-Encoding", "gzip", "Accept-Language", "es"}} {
			chain := get(t, site, embedURL+"?through=chain", v...)
			memory := get(t, site, embedURL, v...)
			compareAnswers(t, "embed page "+strings.Join(v, " "), chain, memory)
			if vary := strings.Join(memory.header.Values("Vary"), ", "); !strings.Contains(vary, "Referer") {
				t.Errorf("embed page: Vary %q lacks Referer", vary)
			}
		}
	}
}
