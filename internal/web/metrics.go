package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
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

// metricsPage serves Prometheus metrics to a scraper on this machine, or
// to one bearing the configured token; to everyone else it does not
// exist.
func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) {
	if !s.metricsAllowed(r) {
		s.notFound(w, r)
		return
	}
	s.metrics.handler().ServeHTTP(w, r)
}

// forwardingHeaders are those a proxy adds to say whom it forwards for.
var forwardingHeaders = []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"}

// metricsAllowed reports whether a request may read the metrics: it
// bears the token, or it comes from a loopback peer with no forwarding
// header. A reverse proxy on the same host connects from loopback too,
// so any such header means the request came from elsewhere, whatever
// --trusted-proxies says.
func (s *Server) metricsAllowed(r *http.Request) bool {
	if s.metricsToken != nil {
		if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			sum := sha256.Sum256([]byte(token)) // equal lengths: the comparison tells nothing
			if subtle.ConstantTimeCompare(sum[:], s.metricsToken) == 1 {
				return true
			}
		}
	}
	for _, h := range forwardingHeaders {
		if len(r.Header.Values(h)) > 0 {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	return err == nil && peer.Unmap().IsLoopback()
}
