package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"vigil/internal/httpx"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

// TestMetricsOnlyForThisMachine opens /metrics to a scraper connected
// from loopback, and to one bearing the configured token; not to a
// request a proxy on the same machine forwards, even a trusted one.
func TestMetricsOnlyForThisMachine(t *testing.T) {
	db := testutil.DemoSQLite(t)
	const token = "a long random scraper token"
	site, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://act.example.org", Composer: testComposer(t, db, db.Keys(), "https://act.example.org"), Now: func() time.Time { return testutil.Now },
		Clients: httpx.Clients{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, MetricsToken: token})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, peer string
		header     []string
		want       int
	}{
		{"a scraper on this machine", "127.0.0.1:5555", nil, http.StatusOK},
		{"a scraper on this machine over IPv6", "[::1]:5555", nil, http.StatusOK},
		{"a proxy on this machine (X-Forwarded-For)", "127.0.0.1:5555", []string{"X-Forwarded-For", "198.51.100.7"}, http.StatusNotFound},
		{"a proxy saying it forwards for this machine", "127.0.0.1:5555", []string{"X-Forwarded-For", "127.0.0.1"}, http.StatusNotFound},
		{"a proxy on this machine (Forwarded)", "127.0.0.1:5555", []string{"Forwarded", "for=198.51.100.7"}, http.StatusNotFound},
		{"a proxy on this machine (X-Real-IP)", "127.0.0.1:5555", []string{"X-Real-IP", "198.51.100.7"}, http.StatusNotFound},
		{"an empty forwarding header", "127.0.0.1:5555", []string{"X-Forwarded-For", ""}, http.StatusNotFound},
		{"another machine", "198.51.100.7:5555", nil, http.StatusNotFound},
		{"another machine with the token", "198.51.100.7:5555", []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"through the proxy with the token", "127.0.0.1:5555", []string{"X-Forwarded-For", "198.51.100.7", "Authorization", "Bearer " + token}, http.StatusOK},
		{"another machine with a wrong token", "198.51.100.7:5555", []string{"Authorization", "Bearer " + token + "x"}, http.StatusNotFound},
		{"another machine with the token as Basic", "198.51.100.7:5555", []string{"Authorization", "Basic " + token}, http.StatusNotFound},
	} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.RemoteAddr = c.peer
		for i := 0; i+1 < len(c.header); i += 2 {
			req.Header.Set(c.header[i], c.header[i+1])
		}
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
		if got := strings.Contains(rec.Body.String(), "go_goroutines"); got != (c.want == http.StatusOK) {
			t.Errorf("%s: metrics shown %v", c.name, got)
		}
	}

	// Without a token, a bearer opens nothing.
	plain := newSite(t)
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer ")
	rec := httptest.NewRecorder()
	plain.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("an empty bearer with no token configured: %d", rec.Code)
	}
}

// TestStrictTransportSecurity sends HSTS on every public answer when the
// site's base URL is https (pages from memory and through the chain, not
// found, static files, errors), and never over plain http.
func TestStrictTransportSecurity(t *testing.T) {
	secure := newSite(t) // https://act.example.org
	for _, path := range []string{"/", caseURL, caseURL, "/cases/missing", "/healthz", "/robots.txt", "/es/"} {
		if got := get(t, secure, path).header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=31536000") {
			t.Errorf("%s behind https: Strict-Transport-Security %q", path, got)
		}
	}
	req := httptest.NewRequest("DELETE", caseURL, nil)
	rec := httptest.NewRecorder()
	secure.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Strict-Transport-Security") == "" {
		t.Errorf("405 behind https: %d, Strict-Transport-Security %q", rec.Code, rec.Header().Get("Strict-Transport-Security"))
	}

	db := testutil.DemoSQLite(t)
	plain, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "http://127.0.0.1:8080", Composer: testComposer(t, db, db.Keys(), "http://127.0.0.1:8080"), Now: func() time.Time { return testutil.Now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", caseURL, caseURL} {
		if got := get(t, plain, path).header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s over plain http: Strict-Transport-Security %q", path, got)
		}
	}
}
