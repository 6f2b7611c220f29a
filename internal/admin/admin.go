// Package admin serves the staff side of Vigil under /admin/: server-rendered
// pages that work without JavaScript, behind a sign-in, each route open to the
// roles whose permissions name it (routes.go). Every staff write goes through
// the store with the actor in the context, so its audit entry is written in
// the same transaction.
package admin

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"vigil/internal/httpx"
	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/store"
)

//go:embed templates static
var files embed.FS

// Session lifetimes: signed out after idle time, and in any case after
// maxAge, whatever the activity.
const (
	sessionIdle   = 2 * time.Hour
	sessionMaxAge = 12 * time.Hour
)

// SettingRequireTOTP, set to "yes", makes a second factor compulsory for
// every staff member.
const SettingRequireTOTP = "require-totp"

// Store is what the staff side reads and writes of the database; the
// adapters (store/sqlite, store/postgres) provide it, and cli hands one in.
// Staff screens use every method of the parts named here, and a few public
// reads besides; each method does what package store documents for it.
type Store interface {
	store.Editing
	store.Telling
	store.Records
	store.Supporters
	store.Staff
	store.Audit
	store.Dashboard
	store.Translating
	store.APIKeys
	store.Webhooks
	store.Donations

	OpenActions(ctx context.Context, now time.Time, limit int) ([]model.Action, error)
	CreateImage(ctx context.Context, img *model.Image, variants []model.ImageVariant) error
	SupporterByEmail(ctx context.Context, normalisedEmail string) (model.Supporter, error)
	ParticipationsOf(ctx context.Context, supporterID int64) ([]model.Participation, error)
	Consents(ctx context.Context, supporterID int64) ([]model.Consent, error)
	OutboxCounts(ctx context.Context) (map[model.MessageState]int, error)
	LastDeliveryError(ctx context.Context) (store.DeliveryError, error)
}

// Site is what the staff pages ask of the public site (web.Server): to
// show a draft as visitors will see it, to serve the pictures of drafts
// to the staff who may preview them, and to render its pages again after
// an edit.
type Site interface {
	PreviewCase(w http.ResponseWriter, r *http.Request, c model.Case)
	PreviewAction(w http.ResponseWriter, r *http.Request, a model.Action)
	PreviewNews(w http.ResponseWriter, r *http.Request, n model.NewsArticle)
	// AllowDraftMedia is told, once, how to know the staff who may see
	// the pictures of drafts.
	AllowDraftMedia(staff func(*http.Request) bool)
	// ContentChanged makes every cached public page stale.
	ContentChanged()
}

// Mailer is the outbox worker (delivery.Worker): woken after an update
// queues email, it sends it now rather than at its next poll.
type Mailer interface {
	Wake()
}

// Options are what the admin needs from its caller.
type Options struct {
	Store Store
	Keys  *secret.Keys
	Site  Site
	// Clients finds who a request comes from, as the public site does:
	// for the audit log and sign-in limits.
	Clients httpx.Clients
	// Signins admits sign-ins and bounds the password checks running at
	// once; nil: a gate of the admin's own.
	Signins *httpx.SigninGate
	// Composer writes the emails of updates, as it does the public site's.
	Composer *notify.Composer
	BaseURL  string // https:// makes cookies Secure and __Host- prefixed
	Logger   *slog.Logger
	Now      func() time.Time
	Mailer   Mailer // woken after an update queues email; may be nil
	Hooks    Mailer // the webhook worker, woken after a delivery is sent again; may be nil
	// StaleAfter is how many days after its latest confirmed fact an
	// individual is marked stale; 0: 30.
	StaleAfter int
}

// Server is the staff side of the site.
type Server struct {
	store    Store
	keys     *secret.Keys
	site     Site
	clients  httpx.Clients
	composer *notify.Composer
	log      *slog.Logger
	now      func() time.Time
	mailer   Mailer
	hooks    Mailer
	stale    int // days: see Options.StaleAfter
	secure   bool
	baseURL  string // the public site's address, without a trailing slash
	cookie   string
	staff    *i18n.Catalogue                          // the staff pages' strings, a language per account
	pages    map[string]map[string]*template.Template // language -> template name -> page
	telling  telling                                  // updates being queued to everyone who acted
	signins  *httpx.SigninGate                        // admits sign-ins, bounds password checks running at once (64 MiB each)
	decoding chan struct{}                            // one uploaded picture decoded at a time
	mux      *http.ServeMux
	handler  http.Handler

	// testCheckPassword, when set by a test, stands in for the password
	// checks (see checkPassword).
	testCheckPassword func(hash, password string) (ok, rehash bool, err error)
}

// New builds the admin; templates are parsed here so that a broken one
// stops the start.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Keys == nil || opts.Site == nil || opts.Composer == nil {
		return nil, errors.New("admin: a store, keys, the site and a composer are required")
	}
	s := &Server{store: opts.Store, keys: opts.Keys, site: opts.Site, clients: opts.Clients, signins: opts.Signins,
		composer: opts.Composer, log: opts.Logger, now: opts.Now, mailer: opts.Mailer, hooks: opts.Hooks, stale: cmp.Or(opts.StaleAfter, 30),
		secure: strings.HasPrefix(opts.BaseURL, "https://"), baseURL: strings.TrimSuffix(opts.BaseURL, "/")}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.mailer == nil {
		s.mailer = noMailer{}
	}
	if s.signins == nil {
		s.signins = httpx.NewSigninGate()
	}
	s.decoding = make(chan struct{}, 1)
	s.cookie = "vigil_staff"
	if s.secure {
		s.cookie = "__Host-vigil_staff" // Secure, Path=/, no Domain: no subdomain can set it
	}
	var err error
	if s.staff, err = staffCatalogue(); err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	if s.pages, err = parsePages(s.staff); err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	opts.Site.AllowDraftMedia(s.mayPreview)
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.guard(rt))
	}
	csrf := http.NewCrossOriginProtection()
	s.handler = httpx.StaffSecurity(csrf.Handler(http.HandlerFunc(s.dispatch)))
	if s.secure {
		s.handler = httpx.StrictTransport(s.handler)
	}
	s.handler = s.recoverPanics(s.handler)
	return s, nil
}

// noMailer stands in when no outbox worker is to be woken (tests).
type noMailer struct{}

func (noMailer) Wake() {}

// dispatch routes a request, answering one that matches no route with the
// admin's own pages: 404 for a path that is no route, 405 (with Allow)
// for a method a route does not take, as the public site does.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if mux, pattern := s.mux.Handler(r); pattern == "" {
		// The mux's own answer, kept for its status and Allow only.
		probe := &probeWriter{header: http.Header{}}
		mux.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header()["Allow"] = probe.header["Allow"]
			s.errorPage(w, r, http.StatusMethodNotAllowed, say("error.method"))
			return
		}
		s.notFound(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// probeWriter keeps the status and headers of an answer, not its body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header         { return p.header }
func (p *probeWriter) WriteHeader(code int)        { p.status = code }
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }

// ServeHTTP serves the admin.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// IsAdminPath reports whether a path belongs to the admin.
func IsAdminPath(p string) bool { return p == "/admin" || strings.HasPrefix(p, "/admin/") }

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return httpx.RecoverPanics(s.log, func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusInternalServerError, say("error.server"))
	}, next)
}

type sessionKey struct{}

// sessionOf returns the request's session; the zero session when signed
// out.
func sessionOf(r *http.Request) model.StaffSession {
	sess, _ := r.Context().Value(sessionKey{}).(model.StaffSession)
	return sess
}

// guard loads the session and lets the request through only if the
// route's permission allows it: signed-out visitors go to the sign-in page,
// staff without the permission get 403, and a POST without the session's
// form token gets 403 too.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.perm == permAnyone {
			rt.handler(w, r)
			return
		}
		sess, err := s.session(r)
		if err != nil {
			if !errors.Is(err, model.ErrNotFound) {
				s.serverError(w, r, err)
				return
			}
			s.clearCookie(w)
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/admin/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.errorPage(w, r, http.StatusForbidden, say("error.session-ended"))
			return
		}
		if !sess.Verified && rt.perm != permSecondFactor {
			// Password given, second factor still to come (or to set up).
			http.Redirect(w, r, s.secondFactorPath(r.Context(), sess.User), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			limit := int64(maxFormBody)
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				limit = maxUploadBody
				// 10 MB over a slow, watched line takes longer than the
				// server's general read timeout.
				http.NewResponseController(w).SetReadDeadline(time.Now().Add(5 * time.Minute))
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			_, err := readForm(w, r)
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) || err == nil && fileTooLarge(r) {
				s.errorPage(w, r, http.StatusRequestEntityTooLarge, say("error.too-large"))
				return
			}
			if err != nil {
				s.errorPage(w, r, http.StatusBadRequest, say("error.unreadable-form"))
				return
			}
		}
		if r.Method == http.MethodPost && !s.keys.Verify("csrf", sess.TokenHash, r.PostFormValue("csrf")) {
			s.errorPage(w, r, http.StatusForbidden, say("error.csrf"))
			return
		}
		if !allowed(sess.User.Role, rt.perm) {
			s.errorPage(w, r, http.StatusForbidden, say("error.forbidden"))
			return
		}
		ctx := context.WithValue(r.Context(), sessionKey{}, sess)
		ctx = store.WithActor(ctx, model.Actor{UserID: sess.User.ID, Email: sess.User.Email, IPHash: s.ipHash(r), At: s.now()})
		rt.handler(w, r.WithContext(ctx))
	})
}

func (s *Server) ipHash(r *http.Request) string {
	return fmt.Sprintf("%x", s.keys.HashIP(s.clients.IP(r))[:8])
}

// session finds the request's session from its cookie.
func (s *Server) session(r *http.Request) (model.StaffSession, error) {
	c, err := r.Cookie(s.cookie)
	if err != nil || len(c.Value) < 32 || len(c.Value) > 64 {
		return model.StaffSession{}, model.ErrNotFound
	}
	return s.store.Session(r.Context(), tokenHash(c.Value), s.now(), sessionIdle, sessionMaxAge)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// startSession makes a fresh session and sets its cookie, ending the one
// the browser had (no fixation: a token known before sign-in is worthless
// after it).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID int64, verified bool) error {
	if old, err := r.Cookie(s.cookie); err == nil {
		if err := s.store.DeleteSession(r.Context(), tokenHash(old.Value)); err != nil {
			return err
		}
	}
	token := rand.Text() + rand.Text() // 2 × 26 base32 characters: 260 bits
	now := s.now()
	if err := s.store.CreateSession(r.Context(), model.StaffSession{TokenHash: tokenHash(token), UserID: userID,
		Verified: verified, Created: now, LastSeen: now}); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode})
	return nil
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode})
}

// secondFactorPath is where a signed-in but unverified session goes: the
// code form, or setting up a second factor when one is required.
func (s *Server) secondFactorPath(ctx context.Context, u model.StaffUser) string {
	if u.TOTPSecret != nil {
		return "/admin/login/code"
	}
	return "/admin/account/totp"
}

// requireTOTP reports whether an admin made the second factor compulsory.
func (s *Server) requireTOTP(ctx context.Context) (bool, error) {
	v, err := s.store.Setting(ctx, SettingRequireTOTP)
	return v == "yes", err
}

// page is what every admin template receives.
type page struct {
	Title   string
	User    model.StaffUser
	CSRF    string
	Nav     []navItem
	Flash   string
	Current string // the path, for the navigation
	Refresh int    // seconds before the page reloads itself; 0: never
	Data    any
}

type navItem struct {
	Path, Label string
	Current     bool
}

// nav lists the sections a role may open.
var nav = []struct {
	path, label string // label: a key of the staff catalogues
	perm        permission
}{
	{"/admin/", "nav.dashboard", permDashboard},
	{"/admin/cases", "nav.cases", permContentRead},
	{"/admin/actions", "nav.actions", permContentRead},
	{"/admin/targets", "nav.targets", permContentRead},
	{"/admin/news", "nav.news", permContentRead},
	{"/admin/translations", "nav.translations", permContentRead},
	{"/admin/supporters", "nav.supporters", permSupportersRead},
	{"/admin/donations", "nav.donations", permFinance},
	{"/admin/users", "nav.staff", permUsers},
	{"/admin/audit", "nav.audit", permAudit},
	{"/admin/keys", "nav.apikeys", permKeys},
	{"/admin/webhooks", "nav.webhooks", permKeys},
	{"/admin/account", "nav.account", permSignedIn},
}

// render writes a page inside the admin layout, in the language of the
// staff member who asked. title is a msg or a key of the staff catalogues
// (or, for now, words as they are).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, title, data any) {
	lang := s.languageOf(r)
	t, ok := s.pages[lang][name]
	if !ok {
		s.serverError(w, r, fmt.Errorf("no admin template %q", name))
		return
	}
	l := s.staff.Localizer(lang)
	sess := sessionOf(r)
	p := page{Title: text(l, title), User: sess.User, Data: data, Current: r.URL.Path}
	if note := r.URL.Query().Get("done"); note != "" && s.keys.Verify("flash", []byte(note), r.URL.Query().Get("sig")) {
		p.Flash = text(l, decodeNote(note))
	}
	if rf, ok := data.(interface{ Refresh() int }); ok {
		p.Refresh = rf.Refresh()
	}
	if sess.TokenHash != nil {
		p.CSRF = s.keys.Sign("csrf", sess.TokenHash)
		if sess.Verified {
			for _, n := range nav {
				if allowed(sess.User.Role, n.perm) {
					cur := r.URL.Path == n.path || (n.path != "/admin/" && strings.HasPrefix(r.URL.Path, n.path))
					p.Nav = append(p.Nav, navItem{Path: n.path, Label: l.T(n.label), Current: cur})
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage answers with a status and a message (a msg, or words as they
// are) saying what happened and what to do.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, message any) {
	title := any(http.StatusText(status))
	if key := fmt.Sprintf("error.status.%d", status); s.staff.Keys(i18n.Default)[key] {
		title = say(key)
	}
	s.render(w, r, status, "error", title, message)
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("admin", "path", r.URL.Path, "err", err)
	s.errorPage(w, r, http.StatusInternalServerError, say("error.server"))
}

// fail answers a store error: not found as 404, a version conflict as
// 409, anything else as 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case r.Context().Err() != nil:
	case errors.Is(err, model.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, say("error.not-found"))
	default:
		s.serverError(w, r, err)
	}
}

// fromPath loads the record the path's {id} names, answering 404 itself
// when there is none.
func fromPath[T any](s *Server, w http.ResponseWriter, r *http.Request, get func(context.Context, int64) (T, error)) (T, bool) {
	var zero T
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return zero, false
	}
	v, err := get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return v, false
	}
	return v, true
}

// caseFromPath loads the case the path names.
func (s *Server) caseFromPath(w http.ResponseWriter, r *http.Request) (model.Case, bool) {
	return fromPath(s, w, r, s.store.CaseByID)
}

// redirectDone sends the browser on after a write, with a note for the
// next page (a msg, said in its reader's language, or words as they are).
// The note is signed, so a link made elsewhere cannot put words of its own
// into a staff page.
func (s *Server) redirectDone(w http.ResponseWriter, r *http.Request, to string, note any) {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	encoded := encodeNote(note)
	http.Redirect(w, r, to+sep+"done="+urlQueryEscape(encoded)+"&sig="+s.keys.Sign("flash", []byte(encoded)), http.StatusSeeOther)
}

// shared are the templates every page is parsed with.
var shared = map[string]bool{"layout": true, "picture": true, "conflict": true, "translated": true}

// parsePages parses every page once per staff language, with that
// language's t and n bound.
func parsePages(cat *i18n.Catalogue) (map[string]map[string]*template.Template, error) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	langs := map[string]map[string]*template.Template{}
	for _, lang := range cat.Languages() {
		if langs[lang], err = parseLanguage(names, languageFuncs(cat, cat.Localizer(lang))); err != nil {
			return nil, fmt.Errorf("%s: %w", lang, err)
		}
	}
	return langs, nil
}

// parseLanguage parses the pages with one language's functions.
func parseLanguage(names []string, funcs template.FuncMap) (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if shared[name] {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/picture.html",
			"templates/conflict.html", "templates/translated.html", file)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}
