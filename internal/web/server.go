// Package web serves Vigil's public site: server-rendered pages that work
// without JavaScript, in the supporter's language, with nothing loaded from
// another origin.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/store"
)

// Options are what the public site needs from its caller.
type Options struct {
	Store   store.Store
	BaseURL string // public URL without a trailing slash
	Logger  *slog.Logger
	Now     func() time.Time // defaults to time.Now; tests fix it
}

// Server is the public site.
type Server struct {
	store   store.Store
	baseURL string
	log     *slog.Logger
	now     func() time.Time
	cat     *i18n.Catalogue
	views   *views
	assets  *assets
	metrics *metrics
	mux     *http.ServeMux
	handler http.Handler
}

// New builds the site: catalogues and templates are parsed here, so a
// broken template stops the start rather than a request.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("web: no store")
	}
	s := &Server{store: opts.Store, baseURL: opts.BaseURL, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.cat, err = i18n.Load(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.views, err = parseViews(s.cat, s.assets); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.metrics = newMetrics()
	s.mux = s.routes()
	s.handler = s.recoverPanics(securityHeaders(gzipResponses(s.withLanguage(s.metrics.observe(s.log, s.dispatch)))))
	return s, nil
}

// ServeHTTP serves the site.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// healthz answers 200 once the database is reachable.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("health check", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unreachable")
		return
	}
	fmt.Fprintln(w, "ok")
}

// fail answers a store error: not found as 404, anything else as 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, model.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	s.serverError(w, r, err)
}
