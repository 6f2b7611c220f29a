// Package api serves Vigil's OSDI API at /api/v1/, as Action Network
// implements it: HAL+JSON resources for petitions, advocacy campaigns
// (appeals), people, signatures, outreaches and tags, read and written
// with a key in the OSDI-API-Token header. See docs/decisions.md, "The API
// speaks OSDI".
package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"vigil/internal/httpx"
	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// Prefix is where the API is served.
const Prefix = "/api/v1/"

// IsAPIPath reports whether a request path is the API's.
func IsAPIPath(path string) bool {
	return path == "/api/v1" || strings.HasPrefix(path, Prefix)
}

// Store is what the API reads and writes; each method does what package
// store documents for it.
type Store interface {
	APIKeyByHash(ctx context.Context, hash []byte) (model.APIKey, error)
	TouchAPIKey(ctx context.Context, id int64, now time.Time) error
	RecordAudit(ctx context.Context, e model.AuditEntry) error

	PublishedActions(ctx context.Context) ([]model.Action, error)
	People(ctx context.Context, f store.PeopleFilter) ([]model.Supporter, int, error)
	ParticipationsPage(ctx context.Context, f store.ParticipationFilter) ([]model.Participation, int, error)
	Tags(ctx context.Context) ([]model.Tag, error)
	Consents(ctx context.Context, supporterID int64) ([]model.Consent, error)

	Participate(ctx context.Context, p store.Participate) (store.Participated, error)
}

// Emails names the confirmation email a participation causes
// (notify.Composer).
type Emails interface {
	ParticipationEmail(lang string) store.ParticipationEmail
}

// Mailer is the outbox worker, woken after a participation queues email.
type Mailer interface {
	Wake()
}

// Options are what the API needs from its caller.
type Options struct {
	Store   Store
	Keys    *secret.Keys // hashes client addresses for the audit log
	BaseURL string       // public URL without a trailing slash
	Clients httpx.Clients
	Logger  *slog.Logger
	Now     func() time.Time // defaults to time.Now; tests fix it
	// Rate is the requests a key may make per minute; 0: no limit (load
	// tests). vigil serve's default is --api-rate's.
	Rate int
	// Emails names the confirmation a recorded participation asks for;
	// nil: none is sent (tests of reads only).
	Emails Emails
	Mailer Mailer // may be nil
}

// MaxPageSize is the largest page a collection answers with.
const MaxPageSize = 100

// maxBody is the largest request body the API reads.
const maxBody = 64 << 10

// Server is the API.
type Server struct {
	store   Store
	emails  Emails
	mailer  Mailer
	keys    *secret.Keys
	base    string // BaseURL + "/api/v1"
	site    string // BaseURL
	clients httpx.Clients
	log     *slog.Logger
	now     func() time.Time
	rate    rate.Limit
	burst   int
	mux     *http.ServeMux

	actionsMu        sync.Mutex
	publishedActions []model.Action // as read at actionsRead (see published)
	actionsRead      time.Time

	mu       sync.Mutex
	limiters map[int64]*rate.Limiter // by key
	touched  map[int64]time.Time     // when each key's use was last written
	failures *rate.Limiter           // requests with no valid key, all together
}

// New builds the API.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Keys == nil {
		return nil, errors.New("api: a store and keys are required")
	}
	s := &Server{store: opts.Store, emails: opts.Emails, mailer: opts.Mailer, keys: opts.Keys, site: strings.TrimSuffix(opts.BaseURL, "/"), clients: opts.Clients,
		log: opts.Logger, now: opts.Now, limiters: map[int64]*rate.Limiter{}, touched: map[int64]time.Time{}}
	s.base = s.site + "/api/v1"
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Rate > 0 {
		s.rate, s.burst = rate.Limit(float64(opts.Rate)/60), max(opts.Rate/6, 1)
	} else {
		s.rate = rate.Inf
	}
	// Wrong keys are refused after one look-up each; many at once are
	// someone guessing, slowed down together.
	s.failures = rate.NewLimiter(rate.Limit(10), 100)
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP answers an API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	s.mux.ServeHTTP(w, r)
}

// ---- keys

// keyEncoding writes keys in letters and digits a person can read back.
var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// keyPrefix starts every key, so that a key pasted where it should not be
// is recognisable (secret scanners look for such prefixes).
const keyPrefix = "vgl_"

// NewKey makes a key: what to show once, and the hash to store.
func NewKey() (key string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	key = keyPrefix + strings.ToLower(keyEncoding.EncodeToString(b))
	return key, HashKey(key)
}

// HashKey is what the store keeps of a key.
func HashKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// caller is the key a request was made with.
type caller struct {
	key model.APIKey
}

// authorised runs h for a request made with an active key holding scope,
// answering 401 without a key (or with a wrong one), 403 without the
// scope and 429 past the key's rate.
func (s *Server) authorised(scope model.Scope, h func(w http.ResponseWriter, r *http.Request, c caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimSpace(r.Header.Get("OSDI-API-Token"))
		if token == "" {
			s.fail(w, http.StatusUnauthorized, "an API key is required in the OSDI-API-Token header")
			return
		}
		now := s.now()
		k, err := s.store.APIKeyByHash(r.Context(), HashKey(token))
		if err != nil || !k.Active() {
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				s.internal(w, err)
				return
			}
			if !s.failures.AllowN(now, 1) {
				s.tooMany(w)
				return
			}
			s.fail(w, http.StatusUnauthorized, "this API key is not valid (unknown or revoked)")
			return
		}
		if !s.allow(k.ID, now) {
			s.tooMany(w)
			return
		}
		s.touch(r.Context(), k.ID, now)
		if !k.Has(scope) {
			s.fail(w, http.StatusForbidden, fmt.Sprintf("this API key does not have the %q scope", scope))
			return
		}
		h(w, r, caller{key: k})
	}
}

// allow takes one request from the key's allowance.
func (s *Server) allow(keyID int64, now time.Time) bool {
	s.mu.Lock()
	l := s.limiters[keyID]
	if l == nil {
		l = rate.NewLimiter(s.rate, s.burst)
		s.limiters[keyID] = l
	}
	s.mu.Unlock()
	return l.AllowN(now, 1)
}

// touch records a key's use, at most once a minute per instance.
func (s *Server) touch(ctx context.Context, keyID int64, now time.Time) {
	s.mu.Lock()
	last, ok := s.touched[keyID]
	due := !ok || now.Sub(last) >= time.Minute
	if due {
		s.touched[keyID] = now
	}
	s.mu.Unlock()
	if due {
		if err := s.store.TouchAPIKey(ctx, keyID, now); err != nil {
			s.log.Warn("api: recording a key's use", "key", keyID, "err", err)
		}
	}
}

// audit records a read of personal data made with a key: the key, what
// was read (a path), how many records.
func (s *Server) audit(r *http.Request, c caller, action, objectType string, objectID int64, records int) error {
	after, _ := json.Marshal(map[string]any{"path": r.URL.RequestURI(), "records": records})
	return s.store.RecordAudit(r.Context(), model.AuditEntry{At: s.now(), UserEmail: fmt.Sprintf("api key %d: %s", c.key.ID, c.key.Name),
		Action: action, ObjectType: objectType, ObjectID: objectID, After: string(after),
		IPHash: fmt.Sprintf("%x", s.keys.HashIP(s.clients.IP(r))[:8])})
}

// ---- answers

// writeJSON answers with a HAL document.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/hal+json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		s.log.Warn("api: writing an answer", "err", err)
	}
}

// errorBody is an error as OSDI servers answer it.
type errorBody struct {
	Error string `json:"error"`
}

func (s *Server) fail(w http.ResponseWriter, status int, msg string) {
	s.writeJSON(w, status, errorBody{Error: msg})
}

func (s *Server) tooMany(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "10")
	s.fail(w, http.StatusTooManyRequests, "too many requests: try again in a few seconds")
}

func (s *Server) internal(w http.ResponseWriter, err error) {
	s.log.Error("api", "err", err)
	s.fail(w, http.StatusInternalServerError, "the server could not answer; try again later")
}

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI is the API's OpenAPI 3.1 description.
func OpenAPI() []byte { return openAPIDoc }

// openAPI serves the description, to anyone: it holds no data.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}
