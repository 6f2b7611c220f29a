package httpx

import (
	"log/slog"
	"net/http"
	"runtime/debug"
)

// contentSecurityPolicy allows only this origin's scripts, styles, images
// and form targets; no inline script or style, no fonts, no framing.
const contentSecurityPolicy = policyWithoutFraming + "; frame-ancestors 'none'"

// policyWithoutFraming is the policy but for who may frame the page: see
// EmbedPolicy for the pages partner sites show.
const policyWithoutFraming = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'"

// Header is one response header, set as is: the key canonical, the value
// slice shared (net/http only reads it), so no request pays for building
// it.
type Header struct {
	Key   string
	Value []string
}

// SetHeaders sets each of hs on h.
func SetHeaders(h http.Header, hs []Header) {
	for _, x := range hs {
		h[x.Key] = x.Value
	}
}

// SiteHeaders are set on every answer of the public site: the strict CSP
// (which also forbids framing, by frame-ancestors, on every page but
// those partner sites frame: see EmbedPolicy) and no sniffing. The
// referrer policy is in each page's <meta name="referrer">, and the
// language in its <html lang>. A public page answers everyone alike, and
// net/http copies and sorts every header key of every answer (past eight
// keys Go's map of them grows a table, twice per answer), so its headers
// are kept to those that protect something (docs/decisions.md).
var SiteHeaders = []Header{
	{"Content-Security-Policy", []string{contentSecurityPolicy}},
	{"X-Content-Type-Options", []string{"nosniff"}},
}

// PrivateHeaders are added to answers that show one person's data (a
// form sent back with its values, a thank-you page, a link's page): never
// kept by a cache, no referrer even for a browser without <meta
// name="referrer">, and no window of another origin keeps a handle on it.
var PrivateHeaders = []Header{
	{"Cache-Control", []string{"no-store"}},
	{"Referrer-Policy", []string{"no-referrer"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
}

// staffHeaders are set on every answer of the staff pages, which show
// personal data on every page and are not on a hot path: the site's, the
// private ones (no cache keeps a staff page), and those older browsers
// need for the same protection (X-Frame-Options where frame-ancestors is
// unknown).
var staffHeaders = append(append(append([]Header(nil), SiteHeaders...), PrivateHeaders...),
	Header{"X-Frame-Options", []string{"DENY"}},
	Header{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=()"}},
)

// HSTS tells browsers to come back to this host (and those under it) over
// HTTPS only, for a year: after one visit, a network that strips TLS from
// links or redirects gets nowhere. Sent only when the site's base URL is
// https, on public and staff answers alike.
var HSTS = Header{"Strict-Transport-Security", []string{"max-age=31536000; includeSubDomains"}}

// StrictTransport sets Strict-Transport-Security (HSTS) on every answer
// of next, for a site served over HTTPS.
func StrictTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()[HSTS.Key] = HSTS.Value
		next.ServeHTTP(w, r)
	})
}

// StaffSecurity sets the staff pages' headers (strict CSP, no framing, no
// sniffing, no referrer, no opener, no cache) on every answer of next.
func StaffSecurity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetHeaders(w.Header(), staffHeaders)
		next.ServeHTTP(w, r)
	})
}

// RecoverPanics runs next, and when it panics logs the stack and answers
// with fail (an aborted handler's panic is passed on, as net/http expects).
func RecoverPanics(log *slog.Logger, fail http.HandlerFunc, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				fail(w, r)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
