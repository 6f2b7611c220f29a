package web

import (
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"vigil/internal/httpx"
)

// private marks an answer as showing one person's data
// (httpx.PrivateHeaders).
func private(w http.ResponseWriter) { httpx.SetHeaders(w.Header(), httpx.PrivateHeaders) }

// siteSecurity sets the public site's security headers
// (httpx.SiteHeaders, with HSTS behind HTTPS) on every answer of next.
func siteSecurity(headers []httpx.Header, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetHeaders(w.Header(), headers)
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into the 500 page and a log line
// with the stack.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return httpx.RecoverPanics(s.log, func(w http.ResponseWriter, r *http.Request) {
		s.serverError(w, r, errors.New("panic"))
	}, next)
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
