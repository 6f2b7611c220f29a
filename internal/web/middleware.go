package web

import (
	"compress/gzip"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// contentSecurityPolicy allows only this origin's scripts, styles, images
// and form targets; no inline script or style, no fonts, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// header is one response header, set as is: the key canonical, the value
// slice shared (net/http only reads it), so no request pays for building it.
type header struct {
	key   string
	value []string
}

// siteHeaders are set on every answer of the public site: the strict CSP
// (which also forbids framing, by frame-ancestors) and no sniffing. The
// referrer policy is in each page's <meta name="referrer">, and the
// language in its <html lang>. A public page answers everyone alike, and
// net/http copies and sorts every header key of every answer (past eight
// keys Go's map of them grows a table, twice per answer), so its headers
// are kept to those that protect something (docs/decisions.md).
var siteHeaders = []header{
	{"Content-Security-Policy", []string{contentSecurityPolicy}},
	{"X-Content-Type-Options", []string{"nosniff"}},
}

// privateHeaders are added to answers that show one person's data (a
// form sent back with its values, a thank-you page, a link's page): never
// kept by a cache, no referrer even for a browser without <meta
// name="referrer">, and no window of another origin keeps a handle on it.
var privateHeaders = []header{
	{"Cache-Control", []string{"no-store"}},
	{"Referrer-Policy", []string{"no-referrer"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
}

// staffHeaders are set on every answer of the staff pages, which show
// personal data on every page and are not on a hot path: the site's, the
// private ones (no cache keeps a staff page), and those older browsers
// need for the same protection (X-Frame-Options where frame-ancestors is
// unknown).
var staffHeaders = append(append(append([]header(nil), siteHeaders...), privateHeaders...),
	header{"X-Frame-Options", []string{"DENY"}},
	header{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=()"}},
)

// hstsHeader tells browsers to come back to this host (and those under
// it) over HTTPS only, for a year: after one visit, a network that strips
// TLS from links or redirects gets nowhere. Sent only when the site's
// base URL is https, on public and staff answers alike.
var hstsHeader = header{"Strict-Transport-Security", []string{"max-age=31536000; includeSubDomains"}}

// StrictTransport sets Strict-Transport-Security on every answer of
// next, for a site served over HTTPS.
func StrictTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()[hstsHeader.key] = hstsHeader.value
		next.ServeHTTP(w, r)
	})
}

func setHeaders(h http.Header, hs []header) {
	for _, x := range hs {
		h[x.key] = x.value
	}
}

// private marks an answer as showing one person's data (privateHeaders).
func private(w http.ResponseWriter) { setHeaders(w.Header(), privateHeaders) }

// SecurityHeaders sets the staff pages' headers (strict CSP, no framing,
// no sniffing, no referrer, no opener, no cache) on every answer of next.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header(), staffHeaders)
		next.ServeHTTP(w, r)
	})
}

// siteSecurity sets the public site's security headers (siteHeaders,
// with HSTS behind HTTPS) on every answer of next.
func siteSecurity(headers []header, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header(), headers)
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into the 500 page and a log line
// with the stack.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return RecoverPanics(s.log, func(w http.ResponseWriter, r *http.Request) {
		s.serverError(w, r, errors.New("panic"))
	}, next)
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

// langKey carries the request's language in its context.
type langKey struct{}

// reqLang is the language of one request and how its links are written.
type reqLang struct {
	Lang   string // "en", "es"
	Prefix string // "/es" when the path carried it, "" otherwise
}

// withLanguage takes the language from a path prefix (/es/…), then from
// Accept-Language, and strips the prefix before routing.
func (s *Server) withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rl, path, redirect := s.requestLanguage(w.Header(), r)
		if redirect {
			http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
			return
		}
		if rl.Prefix != "" {
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.Path = path
			u.RawPath = ""
			r2.URL = &u
			r = r2
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey{}, rl)))
	})
}

// requestLanguage finds a request's language and its path without the
// language prefix, and says in Vary when Accept-Language chose. redirect:
// the path is a bare prefix ("/es"), to be answered with its "/es/".
func (s *Server) requestLanguage(h http.Header, r *http.Request) (rl reqLang, path string, redirect bool) {
	path = r.URL.Path
	if first, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/"); s.cat.Has(first) {
		if rest == "" && !strings.HasSuffix(path, "/") {
			return rl, path, true
		}
		rl.Lang, rl.Prefix, path = first, "/"+first, "/"+rest
	} else {
		rl.Lang = s.cat.Match(r.Header.Get("Accept-Language"))
		addVary(h, "Accept-Language")
	}
	return rl, path, false
}

// The Vary values of nearly every answer, built once and shared (net/http
// only reads them; append copies them, since they are full).
var (
	varyEncoding         = []string{"Accept-Encoding"}
	varyEncodingLanguage = []string{"Accept-Encoding", "Accept-Language"}
)

// addVary adds a request header the answer varies with.
func addVary(h http.Header, name string) {
	switch v := h["Vary"]; {
	case v == nil && name == "Accept-Encoding":
		h["Vary"] = varyEncoding
	case len(v) == 1 && v[0] == "Accept-Encoding" && name == "Accept-Language":
		h["Vary"] = varyEncodingLanguage
	default:
		h["Vary"] = append(v, name)
	}
}

func languageOf(r *http.Request) reqLang {
	rl, ok := r.Context().Value(langKey{}).(reqLang)
	if !ok {
		return reqLang{Lang: "en"}
	}
	return rl
}

// dispatch routes a request, rendering our own 404 and 405 pages where the
// mux would write plain text. It returns the route pattern for metrics.
// The mux routes once: it records the matched pattern in r.Pattern, empty
// when it answers by itself (404, 405, a redirect).
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) string {
	mw := &muxWriter{ResponseWriter: w, r: r}
	s.mux.ServeHTTP(mw, r)
	if r.Pattern != "" {
		return r.Pattern
	}
	switch mw.swallowed {
	case http.StatusNotFound:
		s.notFound(w, r)
	case http.StatusMethodNotAllowed:
		s.methodNotAllowed(w, r) // the mux has set Allow
	}
	return "unmatched"
}

// muxWriter passes a handler's answer through, but swallows the plain-text
// 404 and 405 the mux writes itself, so dispatch can answer in the site's
// layout.
type muxWriter struct {
	http.ResponseWriter
	r         *http.Request
	swallowed int
}

func (m *muxWriter) WriteHeader(code int) {
	if m.r.Pattern == "" && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		m.swallowed = code
		m.Header().Del("Content-Type") // our page sets its own; nosniff stays
		return
	}
	m.ResponseWriter.WriteHeader(code)
}

func (m *muxWriter) Write(b []byte) (int, error) {
	if m.swallowed != 0 {
		return len(b), nil
	}
	return m.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (m *muxWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }

// compressible lists the content types worth compressing.
func compressible(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(ct) {
	case "text/html", "text/css", "text/plain", "text/javascript", "application/atom+xml",
		"application/xml", "image/svg+xml", "application/json":
		return true
	}
	return false
}

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// gzipResponses compresses text responses for clients that accept gzip.
func gzipResponses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addVary(w.Header(), "Accept-Encoding")
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		return q > 0
	}
	return false
}

// gzipWriter decides at the first write whether to compress, from the
// content type the handler set.
type gzipWriter struct {
	http.ResponseWriter
	zw      *gzip.Writer
	decided bool
}

func (g *gzipWriter) WriteHeader(code int) {
	if !g.decided {
		g.decide(code)
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) decide(code int) {
	g.decided = true
	h := g.Header()
	if code == http.StatusNoContent || code == http.StatusNotModified || code < 200 ||
		h.Get("Content-Encoding") != "" || !compressible(h.Get("Content-Type")) {
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	g.zw = gzipPool.Get().(*gzip.Writer)
	g.zw.Reset(g.ResponseWriter)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(b))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.zw != nil {
		return g.zw.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

func (g *gzipWriter) close() {
	if g.zw != nil {
		g.zw.Close()
		gzipPool.Put(g.zw)
		g.zw = nil
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }
