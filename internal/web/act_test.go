package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/demo"
	"vigil/internal/jobs"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

// actHarness is the site on a real database (an SQLite file unless made
// with newActHarnessOn), with a clock the test moves and, when asked, an
// outbox worker sending to a real mailpit.
type actHarness struct {
	t      *testing.T
	dbPath string // the SQLite file; "" on PostgreSQL
	db     harnessDB
	site   *web.Server
	now    time.Time
	mp     *testutil.MailpitServer
	worker *delivery.Worker
	runner *jobs.Runner
	// options made site; withEmbedOrigins makes it again with others.
	options web.Options
}

// withEmbedOrigins serves the site again, letting origins frame its
// embed pages.
func (h *actHarness) withEmbedOrigins(origins ...string) {
	h.t.Helper()
	h.options.EmbedOrigins = origins
	site, err := web.New(h.options)
	if err != nil {
		h.t.Fatal(err)
	}
	h.site, h.runner.Pages = site, site
}

// harnessDB is what the harness needs of a store: all of it, with the
// methods only tests use, and its keys.
type harnessDB interface {
	storetest.Store
	Keys() *secret.Keys
}

func newActHarness(t *testing.T, withMail bool) *actHarness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vigil.db")
	h := newActHarnessOn(t, withMail, testutil.SQLiteAt(t, path, testutil.Keys(t)))
	h.dbPath = path
	return h
}

// newActHarnessOn is the harness on db, with the demo content loaded.
func newActHarnessOn(t *testing.T, withMail bool, db harnessDB) *actHarness {
	t.Helper()
	h := &actHarness{t: t, now: testutil.Now, db: db}
	if _, err := demo.Install(context.Background(), h.db, testutil.Now); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return h.now }
	composer, err := notify.New(h.db.Keys(), "https://act.example.org", "Vigil <act@example.org>", h.db)
	if err != nil {
		t.Fatal(err)
	}
	h.options = web.Options{Store: h.db, Keys: h.db.Keys(), BaseURL: "https://act.example.org", Composer: composer,
		Now: clock, FormRate: 1000}
	site, err := web.New(h.options)
	if err != nil {
		t.Fatal(err)
	}
	h.site = site
	h.runner = &jobs.Runner{Store: h.db, Composer: composer, Log: testLog(t), Now: clock,
		ReminderAfter: 48 * time.Hour, PurgeAfter: 7 * 24 * time.Hour,
		Pages: site}
	if withMail {
		h.mp = testutil.Mailpit(t)
		sender, err := delivery.NewSMTPSender(h.mp.SMTPURL())
		if err != nil {
			t.Fatal(err)
		}
		h.worker = &delivery.Worker{Store: h.db, Keys: h.db.Keys(), Sender: sender, Composer: composer,
			Log: testLog(t), Now: clock}
	}
	return h
}

// confirmByEmail sends what is queued, presses the Confirm button of each
// of the n emails that arrive, as their owners would, and empties mailpit.
func (h *actHarness) confirmByEmail(n int) {
	h.t.Helper()
	h.deliver()
	for _, s := range h.mp.WaitForMessages(h.t, n, 5*time.Second) {
		h.post(linkIn(h.t, h.mp.Message(h.t, s.ID).Text, "/confirm/"), url.Values{})
	}
	h.mp.DeleteAll(h.t)
}

// deliver sends everything due in the outbox.
func (h *actHarness) deliver() { h.t.Helper(); testutil.Deliver(h.t, h.worker) }

func (h *actHarness) post(path string, form url.Values, headers ...string) response {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "192.0.2.10:4321"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.site.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

func (h *actHarness) count(slug string) int {
	h.t.Helper()
	a, err := h.db.ActionBySlug(context.Background(), slug)
	if err != nil {
		h.t.Fatal(err)
	}
	return a.Count
}

// signature is a valid petition form.
func signature(name, email string) url.Values {
	return url.Values{"name": {name}, "email": {email}, "country": {"VE"}, "postal_code": {"1010"}, "lang": {"en"},
		"consent_updates": {"yes"}, "source": {"/actions/" + demo.DeportationsSlug}}
}

// appeal is a valid appeal form for the Canada action.
func appeal(name, email string) url.Values {
	v := signature(name, email)
	v.Set("subject", "Keep the door open")
	v.Set("letter", "Dear Minister,\n\nPlease protect the right to seek asylum.\n\nYours sincerely")
	v.Set("country", "CA")
	return v
}

func TestSignAndCountOnce(t *testing.T) {
	h := newActHarness(t, true)
	before := h.count(demo.DeportationsSlug)
	path := "/actions/" + demo.DeportationsSlug

	r := h.post(path, signature("Ana Pérez", " Ana.Perez@Example.ORG "))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != path+"/thanks" {
		t.Fatalf("sign: %d to %q\n%s", r.status, r.header.Get("Location"), text(r.body))
	}
	// Nothing counts before the mailbox confirms.
	if got := h.count(demo.DeportationsSlug); got != before {
		t.Fatalf("count %d after signing, want %d until confirmed", got, before)
	}
	page := text(get(t, h.site, r.header.Get("Location")).body)
	mustContain(t, "thank-you page", page, "Thank you for acting", "Check your email",
		number(before)+" people have acted", "One more thing you can do", "WhatsApp")
	h.deliver()
	confirm := linkIn(t, h.mp.Message(t, h.mp.WaitForMessages(t, 1, 5*time.Second)[0].ID).Text, "/confirm/")
	h.post(confirm, url.Values{})
	if got := h.count(demo.DeportationsSlug); got != before+1 {
		t.Fatalf("count %d after confirming, want %d", got, before+1)
	}
	h.post(confirm, url.Values{}) // pressed twice
	if got := h.count(demo.DeportationsSlug); got != before+1 {
		t.Fatalf("count %d after confirming twice, want %d", got, before+1)
	}

	// The same person again, typed differently: not counted twice, and
	// answered exactly as a first signature is, so the page tells no
	// stranger whether an address had signed.
	again := h.post(path, signature("Ana Pérez", "ana.perez@example.org"))
	if again.status != r.status || again.header.Get("Location") != r.header.Get("Location") {
		t.Fatalf("repeat: %d to %q; want the first answer", again.status, again.header.Get("Location"))
	}
	if got := h.count(demo.DeportationsSlug); got != before+1 {
		t.Errorf("count %d after a repeat, want %d", got, before+1)
	}
	// The public page shows the confirmed count at once.
	mustContain(t, "action page", text(get(t, h.site, path).body), number(before+1)+" people have acted")
}

// TestCountsTellNoStrangerWhoSigned: reading the count before and after
// submitting an address (on the thank-you page and the action page) gives
// the same difference whether the address had signed, belongs to a
// confirmed supporter who had not, or is new.
func TestCountsTellNoStrangerWhoSigned(t *testing.T) {
	h := newActHarness(t, true)
	path := "/actions/" + demo.DeportationsSlug
	// A confirmed supporter who signed, one who did not sign this petition.
	h.post(path, signature("Signed", "signed@example.org"))
	h.post("/actions/"+demo.CanadaSlug, appeal("Known", "known@example.org"))
	h.confirmByEmail(2)
	countOn := func(page string) string {
		t.Helper()
		m := regexp.MustCompile(`([0-9,]+) people have acted`).FindStringSubmatch(text(get(t, h.site, page).body))
		if m == nil {
			t.Fatalf("no count on %s", page)
		}
		return m[1]
	}
	for _, email := range []string{"signed@example.org", "known@example.org", "new@example.org"} {
		before, beforePage := h.count(demo.DeportationsSlug), countOn(path)
		r := h.post(path, signature("Someone", email))
		if r.status != http.StatusSeeOther {
			t.Fatalf("%s: %d", email, r.status)
		}
		if after := h.count(demo.DeportationsSlug); after != before {
			t.Errorf("%s: the count moved from %d to %d on submitting the address", email, before, after)
		}
		if thanks, page := countOn(r.header.Get("Location")), countOn(path); thanks != beforePage || page != beforePage {
			t.Errorf("%s: count %s before, %s on the thank-you page, %s on the action page after", email, beforePage, thanks, page)
		}
	}
}

// number formats a count like the English pages do: 37,416.
func number(n int) string {
	s := strconv.Itoa(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func TestBadInputKeepsValuesAndStoresNothing(t *testing.T) {
	h := newActHarness(t, false)
	petition := "/actions/" + demo.DeportationsSlug
	appealPath := "/actions/" + demo.CanadaSlug
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name     string
		path     string
		form     url.Values
		messages []string // beside the fields
		kept     []string // values shown again, as HTML-escaped text
	}{
		{"empty", petition, url.Values{"lang": {"en"}},
			[]string{"Please tell us your name.", "Please give your email address", "Please choose your country."}, nil},
		{"name of 5,000 characters", petition, with(signature("", "a@example.org"), "name", long),
			[]string{"A name can have at most 100 characters."}, []string{long}},
		{"invalid UTF-8", petition, with(signature("Ana", "a@example.org"), "name", "Ana \xff\xfe"),
			[]string{"characters we cannot read"}, []string{"Ana \uFFFD"}},
		{"script in a field", petition, with(signature("<script>alert(1)</script>", "not-an-email"), "postal_code", `"><img src=x onerror=alert(1)>`),
			[]string{"This does not look like an email address."},
			[]string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"}},
		{"CR/LF in the name", petition, with(signature("", "a@example.org"), "name", "Ana\r\nBcc: victim@example.org"),
			[]string{"Please keep this on one line."}, nil},
		{"CR/LF in the subject", appealPath, with(appeal("Ana", "a@example.org"), "subject", "Hi\r\nBcc: victim@example.org"),
			[]string{"Please keep this on one line."}, nil},
		{"malformed email", petition, signature("Ana", "ana@@example.org"),
			[]string{"This does not look like an email address."}, []string{"ana@@example.org"}},
		{"email without a domain dot", petition, signature("Ana", "ana@localhost"),
			[]string{"This does not look like an email address."}, nil},
		{"disposable email", petition, signature("Ana", "ana@mailinator.com"),
			[]string{"disposable email services"}, []string{"ana@mailinator.com"}},
		{"letter over the limit", appealPath, with(appeal("Ana", "a@example.org"), "letter", strings.Repeat("word ", 1001)),
			[]string{"Please keep your letter under 5,000 characters."}, nil},
		{"unknown country", petition, with(signature("Ana", "a@example.org"), "country", "XX"),
			[]string{"Please choose a country from the list."}, nil},
		{"a name of invisible characters", petition, with(signature("", "a@example.org"), "name", "\u200b\u2060\u200b"),
			[]string{"Please type your name in letters"}, nil},
		{"a name with a bidirectional override", petition, with(signature("", "a@example.org"), "name", "Ana \u202Egnp.exe"),
			[]string{"Please type your name in letters"}, nil},
		{"a name with a bidirectional isolate", appealPath, with(appeal("", "a@example.org"), "name", "\u2066Ana\u2069"),
			[]string{"Please type your name in letters"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			slug := strings.TrimPrefix(tc.path, "/actions/")
			before := h.count(slug)
			r := h.post(tc.path, tc.form)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.status)
			}
			page := text(r.body)
			for _, m := range tc.messages {
				mustContain(t, "page", page, m)
			}
			for _, v := range tc.kept {
				mustContain(t, "form values", r.body, v)
			}
			if !strings.Contains(r.body, `aria-invalid="true"`) || !strings.Contains(r.body, `class="error-summary"`) {
				t.Error("no field marked invalid, or no error summary")
			}
			if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
				t.Error("input came back as markup")
			}
			// The page holds what this person typed: no cache keeps it,
			// no referrer carries its address, no other window holds it.
			for k, want := range map[string]string{"Cache-Control": "no-store",
				"Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"} {
				if got := r.header.Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			if got := h.count(slug); got != before {
				t.Errorf("count moved from %d to %d on bad input", before, got)
			}
		})
	}

	// An internationalised address is a good address, and a name in any
	// script a good name.
	if r := h.post(petition, signature("José", "josé@bücher.example")); r.status != http.StatusSeeOther {
		t.Errorf("internationalised email refused: %d %s", r.status, text(r.body))
	}
	for _, name := range []string{"مريم الحسيني", "李小龙", "Zoë O'Brien-Núñez"} {
		if r := h.post(petition, signature(name, "names@example.org")); r.status != http.StatusSeeOther {
			t.Errorf("the name %q refused: %d %s", name, r.status, text(r.body))
		}
	}
}

func with(v url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	out.Set(key, value)
	return out
}

func TestRefusedSubmissions(t *testing.T) {
	h := newActHarness(t, false)
	petition := "/actions/" + demo.DeportationsSlug
	before := h.count(demo.DeportationsSlug)

	// A body over the size limit.
	big := signature("Ana", "a@example.org")
	big.Set("comment", strings.Repeat("a", 70<<10))
	if r := h.post(petition, big); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "Too much to send") {
		t.Errorf("oversized body: %d", r.status)
	}
	// A form replayed from another origin.
	r := h.post(petition, signature("Ana", "a@example.org"), "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "sent from another website") {
		t.Errorf("cross-origin POST: %d %s", r.status, text(r.body))
	}
	// The honeypot: thanked, not counted.
	trap := signature("Bot", "bot@example.org")
	trap.Set("website", "http://spam.example")
	if r := h.post(petition, trap); r.status != http.StatusSeeOther {
		t.Errorf("honeypot: %d", r.status)
	}
	// A closed action: a clear message, nothing stored.
	closed := "/actions/" + demo.CaseAppealSlug
	closedBefore := h.count(demo.CaseAppealSlug)
	r = h.post(closed, appeal("Ana", "a@example.org"))
	if r.status != http.StatusConflict || !strings.Contains(text(r.body), "This action has closed") {
		t.Errorf("closed action: %d %s", r.status, text(r.body))
	}
	if h.count(demo.CaseAppealSlug) != closedBefore {
		t.Error("a closed action's count moved")
	}
	// An unknown action.
	if r := h.post("/actions/no-such-action", signature("Ana", "a@example.org")); r.status != http.StatusNotFound {
		t.Errorf("unknown action: %d", r.status)
	}
	if got := h.count(demo.DeportationsSlug); got != before {
		t.Errorf("count moved from %d to %d", before, got)
	}
	if _, err := h.db.SupporterByEmail(context.Background(), "bot@example.org"); err == nil {
		t.Error("the honeypot submission was stored")
	}
}

func TestRateLimitPerClient(t *testing.T) {
	db := testutil.DemoSQLite(t)
	site, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://act.example.org", Composer: testComposer(t, db, db.Keys(), "https://act.example.org"),
		Now: func() time.Time { return testutil.Now }, FormRate: 6})
	if err != nil {
		t.Fatal(err)
	}
	h := &actHarness{t: t, db: db, site: site}
	var limited response
	for i := range 10 {
		r := h.post("/actions/"+demo.DeportationsSlug, signature("Ana", "ana"+strconv.Itoa(i)+"@example.org"))
		if r.status == http.StatusTooManyRequests {
			limited = r
			break
		}
	}
	if limited.status != http.StatusTooManyRequests || limited.header.Get("Retry-After") == "" ||
		!strings.Contains(text(limited.body), "Please wait a moment") {
		t.Fatalf("no friendly 429 after many submissions from one address: %d", limited.status)
	}
}

func TestPersonalDataEncryptedAtRest(t *testing.T) {
	h := newActHarness(t, false)
	const name, email = "Zoraida Quintanilla", "zoraida.quintanilla@example.org"
	if r := h.post("/actions/"+demo.CanadaSlug, with(appeal(name, email), "postal_code", "H2X 1Y4")); r.status != http.StatusSeeOther {
		t.Fatalf("appeal: %d %s", r.status, text(r.body))
	}
	// Read back through the store: the keys open it.
	sup, err := h.db.SupporterByEmail(context.Background(), email)
	if err != nil || sup.Name != name || sup.PostalCode != "H2X 1Y4" {
		t.Fatalf("supporter %+v, %v", sup, err)
	}
	// The raw files hold neither the name nor the email nor the letter.
	files, _ := filepath.Glob(h.dbPath + "*")
	if len(files) < 2 {
		t.Fatalf("expected the database and its WAL, found %v", files)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{email, name, "Zoraida", "H2X 1Y4", "Please protect the right to seek asylum"} {
			if bytes.Contains(bytes.ToLower(raw), bytes.ToLower([]byte(secret))) {
				t.Errorf("%s contains %q in clear", filepath.Base(f), secret)
			}
		}
	}
}

// TestDoubleOptIn follows the emails a supporter receives, through a real
// SMTP server: opening a link changes nothing, the button does.
func TestDoubleOptIn(t *testing.T) {
	h := newActHarness(t, true)
	path := "/actions/" + demo.DeportationsSlug
	before := h.count(demo.DeportationsSlug)
	if r := h.post(path, signature("Ana Pérez", "ana@example.org")); r.status != http.StatusSeeOther {
		t.Fatalf("sign: %d", r.status)
	}
	h.deliver()
	msgs := h.mp.WaitForMessages(t, 1, 5*time.Second)
	m := h.mp.Message(t, msgs[0].ID)
	if m.To[0].Address != "ana@example.org" || !strings.Contains(m.Subject, "Please confirm") {
		t.Fatalf("confirmation: to %v subject %q", m.To, m.Subject)
	}
	if !strings.Contains(m.Header("List-Unsubscribe"), "https://act.example.org/en/unsubscribe/") ||
		m.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("unsubscribe headers: %q %q", m.Header("List-Unsubscribe"), m.Header("List-Unsubscribe-Post"))
	}
	confirm := linkIn(t, m.Text, "/confirm/")
	notMe := linkIn(t, m.Text, "/not-me/")

	// A scanner opens the link: nothing changes.
	r := get(t, h.site, confirm)
	if r.status != 200 || !strings.Contains(r.body, `<form method="post" action="/en/confirm/`) {
		t.Fatalf("confirm page: %d", r.status)
	}
	if sup, _ := h.db.SupporterByEmail(context.Background(), "ana@example.org"); !sup.Confirmed.IsZero() {
		t.Fatal("opening the link confirmed the supporter")
	}
	// The person presses Confirm.
	r = h.post(confirm, url.Values{})
	if r.status != 200 || !strings.Contains(text(r.body), "Thank you: confirmed") {
		t.Fatalf("confirm: %d %s", r.status, text(r.body))
	}
	sup, _ := h.db.SupporterByEmail(context.Background(), "ana@example.org")
	if sup.Confirmed.IsZero() {
		t.Fatal("not confirmed after pressing Confirm")
	}
	if h.count(demo.DeportationsSlug) != before+1 {
		t.Error("confirmation did not count the signature")
	}

	// Someone else used Bob's address: Bob removes it.
	h.mp.DeleteAll(t)
	h.post(path, signature("Bob", "bob@example.org"))
	h.deliver()
	bob := h.mp.Message(t, h.mp.WaitForMessages(t, 1, 5*time.Second)[0].ID)
	get(t, h.site, linkIn(t, bob.Text, "/not-me/"))
	if _, err := h.db.SupporterByEmail(context.Background(), "bob@example.org"); err != nil {
		t.Fatal("opening the not-me link removed the signature")
	}
	if r := h.post(linkIn(t, bob.Text, "/not-me/"), url.Values{}); r.status != 200 || !strings.Contains(text(r.body), "Removed") {
		t.Fatalf("not me: %d %s", r.status, text(r.body))
	}
	if h.count(demo.DeportationsSlug) != before+1 {
		t.Error("removing an unconfirmed signature changed the count")
	}
	if _, err := h.db.SupporterByEmail(context.Background(), "bob@example.org"); err == nil {
		t.Error("Bob's address is still stored")
	}
	_ = notMe

	// One click unsubscribes (RFC 8058), as a mail provider does it.
	unsub := strings.Trim(m.Header("List-Unsubscribe"), "<>")
	u, _ := url.Parse(unsub)
	r = h.post(u.Path, url.Values{"List-Unsubscribe": {"One-Click"}})
	if r.status != 200 {
		t.Fatalf("one-click unsubscribe: %d", r.status)
	}
	if sup, _ := h.db.SupporterByEmail(context.Background(), "ana@example.org"); sup.Unsubscribed.IsZero() {
		t.Error("not unsubscribed")
	}

	// A forged or expired link changes nothing.
	if r := h.post("/en/confirm/AAAA", url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("forged link: %d", r.status)
	}
	h.now = h.now.Add(31 * 24 * time.Hour)
	if r := h.post(confirm, url.Values{}); r.status != http.StatusGone || !strings.Contains(text(r.body), "expired") {
		t.Errorf("expired link: %d", r.status)
	}
}

var linkRe = regexp.MustCompile(`https://act\.example\.org(/[a-z]{2}/[a-z-]+/[A-Za-z0-9_-]+)`)

// linkIn finds the link to path in an email and returns it relative.
func linkIn(t *testing.T, body, path string) string {
	t.Helper()
	for _, m := range linkRe.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[1], path) {
			return m[1]
		}
	}
	t.Fatalf("no %s link in:\n%s", path, body)
	return ""
}

// TestAppealReachesTargets confirms an appeal and finds it in the
// officials' mailboxes: the demo's Canada appeal goes as a daily digest per
// target, within the sending hours of the targets' time zone.
func TestAppealReachesTargets(t *testing.T) {
	h := newActHarness(t, true)
	a, _ := h.db.ActionBySlug(context.Background(), demo.CanadaSlug)
	if a.Delivery != model.DeliverDigest {
		t.Fatalf("the demo's Canada appeal is delivered %q", a.Delivery)
	}
	if r := h.post("/actions/"+demo.CanadaSlug, appeal("Ana Pérez", "ana@example.org")); r.status != http.StatusSeeOther {
		t.Fatalf("appeal: %d %s", r.status, text(r.body))
	}
	h.deliver()
	confirm := linkIn(t, h.mp.Message(t, h.mp.WaitForMessages(t, 1, 5*time.Second)[0].ID).Text, "/confirm/")
	h.mp.DeleteAll(t)

	// Confirmed at night in the targets' time zone: nothing goes yet.
	tz, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	h.now = time.Date(2026, 11, 27, 2, 0, 0, 0, tz)
	h.post(confirm, url.Values{})
	h.runner.Once(context.Background())
	h.deliver()
	if msgs := h.mp.Messages(t); len(msgs) != 0 {
		t.Fatalf("%d emails sent at night", len(msgs))
	}
	// Morning: one digest per target, holding the letter.
	h.now = time.Date(2026, 11, 27, 9, 0, 0, 0, tz)
	h.runner.Once(context.Background())
	h.deliver()
	msgs := h.mp.WaitForMessages(t, len(a.Targets), 5*time.Second)
	got := map[string]bool{}
	for _, s := range msgs {
		m := h.mp.Message(t, s.ID)
		got[m.To[0].Address] = true
		if !strings.HasPrefix(m.Subject, "1 appeal: ") || !strings.Contains(m.Text, "Please protect the right to seek asylum") ||
			!strings.Contains(m.Text, "Ana Pérez · Canada") || m.From.Address != "act@example.org" {
			t.Errorf("digest: from %v subject %q\n%s", m.From, m.Subject, m.Text)
		}
		if strings.Contains(m.Text, "ana@example.org") {
			t.Error("a digest carries the supporter's email address")
		}
	}
	for _, target := range a.Targets {
		if !got[target.Email] {
			t.Errorf("no digest reached %s", target.Email)
		}
	}
	// Later the same day: no second digest.
	h.now = h.now.Add(2 * time.Hour)
	h.runner.Once(context.Background())
	h.deliver()
	if n := len(h.mp.Messages(t)); n != len(a.Targets) {
		t.Errorf("%d emails after a second run the same day, want %d", n, len(a.Targets))
	}
}

// TestAppealEachWithCapCopiesAndTestMode: one email per appeal, from the
// organisation, replying to the supporter, copied as configured; the daily
// cap holds the rest for the next day; test mode sends to the campaigner.
func TestAppealEachWithCapCopiesAndTestMode(t *testing.T) {
	h := newActHarness(t, true)
	ctx := context.Background()
	newAppeal := func(slug, testRecipient string) {
		a := &model.Action{Slug: slug, Lang: "en", Kind: model.ActionAppeal, Title: "Write to the governor",
			Published: testutil.Now.Add(-time.Hour), Deadline: testutil.Now.Add(30 * 24 * time.Hour),
			Delivery: model.DeliverEach, Subject: "Release them", Letter: "{{salutation}}\n\nRelease them.",
			SendFromHour: 8, SendToHour: 18, TimeZone: "UTC", DailyCap: 1, CC: "cc@example.org", BCC: "archive@example.org",
			TestRecipient: testRecipient,
			Targets:       []model.Target{{Name: "Governor", Email: "governor@example.org", Salutation: "Dear Governor,", Lang: "en"}}}
		if err := h.db.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	newAppeal("write-to-the-governor", "")
	newAppeal("write-in-test-mode", "campaigner@example.org")
	h.now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

	// Two supporters appeal and confirm.
	for _, who := range []string{"ana", "bea"} {
		v := appeal(strings.ToUpper(who[:1])+who[1:], who+"@example.org")
		v.Set("letter", "Dear Governor,\n\nRelease them. From "+who)
		if r := h.post("/actions/write-to-the-governor", v); r.status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", who, r.status, text(r.body))
		}
	}
	h.confirmByEmail(2)

	h.runner.Once(ctx)
	h.deliver()
	msgs := h.mp.WaitForMessages(t, 1, 5*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d appeals sent on the first day with a cap of 1", len(msgs))
	}
	m := h.mp.Message(t, msgs[0].ID)
	if m.To[0].Address != "governor@example.org" || len(m.Cc) != 1 || m.Cc[0].Address != "cc@example.org" ||
		len(m.Bcc) != 1 || m.Bcc[0].Address != "archive@example.org" || len(m.ReplyTo) != 1 ||
		m.From.Address != "act@example.org" || m.Subject != "Keep the door open" || !strings.Contains(m.Text, "Release them. From ") {
		t.Errorf("appeal: to %v cc %v bcc %v reply-to %v from %v subject %q\n%s", m.To, m.Cc, m.Bcc, m.ReplyTo, m.From, m.Subject, m.Text)
	}
	first := m.ReplyTo[0].Address

	// The next morning the second one goes; nothing was dropped.
	h.now = h.now.Add(24 * time.Hour)
	h.runner.Once(ctx)
	h.deliver()
	msgs = h.mp.WaitForMessages(t, 2, 5*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("%d appeals after the second day, want 2", len(msgs))
	}
	for _, s := range msgs {
		if r := h.mp.Message(t, s.ID).ReplyTo; len(r) == 1 && r[0].Address != first {
			first = ""
		}
	}
	if first != "" {
		t.Error("the second day sent the same supporter's appeal again")
	}
	// Each appeal records when it was delivered.
	for _, who := range []string{"ana@example.org", "bea@example.org"} {
		sup, err := h.db.SupporterByEmail(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		parts, _ := h.db.ParticipationsOf(ctx, sup.ID)
		if len(parts) != 1 {
			t.Fatalf("%s has %d participations", who, len(parts))
		}
		ds, err := h.db.AppealDeliveries(ctx, parts[0].ID)
		if err != nil || len(ds) != 1 || ds[0].Delivered.IsZero() || ds[0].Delivered.Before(ds[0].Queued) {
			t.Errorf("%s: deliveries %+v, %v; want delivered", who, ds, err)
		}
	}

	// Test mode: the campaigner receives it, the target does not.
	h.mp.DeleteAll(t)
	h.post("/actions/write-in-test-mode", appeal("Cleo", "cleo@example.org"))
	h.deliver()
	h.post(linkIn(t, h.mp.Message(t, h.mp.WaitForMessages(t, 1, 5*time.Second)[0].ID).Text, "/confirm/"), url.Values{})
	h.mp.DeleteAll(t)
	h.runner.Once(ctx)
	h.deliver()
	msgs = h.mp.WaitForMessages(t, 1, 5*time.Second)
	tm := h.mp.Message(t, msgs[0].ID)
	if len(msgs) != 1 || tm.To[0].Address != "campaigner@example.org" || len(tm.Cc) != 0 || len(tm.Bcc) != 0 ||
		!strings.Contains(tm.Subject, "TEST") {
		t.Errorf("test mode: %d emails, to %v cc %v bcc %v subject %q", len(msgs), tm.To, tm.Cc, tm.Bcc, tm.Subject)
	}
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// TestNewsletter signs up through the home page's form with the same double
// opt-in, emails in the language chosen.
func TestNewsletter(t *testing.T) {
	h := newActHarness(t, true)
	home := get(t, h.site, "/")
	mustContain(t, "home page", home.body, `<form method="post" action="/subscribe"`, `name="consent"`)

	// No consent ticked: a message beside the box, the email kept.
	r := h.post("/subscribe", url.Values{"email": {"lucia@example.org"}, "lang": {"es"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(text(r.body), "Please tick this box") ||
		!strings.Contains(r.body, `value="lucia@example.org"`) {
		t.Fatalf("sign-up without consent: %d %s", r.status, text(r.body))
	}

	r = h.post("/subscribe", url.Values{"email": {"Lucia@Example.org"}, "name": {"Lucía"}, "lang": {"es"}, "consent": {"yes"}, "source": {"/"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/subscribe?check=1" {
		t.Fatalf("sign-up: %d %q", r.status, r.header.Get("Location"))
	}
	h.deliver()
	m := h.mp.Message(t, h.mp.WaitForMessages(t, 1, 5*time.Second)[0].ID)
	// In Spanish, greeting no one by the name typed beside an address
	// nobody has confirmed yet.
	if m.Subject != "Confirma tu suscripción" || !strings.Contains(m.Text, "Hola:") || strings.Contains(m.Text, "Lucía") {
		t.Errorf("confirmation not in Spanish, or echoing the name typed: %q\n%s", m.Subject, m.Text)
	}
	confirm := linkIn(t, m.Text, "/es/subscribe-confirm/")
	h.post(confirm, url.Values{})
	sup, err := h.db.SupporterByEmail(context.Background(), "lucia@example.org")
	if err != nil || sup.Confirmed.IsZero() || sup.Lang != "es" {
		t.Fatalf("after confirming: %+v, %v", sup, err)
	}
	consents, _ := h.db.Consents(context.Background(), sup.ID)
	if len(consents) != 1 || consents[0].Key != "newsletter" || !consents[0].Given ||
		!strings.HasPrefix(consents[0].Text, "Sí, envíenme el boletín") || consents[0].Source != "/" {
		t.Errorf("consent as recorded: %+v", consents)
	}
	// Signing up again once confirmed (anyone may type the address): the
	// same answer on the page, the same confirmation link by email, not a
	// welcome, and nothing stored until the link is used.
	h.mp.DeleteAll(t)
	r = h.post("/subscribe", url.Values{"email": {"lucia@example.org"}, "name": {"Mallory"}, "lang": {"es"}, "consent": {"yes"}})
	if r.header.Get("Location") != "/subscribe?check=1" {
		t.Errorf("second sign-up: %q", r.header.Get("Location"))
	}
	h.deliver()
	m = h.mp.Message(t, h.mp.WaitForMessages(t, 1, 5*time.Second)[0].ID)
	if !strings.Contains(m.Text, "/es/subscribe-confirm/") || m.Subject != "Confirma tu suscripción" || strings.Contains(m.Text, "Mallory") {
		t.Errorf("a sign-up with a confirmed address: %q\n%s", m.Subject, m.Text)
	}
	if again, _ := h.db.Consents(context.Background(), sup.ID); len(again) != 1 {
		t.Errorf("a sign-up with a confirmed address stored consents: %+v", again)
	}
	if again, _ := h.db.SupporterByEmail(context.Background(), "lucia@example.org"); again.Name != "Lucía" {
		t.Errorf("a sign-up with a confirmed address changed the name to %q", again.Name)
	}
}

// TestRemindAndPurge: one reminder for who has not confirmed, then the
// unconfirmed participation is deleted and uncounted.
func TestRemindAndPurge(t *testing.T) {
	h := newActHarness(t, true)
	before := h.count(demo.UgandaSlug)
	h.post("/actions/"+demo.UgandaSlug, signature("Ana", "ana@example.org"))
	h.deliver()
	h.mp.WaitForMessages(t, 1, 5*time.Second)
	h.mp.DeleteAll(t)

	h.now = h.now.Add(24 * time.Hour)
	h.runner.Once(context.Background())
	h.deliver()
	if n := len(h.mp.Messages(t)); n != 0 {
		t.Fatalf("%d reminders after one day", n)
	}
	h.now = h.now.Add(25 * time.Hour)
	h.runner.Once(context.Background())
	h.runner.Once(context.Background())
	h.deliver()
	msgs := h.mp.WaitForMessages(t, 1, 5*time.Second)
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].Subject, "Reminder: please confirm") {
		t.Fatalf("reminders: %+v", msgs)
	}
	if h.count(demo.UgandaSlug) != before {
		t.Fatal("an unconfirmed signature was counted")
	}
	h.now = h.now.Add(6 * 24 * time.Hour)
	h.runner.Once(context.Background())
	if h.count(demo.UgandaSlug) != before {
		t.Errorf("count %d after the purge, want %d", h.count(demo.UgandaSlug), before)
	}
	if _, err := h.db.SupporterByEmail(context.Background(), "ana@example.org"); err == nil {
		t.Error("the unconfirmed supporter is still stored after the purge")
	}
}

// TestClosingAtDeadline: past its deadline an action shows its closing
// text instead of the form, refuses participations, and its case moves to
// monitoring when nothing else is open.
func TestClosingAtDeadline(t *testing.T) {
	h := newActHarness(t, true)
	ctx := context.Background()
	c := &model.Case{Slug: "short-case", Lang: "en", Title: "A short case", Status: model.CaseActive,
		Published: testutil.Now.Add(-time.Hour), Updated: testutil.Now.Add(-time.Hour)}
	if err := h.db.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	a := &model.Action{Slug: "short-petition", CaseSlug: "short-case", Lang: "en", Kind: model.ActionPetition, Title: "Sign before Friday",
		Published: testutil.Now.Add(-time.Hour), Deadline: testutil.Now.Add(48 * time.Hour), Goal: 100,
		ClosingText: "The petition has closed. Thank you to everyone who signed."}
	if err := h.db.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	h.post("/actions/short-petition", signature("Ana", "ana@example.org"))
	h.deliver()
	h.post(linkIn(t, h.mp.Message(t, h.mp.WaitForMessages(t, 1, 5*time.Second)[0].ID).Text, "/confirm/"), url.Values{})
	if !strings.Contains(get(t, h.site, "/cases/short-case").body, `action="/actions/short-petition"`) {
		t.Fatal("no form while the action is open")
	}

	h.now = h.now.Add(49 * time.Hour)
	page := get(t, h.site, "/cases/short-case")
	if strings.Contains(page.body, "<form method=\"post\" action=\"/actions/short-petition\"") {
		t.Error("the form is still there after the deadline")
	}
	mustContain(t, "closed case page", text(page.body), "The petition has closed", "1 person took part")
	r := h.post("/actions/short-petition", signature("Bea", "bea@example.org"))
	if r.status != http.StatusConflict || h.count("short-petition") != 1 {
		t.Errorf("after the deadline: %d, count %d", r.status, h.count("short-petition"))
	}
	h.runner.Once(ctx)
	got, err := h.db.CaseBySlug(ctx, "short-case")
	if err != nil || got.Status != model.CaseMonitoring || !got.Actions[0].Closed {
		t.Errorf("after the jobs: case %s, action closed %v (%v)", got.Status, got.Actions[0].Closed, err)
	}
	mustContain(t, "case badge", text(get(t, h.site, "/cases/short-case").body), "Monitoring")
}

// TestNoAppealsAfterClosing: an appeal confirmed, then its action closed by
// a final update, is not sent to the officials.
func TestNoAppealsAfterClosing(t *testing.T) {
	h := newActHarness(t, true)
	ctx := context.Background()
	a := &model.Action{Slug: "late-appeal", Lang: "en", Kind: model.ActionAppeal, Title: "Write", CaseSlug: "",
		Published: testutil.Now.Add(-time.Hour), Deadline: testutil.Now.Add(24 * time.Hour), Delivery: model.DeliverEach,
		Subject: "Release them", Letter: "{{salutation}}\n\nRelease them.", SendFromHour: 0, SendToHour: 24, TimeZone: "UTC",
		Targets: []model.Target{{Name: "Governor", Email: "governor@example.org", Salutation: "Dear Governor,", Lang: "en"}}}
	if err := h.db.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	h.post("/actions/late-appeal", appeal("Ana", "ana@example.org"))
	h.deliver()
	h.post(linkIn(t, h.mp.Message(t, h.mp.WaitForMessages(t, 1, 5*time.Second)[0].ID).Text, "/confirm/"), url.Values{})
	h.mp.DeleteAll(t)
	total := func() int {
		counts, err := h.db.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range counts {
			n += c
		}
		return n
	}
	before := total()
	// The deadline passes before the jobs run.
	h.now = h.now.Add(25 * time.Hour)
	h.runner.Once(ctx)
	if after := total(); after != before {
		t.Errorf("the jobs queued %d emails for an action already closed", after-before)
	}
	h.deliver()
	if msgs := h.mp.Messages(t); len(msgs) != 0 {
		t.Errorf("%d emails sent for an action already closed", len(msgs))
	}
}
