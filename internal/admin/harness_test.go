package admin

import (
	"context"
	"encoding/base32"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/demo"
	"vigil/internal/httpx"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

func TestMain(m *testing.M) {
	// Cheap hashes keep the tests quick; the cost is tested in secret.
	secret.DefaultPasswordParams = secret.PasswordParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	os.Exit(m.Run())
}

var ctx = context.Background()

// harness is a site with its admin over real HTTP on a demo database.
type harness struct {
	t        *testing.T
	db       harnessDB
	admin    *Server
	site     *web.Server
	composer *notify.Composer
	srv      *httptest.Server
	mp       *testutil.MailpitServer
	worker   *delivery.Worker
	mu       sync.Mutex
	clock    time.Time
}

// harnessDB is a database the harness runs on: SQLite or PostgreSQL.
type harnessDB interface {
	storetest.Store
	Keys() *secret.Keys
}

const testPassword = "correct horse battery staple"

// testClients makes the test client its own proxy: a request names the
// client it stands for in X-Forwarded-For (from), or is 127.0.0.1.
var testClients = httpx.Clients{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, false) }

// newHarnessWith starts the site and admin at a real address (links in
// emails work), with a mailpit and an outbox worker when withMail is set.
func newHarnessWith(t *testing.T, withMail bool) *harness {
	t.Helper()
	return newHarnessOn(t, testutil.DemoSQLite(t), withMail)
}

// onBoth runs a test on SQLite and on PostgreSQL (skipped when no server
// is configured), each with the demo content loaded.
func onBoth(t *testing.T, test func(t *testing.T, h *harness)) {
	t.Run("SQLite", func(t *testing.T) { test(t, newHarness(t)) })
	t.Run("PostgreSQL", func(t *testing.T) {
		db := testutil.PostgresStore(t)
		if _, err := demo.Install(ctx, db, testutil.Now); err != nil {
			t.Fatal(err)
		}
		test(t, newHarnessOn(t, db, false))
	})
}

// newHarnessOn is newHarnessWith on a database of the caller's.
func newHarnessOn(t *testing.T, db harnessDB, withMail bool) *harness {
	t.Helper()
	h := &harness{t: t, db: db, clock: testutil.Now}
	now := func() time.Time { h.mu.Lock(); defer h.mu.Unlock(); return h.clock }
	var site, admin http.Handler
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsAdminPath(r.URL.Path) {
			admin.ServeHTTP(w, r)
			return
		}
		site.ServeHTTP(w, r)
	}))
	base := "http://" + h.srv.Listener.Addr().String()
	var err error
	composer, err := notify.New(h.db.Keys(), base, "Vigil <act@example.org>", h.db)
	if err != nil {
		t.Fatal(err)
	}
	h.composer = composer
	h.site, err = web.New(web.Options{Store: h.db, Keys: h.db.Keys(), BaseURL: base, Composer: composer, Now: now, FormRate: 0,
		Clients: testClients})
	if err != nil {
		t.Fatal(err)
	}
	h.admin, err = New(Options{Store: h.db, Keys: h.db.Keys(), Site: h.site, Clients: testClients, Composer: composer,
		BaseURL: base, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	site, admin = h.site, h.admin
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	if withMail {
		h.mp = testutil.Mailpit(t)
		sender, err := delivery.NewSMTPSender(h.mp.SMTPURL())
		if err != nil {
			t.Fatal(err)
		}
		h.worker = &delivery.Worker{Store: h.db, Keys: h.db.Keys(), Sender: sender, Composer: composer, Now: now,
			Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
	}
	return h
}

// deliver sends everything due in the outbox to mailpit.
func (h *harness) deliver() { h.t.Helper(); testutil.Deliver(h.t, h.worker) }

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.clock = h.clock.Add(d)
	h.mu.Unlock()
}

// addUser makes an account with testPassword.
func (h *harness) addUser(email string, role model.Role) model.StaffUser {
	h.t.Helper()
	hash, err := secret.HashPassword(testPassword)
	if err != nil {
		h.t.Fatal(err)
	}
	u := model.StaffUser{Email: email, Role: role, PasswordHash: hash, Created: h.clock}
	if err := h.db.CreateStaffUser(ctx, &u); err != nil {
		h.t.Fatal(err)
	}
	return u
}

// browser is a client with its own cookies that does not follow
// redirects, so tests see each answer.
type browser struct {
	h      *harness
	client *http.Client
	from   string // the client address it stands for; "": 127.0.0.1
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// browserFrom is a browser at another client address.
func (h *harness) browserFrom(addr string) *browser {
	b := h.browser()
	b.from = addr
	return b
}

type answer struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(method, path string, form url.Values, header ...string) answer {
	b.h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.h.srv.URL+path, body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.from != "" {
		req.Header.Set("X-Forwarded-For", b.from)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(data), header: res.Header}
}

func (b *browser) get(path string) answer { b.h.t.Helper(); return b.do("GET", path, nil) }

// post sends a form with the CSRF token of the page the browser last
// opened at from.
func (b *browser) post(from, path string, form url.Values) answer {
	b.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if from != "" {
		form.Set("csrf", b.csrf(from))
	}
	return b.do("POST", path, form)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a page.
func (b *browser) csrf(path string) string {
	b.h.t.Helper()
	a := b.get(path)
	m := csrfField.FindStringSubmatch(a.body)
	if m == nil {
		b.h.t.Fatalf("no form token on %s (%d):\n%s", path, a.status, a.body)
	}
	return m[1]
}

// login signs in with email and testPassword and expects to land on next.
func (b *browser) login(email string) {
	b.h.t.Helper()
	a := b.do("POST", "/admin/login", url.Values{"email": {email}, "password": {testPassword}, "next": {"/admin/"}})
	if a.status != http.StatusSeeOther || a.location != "/admin/" {
		b.h.t.Fatalf("sign in as %s: %d → %q\n%s", email, a.status, a.location, a.body)
	}
}

func (b *browser) cookie() string {
	u, _ := url.Parse(b.h.srv.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "vigil_staff" {
			return c.Value
		}
	}
	return ""
}

func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%s", pattern, s)
	}
	return m[1]
}

func base32Decode(s string) ([]byte, error) {
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
