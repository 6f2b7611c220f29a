package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"vigil/internal/httpx"
	"vigil/internal/model"
	"vigil/internal/store"
)

// Public pages are rendered once and served from memory until something
// they show changes. Two generations tell: content (a case, an update, an
// action closing) makes every page stale at once; counts (a signature)
// make a page stale only once it is a second old, so a page showing a live
// count is rendered at most once a second however fast people sign.

const (
	countsStaleAfter = time.Second
	// maxPageAge re-renders pages that show the time passing ("3 days
	// left") even when nothing changes.
	maxPageAge = time.Minute
	// maxCachedPages bounds memory: past it, the cache starts afresh.
	maxCachedPages = 4096
	// maxPartnerPages bounds the embed pages kept for one partner each
	// (pageKey.source): any https origin may frame them by default, and
	// a Referer is the client's to choose. Past it, pages for partners
	// not yet kept are rendered for each request.
	maxPartnerPages = 512
	// maxFilteredPages bounds the pages whose key holds what a reader
	// typed (pageKey.filter): searches, filtered lists. Past it, new ones
	// are rendered for each request, so made-up queries cannot push the
	// site's pages out of memory.
	maxFilteredPages = 512
)

type pageCache struct {
	content         atomic.Uint64
	counts          atomic.Uint64
	countsAnnounced atomic.Int64 // Unix ns of the last counts announcement
	countsPending   atomic.Bool  // a trailing announcement is scheduled
	mu              sync.RWMutex
	pages           map[pageKey]*cachedPage
	partnerPages    int // pages with a source, under mu
	filteredPages   int // pages with a filter, under mu
	renders         singleflight
}

type cachedPage struct {
	status   int
	header   []httpx.Header // the handler's own headers, with ETag and Cache-Control
	body, gz []byte
	etag     string
	route    string // the mux pattern that rendered it, for metrics
	content  uint64
	counts   uint64
	rendered time.Time
	// Header values built once, shared by every answer.
	lenPlain, lenGzip []string
}

var gzipEncoding = []string{"gzip"}

// pageKey names a cached page; a struct, so looking one up builds no string.
type pageKey struct {
	lang, prefix, path, query string
	source                    string // an embed page's partner (Server.embedder)
	// filter is what a reader typed into the query beyond the page
	// number (the case list's filters, a search): at most
	// maxFilteredPages such pages are kept.
	filter string
}

// keyOf names the page a GET asks for; path is without its language prefix.
func (s *Server) keyOf(r *http.Request, rl reqLang, path string) pageKey {
	key := pageKey{lang: rl.Lang, prefix: rl.Prefix, path: path}
	// Only the query a page reads (a list's page number, the case list's
	// filters, a search) is part of the key: anything else would let a
	// visitor fill the cache with copies of one page.
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		key.query = q.Get("page")
		switch path {
		case "/cases":
			key.filter = q.Get("country") + "\x00" + q.Get("theme") + "\x00" + q.Get("status")
		case "/search":
			// As the page reads it: a long query is one page, cut.
			key.filter = model.CutQuery(q.Get("q"))
		}
	}
	if isEmbedPath(path) {
		key.source = s.embedder(r.Referer())
	}
	return key
}

func newPageCache() *pageCache {
	return &pageCache{pages: map[pageKey]*cachedPage{}}
}

// ContentChanged makes every cached page stale now, here and, through
// Options.Announcer, in the other instances: call it after any change to
// what pages show other than counts.
func (s *Server) ContentChanged() {
	s.cache.content.Add(1)
	if s.announcer != nil {
		s.announcer.Announce(store.ContentChanged)
	}
}

// CountsChanged marks live counts as moved; pages re-render within a
// second. Other instances are told at most four times a second, however
// fast people sign.
func (s *Server) CountsChanged() {
	s.cache.counts.Add(1)
	if s.announcer == nil {
		return
	}
	if s.cache.countsPending.Load() {
		return // the announcement already scheduled carries this change
	}
	now := time.Now().UnixNano()
	last := s.cache.countsAnnounced.Load()
	wait := int64(countsAnnounceEvery) - (now - last)
	if wait <= 0 && s.cache.countsAnnounced.CompareAndSwap(last, now) {
		s.announcer.Announce(store.CountsChanged)
		return
	}
	// Too soon after the last announcement: announce once at the end of
	// the window, so the last change of a burst is never left unheard.
	if wait > 0 && s.cache.countsPending.CompareAndSwap(false, true) {
		time.AfterFunc(time.Duration(wait), func() {
			s.cache.countsAnnounced.Store(time.Now().UnixNano())
			s.cache.countsPending.Store(false)
			s.announcer.Announce(store.CountsChanged)
		})
	}
}

// countsAnnounceEvery spaces count announcements to other instances.
const countsAnnounceEvery = 250 * time.Millisecond

// Heard applies a change announced by another instance.
func (s *Server) Heard(c store.Change) {
	switch c {
	case store.ContentChanged:
		s.cache.content.Add(1)
	case store.CountsChanged:
		s.cache.counts.Add(1)
	}
}

// freshPage returns the page kept under key, or nil when there is none
// or it is stale.
func (c *pageCache) freshPage(key pageKey, now time.Time) *cachedPage {
	c.mu.RLock()
	p := c.pages[key]
	c.mu.RUnlock()
	if p == nil || !c.fresh(p, now) {
		return nil
	}
	return p
}

func (c *pageCache) fresh(p *cachedPage, now time.Time) bool {
	age := now.Sub(p.rendered)
	return p.content == c.content.Load() && age < maxPageAge &&
		(p.counts == c.counts.Load() || age < countsStaleAfter)
}

// cached serves a public GET page from memory, rendering it through h when
// missing or stale. Only 200 answers are kept.
func (s *Server) cached(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := s.keyOf(r, languageOf(r), r.URL.Path)
		p := s.cache.freshPage(key, s.now())
		if p == nil {
			// One render per key at a time; others wait for it.
			// Rendered apart from the client's connection: a visitor
			// leaving must not leave a broken page for everyone.
			r := r.WithContext(context.WithoutCancel(r.Context()))
			p = s.cache.renders.do(key, func() *cachedPage {
				s.cache.mu.RLock()
				again := s.cache.pages[key]
				s.cache.mu.RUnlock()
				if again != nil && s.cache.fresh(again, s.now()) {
					return again
				}
				return s.renderForCache(h, r, key)
			})
		}
		if p == nil { // the render panicked; the panic is logged
			s.serverError(w, r, errors.New("page render failed"))
			return
		}
		s.writeCached(w, r, p)
	}
}

// renderForCache runs the handler into memory and keeps a 200 answer.
func (s *Server) renderForCache(h http.HandlerFunc, r *http.Request, key pageKey) *cachedPage {
	content, counts := s.cache.content.Load(), s.cache.counts.Load()
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h(rec, r)
	p := &cachedPage{status: rec.status, body: rec.body.Bytes(), route: r.Pattern,
		content: content, counts: counts, rendered: s.now()}
	sum := sha256.Sum256(p.body)
	p.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	hdr := rec.header
	hdr.Del("Content-Length")
	if p.status == http.StatusOK {
		hdr.Set("ETag", p.etag)
		if hdr.Get("Cache-Control") == "" {
			// Browsers and proxies check back each time; the 304 is cheap.
			hdr.Set("Cache-Control", "no-cache")
		}
	}
	for k, v := range hdr {
		p.header = append(p.header, httpx.Header{Key: k, Value: v})
	}
	p.lenPlain = []string{strconv.Itoa(len(p.body))}
	// Kept compressed however small: otherwise the chain would compress it
	// again on every request, and an answer from memory would differ.
	if compressible(rec.header.Get("Content-Type")) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(p.body)
		zw.Close()
		p.gz = buf.Bytes()
		p.lenGzip = []string{strconv.Itoa(len(p.gz))}
	}
	if p.status == http.StatusOK {
		s.cache.mu.Lock()
		if len(s.cache.pages) >= maxCachedPages {
			s.cache.pages = map[pageKey]*cachedPage{}
			s.cache.partnerPages, s.cache.filteredPages = 0, 0
		}
		_, kept := s.cache.pages[key]
		switch {
		case key.source == "" && key.filter == "" || kept:
			s.cache.pages[key] = p
		case key.source != "":
			if s.cache.partnerPages < maxPartnerPages {
				s.cache.pages[key] = p
				s.cache.partnerPages++
			}
		case s.cache.filteredPages < maxFilteredPages:
			s.cache.pages[key] = p
			s.cache.filteredPages++
		}
		s.cache.mu.Unlock()
	}
	return p
}

// writeCached writes a kept answer and returns its status code.
func (s *Server) writeCached(w http.ResponseWriter, r *http.Request, p *cachedPage) int {
	h := w.Header()
	httpx.SetHeaders(h, p.header)
	if p.status != http.StatusOK {
		h["Content-Length"] = p.lenPlain
		w.WriteHeader(p.status)
		w.Write(p.body)
		return p.status
	}
	if match := r.Header.Get("If-None-Match"); match != "" && match == p.etag {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified
	}
	body := p.body
	if p.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h["Content-Encoding"] = gzipEncoding
		h["Content-Length"] = p.lenGzip
		body = p.gz
	} else {
		h["Content-Length"] = p.lenPlain
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return http.StatusOK
}

// serveFromMemory answers a GET or HEAD of a public page that is in the
// cache and fresh, before the middleware chain, and reports whether it did.
// It sets what the chain would have set (security headers, Vary, the
// language) and counts the request in the metrics as the chain would; the
// chain's other work (a copy of the request for its language, routing, the
// writer wrappers, the cross-origin check, which passes every GET) was a
// tenth of the CPU time of each such answer. Anything else — a query
// string, a stale page, a bare language prefix — goes through the chain.
func (s *Server) serveFromMemory(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.URL.RawQuery != "" {
		return false
	}
	start := time.Now()
	h := w.Header()
	addVary(h, "Accept-Encoding") // as gzipResponses would
	rl, path, redirect := s.requestLanguage(h, r)
	var p *cachedPage
	if !redirect {
		p = s.cache.freshPage(s.keyOf(r, rl, path), s.now())
	}
	if p == nil || p.route == "" {
		clear(h)
		return false
	}
	if isEmbedPath(path) {
		httpx.SetHeaders(h, s.embedHeaders)
		addVary(h, "Referer") // as embedFraming would
	} else {
		httpx.SetHeaders(h, s.headers)
	}
	status := s.writeCached(w, r, p)
	s.metrics.record(s.log, r, p.route, status, time.Since(start))
	return true
}

// recorder keeps a handler's answer in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

// singleflight lets one goroutine render a key while others wait for its
// result.
type singleflight struct {
	mu    sync.Mutex
	calls map[pageKey]*flight
}

type flight struct {
	done chan struct{}
	page *cachedPage
}

func (g *singleflight) do(key pageKey, fn func() *cachedPage) *cachedPage {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[pageKey]*flight{}
	}
	if f, ok := g.calls[key]; ok {
		g.mu.Unlock()
		<-f.done
		return f.page
	}
	f := &flight{done: make(chan struct{})}
	g.calls[key] = f
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(f.done)
	}()
	f.page = fn()
	return f.page
}
