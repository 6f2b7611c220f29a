// Package web serves Vigil's public site: server-rendered pages that work
// without JavaScript, in the supporter's language, with nothing loaded from
// another origin.
package web

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v82"

	"vigil/internal/httpx"
	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/store"
)

//go:embed blocked_domains.txt
var defaultBlockedDomains string

// ParseDomainList reads one domain per line; '#' starts a comment.
func ParseDomainList(s string) []string {
	var out []string
	for line := range strings.Lines(s) {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, strings.ToLower(line))
		}
	}
	return out
}

// DefaultMailFrom is the sender used when none is configured: noreply at
// the site's host.
func DefaultMailFrom(baseURL string) string {
	host := "localhost"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "Vigil <noreply@" + host + ">"
}

// Store is what the public site reads and writes of the database; the
// adapters (store/sqlite, store/postgres) provide it, and cli hands one in.
// Each method does what package store documents for it.
type Store interface {
	// Ping answers nil once the database is reachable (healthz).
	Ping(ctx context.Context) error

	CaseBySlug(ctx context.Context, slug string) (model.Case, error)
	PublishedCases(ctx context.Context) ([]model.Case, error)
	CaseList(ctx context.Context, f model.CaseFilter, offset, limit int) ([]model.Case, error)
	CaseFilterValues(ctx context.Context) (countries, themes []string, err error)
	Search(ctx context.Context, q store.SearchQuery) ([]model.SearchHit, error)
	ActionBySlug(ctx context.Context, slug string) (model.Action, error)
	OpenActions(ctx context.Context, now time.Time, limit int) ([]model.Action, error)
	PublishedActions(ctx context.Context) ([]model.Action, error)
	NewsBySlug(ctx context.Context, slug string) (model.NewsArticle, error)
	LatestNews(ctx context.Context, offset, limit int) ([]model.NewsArticle, error)
	RelatedNews(ctx context.Context, caseID int64, tags []string, excludeID int64, limit int) ([]model.NewsArticle, error)
	ImageVariant(ctx context.Context, publicID string, width int) (model.ImageVariant, error)
	PublicImages(ctx context.Context) ([]string, error)

	Participate(ctx context.Context, p store.Participate) (store.Participated, error)
	Subscribe(ctx context.Context, s store.Subscribe, compose store.ComposeSubscription) (store.Subscribed, error)
	ConfirmParticipation(ctx context.Context, participationID int64, now time.Time) (model.Supporter, model.Action, error)
	ConfirmSupporter(ctx context.Context, supporterID int64, now time.Time, consent model.Consent) error
	RemoveParticipation(ctx context.Context, participationID int64, now time.Time) error
	Unsubscribe(ctx context.Context, supporterID int64, now time.Time) error

	ApplyStripeEvent(ctx context.Context, e store.StripeEvent, compose store.ComposeReceipt) (bool, error)
	MonthlyGift(ctx context.Context, giftID int64) (model.MonthlyGift, error)
	EndMonthlyGift(ctx context.Context, giftID int64, now time.Time) error
	// /privacy and the choice of emails (privacy.go).
	Setting(ctx context.Context, key string) (string, error)
	QueueToAddress(ctx context.Context, email string, now time.Time, compose func(model.Supporter) (model.OutboxMessage, error)) error
	PersonalData(ctx context.Context, supporterID int64) (store.PersonalData, error)
	SupporterDonations(ctx context.Context, supporterID int64) ([]model.Donation, error)
	EraseOnRequest(ctx context.Context, supporterID int64, now time.Time, farewell model.OutboxMessage) error
	EmailChoices(ctx context.Context, supporterID int64) (model.EmailChoices, error)
	SaveEmailChoices(ctx context.Context, supporterID int64, choices model.EmailChoices, newsletter model.Consent, now time.Time) error
}

// Mailer is the outbox worker (delivery.Worker): woken after a form
// queues email, it sends it now rather than at its next poll.
type Mailer interface {
	Wake()
}

// Announcer tells the other instances on the same database of a change
// this one made (see store.Coordination), without holding up the request
// that made it.
type Announcer interface {
	Announce(store.Change)
}

// Options are what the public site needs from its caller.
type Options struct {
	Store          Store
	Keys           *secret.Keys     // signs links, hashes client addresses
	BaseURL        string           // public URL without a trailing slash
	Composer       *notify.Composer // writes the emails a form causes
	Logger         *slog.Logger
	Now            func() time.Time // defaults to time.Now; tests fix it
	FormRate       int              // form submissions per minute per client IP; 0: no limit
	Clients        httpx.Clients    // who a request comes from, behind the trusted proxies
	BlockedDomains []string         // email domains refused (disposable); nil: the built-in list
	Mailer         Mailer           // woken after a form queues email; may be nil
	// MetricsToken, when set, opens /metrics to a request bearing it
	// (Authorization: Bearer …) from anywhere, as well as to a scraper
	// on this machine.
	MetricsToken string
	// Announcer is told of each change this instance makes to what pages
	// show; nil for a single instance.
	Announcer Announcer
	// EmbedOrigins are the origins (scheme://host[:port]) allowed to show
	// the pages under /embed/ in a frame; none: any https origin.
	EmbedOrigins []string
	// Donate configures giving through Stripe; empty: no /donate.
	Donate DonateOptions
	// Retention says, on /privacy, how long data is kept: supporters
	// (months after their last sign of life; 0: until they ask), sent
	// emails' texts, actions never confirmed.
	Retention Retention
}

// Retention is how long Vigil keeps what, as configured.
type Retention struct {
	Months      int           // --retention
	Mail        time.Duration // --mail-retention
	Unconfirmed time.Duration // --purge-after
}

// Server is the public site.
type Server struct {
	store         Store
	keys          *secret.Keys
	composer      *notify.Composer
	limits        *limiter
	searches      *limiter // searches per client (find.go)
	clients       httpx.Clients
	blocked       map[string]bool
	mailer        Mailer
	announcer     Announcer
	baseURL       string
	log           *slog.Logger
	now           func() time.Time
	cat           *i18n.Catalogue
	views         *views
	cache         *pageCache
	mediaAccess   mediaAccess // which pictures are public; staff who see drafts'
	formActionsMu sync.RWMutex
	formActions   map[string]formAction // see actionForForm
	assets        *assets
	metrics       *metrics
	metricsToken  []byte         // SHA-256 of --metrics-token; nil: none
	headers       []httpx.Header // set on every answer: the site's, and HSTS behind HTTPS
	embedOrigins  []string       // who may frame /embed/ pages; nil: any https origin
	retention     Retention
	embedHeaders  []httpx.Header // headers, with a CSP that lets embedOrigins frame the page
	stripe        *stripe.Client // Checkout and cancelling monthly gifts; nil: no /donate
	webhookSecret string         // verifies Stripe's events; "": no webhook
	donateURL     string         // where Donate links go without Stripe
	mux           *http.ServeMux
	handler       http.Handler
}

// New builds the site: catalogues and templates are parsed here, so a
// broken template stops the start rather than a request.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Keys == nil || opts.Composer == nil {
		return nil, errors.New("web: a store, keys and a composer are required")
	}
	s := &Server{store: opts.Store, keys: opts.Keys, composer: opts.Composer, baseURL: opts.BaseURL, log: opts.Logger, now: opts.Now,
		limits: newLimiter(opts.FormRate), searches: newLimiter(searchRate(opts.FormRate)), clients: opts.Clients, mailer: opts.Mailer,
		announcer: opts.Announcer, stripe: newStripe(opts.Donate), webhookSecret: opts.Donate.WebhookSecret,
		donateURL: opts.Donate.FallbackURL,
		retention: opts.Retention}
	if s.mailer == nil {
		s.mailer = noMailer{}
	}
	s.blocked = map[string]bool{}
	domains := opts.BlockedDomains
	if domains == nil {
		domains = ParseDomainList(defaultBlockedDomains)
	}
	for _, d := range domains {
		s.blocked[strings.ToLower(d)] = true
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	// The languages offered are the composer's, so that pages and
	// emails agree; a site without one offers every catalogue.
	if opts.Composer != nil && opts.Composer.Cat != nil {
		s.cat = opts.Composer.Cat
	} else if s.cat, err = i18n.Load(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.views, err = parseViews(s.cat, s.assets); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.metrics = newMetrics()
	if opts.MetricsToken != "" {
		sum := sha256.Sum256([]byte(opts.MetricsToken))
		s.metricsToken = sum[:]
	}
	s.headers = httpx.SiteHeaders
	if strings.HasPrefix(opts.BaseURL, "https://") {
		s.headers = append(slices.Clip(httpx.SiteHeaders), httpx.HSTS)
	}
	for _, o := range opts.EmbedOrigins {
		origin, err := httpx.ParseOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("web: embed origins: %w", err)
		}
		s.embedOrigins = append(s.embedOrigins, origin)
	}
	s.embedHeaders = embedHeaders(s.headers, s.embedOrigins)
	s.cache = newPageCache()
	s.formActions = map[string]formAction{}
	s.mux = s.routes()
	// Public forms carry no per-visitor token, so pages stay cacheable;
	// cross-site POSTs are refused by the browser's own Sec-Fetch-Site and
	// Origin headers.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "error.crossorigin.title", "error.crossorigin.text")
	}))
	s.handler = s.recoverPanics(siteSecurity(s.headers, gzipResponses(s.withLanguage(s.embedFraming(csrf.Handler(s.metrics.observe(s.log, s.dispatch)))))))
	return s, nil
}

// noMailer stands in when no outbox worker is to be woken (tests).
type noMailer struct{}

func (noMailer) Wake() {}

// ServeHTTP serves the site.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveFromMemory(w, r) {
		return
	}
	s.handler.ServeHTTP(w, r)
}

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
	if r.Context().Err() != nil {
		return // the client went away; nobody is left to answer
	}
	if errors.Is(err, model.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	s.serverError(w, r, err)
}
