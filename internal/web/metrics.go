package web

import (
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics counts requests and their latency by route pattern (never by raw
// path, which would grow without bound).
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// The series already in use, found without hashing label values and
	// without a lock on every request: a map replaced whole (under mu)
	// when a route, method and code are first seen, which is rare and
	// bounded (the routes are the site's patterns).
	known atomic.Pointer[map[requestKey]series]
	mu    sync.Mutex
}

type requestKey struct {
	route, method string
	code          int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func (m *metrics) series(route, method string, code int) series {
	k := requestKey{route, method, code}
	if s, ok := (*m.known.Load())[k]; ok {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.known.Load()
	if s, ok := old[k]; ok {
		return s
	}
	s := series{m.requests.WithLabelValues(route, method, strconv.Itoa(code)), m.latency.WithLabelValues(route)}
	next := make(map[requestKey]series, len(old)+1)
	maps.Copy(next, old)
	next[k] = s
	m.known.Store(&next)
	return s
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_http_requests_total",
			Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigil_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	m.known.Store(&map[requestKey]series{})
	m.registry.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// observe serves a request through route, which returns the matched
// pattern, and records it.
func (m *metrics) observe(log *slog.Logger, route func(http.ResponseWriter, *http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		pattern := route(sw, r)
		m.record(log, r, pattern, sw.status, time.Since(start))
	})
}

// record counts one answered request.
func (m *metrics) record(log *slog.Logger, r *http.Request, pattern string, status int, took time.Duration) {
	x := m.series(pattern, methodLabel(r.Method), status)
	x.requests.Inc()
	x.latency.Observe(took.Seconds())
	if log.Enabled(r.Context(), slog.LevelDebug) {
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "route", pattern, "status", status, "took", took)
	}
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// methodLabel bounds the method label: any other method would create a new
// series per request.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost:
		return m
	}
	return "OTHER"
}
