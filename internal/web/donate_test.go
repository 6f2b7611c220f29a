package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

const testWebhookSecret = "whsec_test_donations"

// countingStripe sits between the site and stripe-mock and counts the
// calls that reach Stripe.
type countingStripe struct {
	url   string
	calls atomic.Int64
	paths chan string
}

func newCountingStripe(t *testing.T) *countingStripe {
	t.Helper()
	target, err := url.Parse(testutil.StripeMock(t))
	if err != nil {
		t.Fatal(err)
	}
	c := &countingStripe{paths: make(chan string, 100)}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.calls.Add(1)
		select {
		case c.paths <- r.Method + " " + r.URL.Path:
		default:
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.url = srv.URL
	return c
}

// withDonations serves the site again with Stripe configured.
func (h *actHarness) withDonations(opts web.DonateOptions) {
	h.t.Helper()
	h.options.Donate = opts
	site, err := web.New(h.options)
	if err != nil {
		h.t.Fatal(err)
	}
	h.site, h.runner.Pages = site, site
}

func (h *actHarness) donations() []model.Donation {
	h.t.Helper()
	ds, err := h.db.RecentDonations(context.Background(), 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return ds
}

func TestDonateLinkWithoutStripe(t *testing.T) {
	h := newActHarness(t, false)
	home := get(t, h.site, "/")
	if strings.Contains(home.body, "nav-donate") {
		t.Error("a Donate link without Stripe or --donate-url")
	}
	if r := get(t, h.site, "/donate"); r.status != http.StatusNotFound {
		t.Errorf("/donate without Stripe: %d, want 404", r.status)
	}
	if r := h.post("/webhooks/stripe", url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("webhook without a secret: %d, want 404", r.status)
	}
	h.withDonations(web.DonateOptions{FallbackURL: "https://give.example.org/vigil"})
	for _, path := range []string{"/", "/es/news", caseURL} {
		if r := get(t, h.site, path); !strings.Contains(r.body, `href="https://give.example.org/vigil"`) {
			t.Errorf("%s: no Donate link to --donate-url", path)
		}
	}
	if r := get(t, h.site, "/donate"); r.status != http.StatusSeeOther || r.header.Get("Location") != "https://give.example.org/vigil" {
		t.Errorf("/donate with --donate-url: %d to %q", r.status, r.header.Get("Location"))
	}
}

func TestDonateCheckout(t *testing.T) {
	h := newActHarness(t, false)
	st := newCountingStripe(t)
	h.withDonations(web.DonateOptions{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIURL: st.url})

	for _, path := range []string{"/", "/fr/cases/" + demo.CaseSlug, "/ar/news"} {
		r := get(t, h.site, path)
		if !regexp.MustCompile(`class="nav-donate" href="(/[a-z]{2})?/donate"`).MatchString(r.body) {
			t.Errorf("%s: no Donate link in the header", path)
		}
	}
	page := get(t, h.site, "/fr/donate")
	if page.status != http.StatusOK {
		t.Fatalf("/fr/donate: %d", page.status)
	}
	mustContain(t, "donate page", text(page.body), "Soutenez notre travail", "Une fois", "Chaque mois", "10 €", "25 €",
		"50 $ US", "50 £", "Dédier mon don à un cas")
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' https://checkout.stripe.com;") || !strings.Contains(csp, "script-src 'self';") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("donate page CSP %q", csp)
	}
	if strings.Contains(strings.ToLower(page.body), "js.stripe.com") || strings.Contains(page.body, "<iframe") {
		t.Error("the donate page loads something of Stripe's")
	}
	if r := get(t, h.site, "/"); strings.Contains(r.header.Get("Content-Security-Policy"), "stripe") {
		t.Error("the home page's CSP names Stripe")
	}

	// A one-off gift dedicated to a case, and a monthly one typed with a
	// comma: each is one call to Stripe and a 303 to its Checkout.
	gifts := []url.Values{
		{"preset": {"eur:2500"}, "frequency": {"once"}, "case": {demo.CaseSlug}},
		{"other": {"12,50"}, "currency": {"gbp"}, "frequency": {"monthly"}},
	}
	for i, form := range gifts {
		before := st.calls.Load()
		r := h.post("/fr/donate", form)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "https://checkout.stripe.com/") {
			t.Fatalf("gift %d: %d to %q\n%s", i, r.status, r.header.Get("Location"), text(r.body))
		}
		if got := st.calls.Load() - before; got != 1 {
			t.Errorf("gift %d: %d calls to Stripe, want 1", i, got)
		}
		if p := <-st.paths; p != "POST /v1/checkout/sessions" {
			t.Errorf("gift %d called %s", i, p)
		}
	}
	// Coming back records nothing: only the webhook does.
	thanks := get(t, h.site, "/fr/donate/thanks")
	mustContain(t, "thank-you page", text(thanks.body), "Merci pour votre don")
	if ds := h.donations(); len(ds) != 0 {
		t.Errorf("donations recorded without Stripe's webhook: %+v", ds)
	}
	// Back from Checkout without paying.
	mustContain(t, "cancelled", text(get(t, h.site, "/donate?cancelled=1").body), "nothing was charged")
}

func TestDonateBadInput(t *testing.T) {
	h := newActHarness(t, false)
	st := newCountingStripe(t)
	h.withDonations(web.DonateOptions{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIURL: st.url})
	other := func(amount, currency string) url.Values {
		return url.Values{"other": {amount}, "currency": {currency}, "frequency": {"once"}}
	}
	tests := []struct {
		name    string
		form    url.Values
		message string
		kept    string // a value the form shows again
	}{
		{"zero", other("0", "eur"), "The smallest gift we can take is 1.", `value="0"`},
		{"negative", other("-5", "eur"), "in figures, such as 12 or 12.50", `value="-5"`},
		{"absurd", other("10000.01", "usd"), "For a gift above 10,000", `value="10000.01"`},
		{"huge", other("99999999999999999999", "usd"), "For a gift above 10,000", `value="99999999999999999999"`},
		{"exponent", other("1e9", "eur"), "in figures, such as 12 or 12.50", `value="1e9"`},
		{"thousands", other("1,000", "eur"), "without a currency sign or thousands separator", `value="1,000"`},
		{"symbol", other("€12", "eur"), "in figures", `value="€12"`},
		{"currency", other("10", "jpy"), "Choose euros, US dollars or pounds sterling.", `value="10"`},
		{"preset not offered", url.Values{"preset": {"eur:1234"}, "frequency": {"once"}}, "Choose one of the amounts shown.", ""},
		{"no amount", url.Values{"frequency": {"monthly"}}, "Choose an amount or type one.", `value="monthly" checked`},
		{"frequency", url.Values{"preset": {"eur:1000"}, "frequency": {"weekly"}}, "Choose once or every month.", `value="eur:1000" checked`},
		{"case", url.Values{"preset": {"eur:1000"}, "frequency": {"once"}, "case": {"no-such-case"}}, "Choose a case from the list", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := st.calls.Load()
			r := h.post("/donate", tt.form)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%d, want 422", r.status)
			}
			mustContain(t, "page", r.body, `class="error-text"`, tt.message, tt.kept)
			if !strings.Contains(r.body, `aria-invalid="true"`) {
				t.Error("no field marked invalid")
			}
			if got := st.calls.Load() - before; got != 0 {
				t.Errorf("%d calls to Stripe for a refused gift", got)
			}
		})
	}
	if ds := h.donations(); len(ds) != 0 {
		t.Errorf("stored: %+v", ds)
	}
	// In Arabic the messages come in Arabic, next to the field.
	r := h.post("/ar/donate", other("1e9", "eur"))
	mustContain(t, "ar page", r.body, "اكتب المبلغ بالأرقام", `dir="rtl"`)
}

// ---- the webhook

// stripeEventJSON is an event as Stripe sends it, of the SDK's API version.
func stripeEventJSON(id, typ string, object map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "type": typ, "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": object}})
	return b
}

func (h *actHarness) sendEvent(payload []byte, secret string, at time.Time) response {
	h.t.Helper()
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", strings.NewReader(string(signed.Payload)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", signed.Header)
	rec := httptest.NewRecorder()
	h.site.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

var ours = map[string]string{"vigil": "donation", "lang": "fr", "case": demo.CaseSlug}

func session(id string, paid bool, mode string, extra map[string]any) map[string]any {
	status := "paid"
	if !paid {
		status = "unpaid"
	}
	s := map[string]any{"id": id, "object": "checkout.session", "mode": mode, "payment_status": status,
		"amount_total": 2500, "currency": "eur", "customer": "cus_1", "created": time.Now().Unix(),
		"customer_details": map[string]any{"email": "Ana.Perez@Example.org", "name": "Ana Pérez"}, "metadata": ours}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// TestStripeWebhookRefusalsLimited: a client sending forged events is
// soon answered 429 without being read; another client's genuine event
// is still recorded.
func TestStripeWebhookRefusalsLimited(t *testing.T) {
	h := newActHarness(t, true)
	st := newCountingStripe(t)
	h.withDonations(web.DonateOptions{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIURL: st.url})
	event := stripeEventJSON("evt_lim", "checkout.session.completed", session("cs_lim", true, "payment", nil))
	send := func(ip, secret string) int {
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: time.Now()})
		req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", strings.NewReader(string(signed.Payload)))
		req.Header.Set("Stripe-Signature", signed.Header)
		req.RemoteAddr = ip + ":443"
		rec := httptest.NewRecorder()
		h.site.ServeHTTP(rec, req)
		return rec.Code
	}
	refused, limited := 0, false
	for range 1000 {
		code := send("198.51.100.7", "whsec_forged")
		if code == http.StatusTooManyRequests {
			limited = true
			break
		}
		if code != http.StatusBadRequest {
			t.Fatalf("forged event: %d", code)
		}
		refused++
	}
	if !limited || refused < 3 {
		t.Fatalf("%d forged events refused, then limited: %v; want a few refusals, then 429", refused, limited)
	}
	if code := send("198.51.100.7", testWebhookSecret); code != http.StatusTooManyRequests {
		t.Errorf("the limited client's next event: %d, want 429", code)
	}
	if code := send("203.0.113.9", testWebhookSecret); code != http.StatusOK || len(h.donations()) != 1 {
		t.Errorf("another client's genuine event: %d, %d donations", code, len(h.donations()))
	}
}

func TestStripeWebhook(t *testing.T) {
	h := newActHarness(t, true)
	st := newCountingStripe(t)
	h.withDonations(web.DonateOptions{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIURL: st.url})
	now := time.Now()
	queued := func() int {
		counts, err := h.db.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return counts[model.MessageQueued]
	}

	oneOff := stripeEventJSON("evt_one", "checkout.session.completed", session("cs_one", true, "payment", nil))
	// Forged (another secret), unsigned, stale: 400, nothing stored.
	if r := h.sendEvent(oneOff, "whsec_forged", now); r.status != http.StatusBadRequest {
		t.Errorf("forged: %d", r.status)
	}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", strings.NewReader(string(oneOff)))
	rec := httptest.NewRecorder()
	h.site.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("unsigned: %d", rec.Code)
	}
	if r := h.sendEvent(oneOff, testWebhookSecret, now.Add(-10*time.Minute)); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, "tolerance") {
		t.Errorf("stale: %d %q", r.status, r.body)
	}
	if len(h.donations()) != 0 || queued() != 0 {
		t.Fatal("a refused event stored something")
	}
	// Too large a body.
	big := stripeEventJSON("evt_big", "checkout.session.completed", session("cs_big", true, "payment",
		map[string]any{"padding": strings.Repeat("x", 300<<10)}))
	if r := h.sendEvent(big, testWebhookSecret, now); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize: %d", r.status)
	}

	// Genuine, then replayed: recorded once, one receipt.
	for i, want := range []string{"recorded", "already recorded"} {
		if r := h.sendEvent(oneOff, testWebhookSecret, now); r.status != http.StatusOK || strings.TrimSpace(r.body) != want {
			t.Fatalf("delivery %d: %d %q, want %q", i, r.status, r.body, want)
		}
	}
	ds := h.donations()
	if len(ds) != 1 || ds[0].Amount != 2500 || ds[0].Currency != "eur" || ds[0].Email != "ana.perez@example.org" ||
		ds[0].Name != "Ana Pérez" || ds[0].CaseSlug != demo.CaseSlug || ds[0].Lang != "fr" {
		t.Fatalf("donations: %+v", ds)
	}
	// Not paid yet (a bank transfer): nothing; its later success: recorded.
	pending := session("cs_async", false, "payment", nil)
	h.sendEvent(stripeEventJSON("evt_pending", "checkout.session.completed", pending), testWebhookSecret, now)
	if len(h.donations()) != 1 {
		t.Fatal("an unpaid session was recorded")
	}
	pending["payment_status"] = "paid"
	h.sendEvent(stripeEventJSON("evt_async", "checkout.session.async_payment_succeeded", pending), testWebhookSecret, now)
	// Another product of the account: passed over.
	other := session("cs_shop", true, "payment", map[string]any{"metadata": map[string]string{"shop": "mug"}})
	if r := h.sendEvent(stripeEventJSON("evt_shop", "checkout.session.completed", other), testWebhookSecret, now); r.status != http.StatusOK {
		t.Errorf("another product's event: %d", r.status)
	}
	if got := len(h.donations()); got != 2 {
		t.Fatalf("%d donations after the async payment and another product's, want 2", got)
	}

	// A monthly gift, its first invoice paid before its session completes.
	invoice := func(id string, amount int) map[string]any {
		return map[string]any{"id": id, "object": "invoice", "amount_paid": amount, "currency": "eur", "customer": "cus_2",
			"customer_email": "bo@example.org", "customer_name": "Bo", "created": now.Unix(),
			"status_transitions": map[string]any{"paid_at": now.Unix()},
			"parent": map[string]any{"type": "subscription_details", "subscription_details": map[string]any{
				"subscription": "sub_bo", "metadata": map[string]string{"vigil": "donation", "lang": "ar", "case": ""}}}}
	}
	h.sendEvent(stripeEventJSON("evt_inv1", "invoice.paid", invoice("in_1", 1000)), testWebhookSecret, now)
	monthly := session("cs_bo", true, "subscription", map[string]any{"subscription": "sub_bo", "invoice": "in_1",
		"amount_total": 1000, "customer_details": map[string]any{"email": "bo@example.org", "name": "Bo"},
		"metadata": map[string]string{"vigil": "donation", "lang": "ar", "case": ""}})
	h.sendEvent(stripeEventJSON("evt_bo", "checkout.session.completed", monthly), testWebhookSecret, now)
	h.sendEvent(stripeEventJSON("evt_inv2", "invoice.paid", invoice("in_2", 1000)), testWebhookSecret, now)
	ds = h.donations()
	if len(ds) != 4 {
		t.Fatalf("%d donations after a monthly gift's two months, want 4: %+v", len(ds), ds)
	}
	if queued() != 4 {
		t.Errorf("%d receipts queued, want one per payment (4)", queued())
	}

	// The receipts, in the donor's language; the monthly one can stop the
	// gift from its link.
	h.deliver()
	msgs := h.mp.WaitForMessages(t, 4, 5*time.Second)
	var stopLink string
	var frenchReceipts, arabicReceipts int
	for _, s := range msgs {
		m := h.mp.Message(t, s.ID)
		switch {
		case strings.Contains(m.Text, "Merci pour votre don de 25 €"):
			frenchReceipts++
			if len(m.To) != 1 || m.To[0].Address != "ana.perez@example.org" {
				t.Errorf("receipt to %+v", m.To)
			}
			mustContain(t, "French receipt", m.Text, "Référence : cs_", "/fr/cases/"+demo.CaseSlug)
		case strings.Contains(m.Text, "شكرًا لتبرّعك الشهري"):
			arabicReceipts++
			if l := regexp.MustCompile(`https://act\.example\.org(/ar/donate/stop/[A-Za-z0-9_-]+)`).FindStringSubmatch(m.Text); l != nil {
				stopLink = l[1]
			}
		default:
			t.Errorf("unexpected email %q:\n%s", s.Subject, m.Text)
		}
	}
	if frenchReceipts != 2 || arabicReceipts != 2 || stopLink == "" {
		t.Fatalf("%d French and %d Arabic receipts, stop link %q", frenchReceipts, arabicReceipts, stopLink)
	}

	// Opening the link changes nothing; its button cancels at Stripe.
	before := st.calls.Load()
	page := get(t, h.site, stopLink)
	if page.status != http.StatusOK || !strings.Contains(page.body, `<form method="post"`) || st.calls.Load() != before {
		t.Fatalf("stop page: %d, %d calls to Stripe\n%s", page.status, st.calls.Load()-before, text(page.body))
	}
	r := h.post(stopLink, url.Values{})
	if r.status != http.StatusOK || st.calls.Load()-before != 1 {
		t.Fatalf("stopping: %d, %d calls to Stripe\n%s", r.status, st.calls.Load()-before, text(r.body))
	}
	if p := <-st.paths; p != "DELETE /v1/subscriptions/sub_bo" {
		t.Errorf("stopping called %s", p)
	}
	mustContain(t, "stopped", r.body, "10 €")
	// Pressed again: already ended, Stripe not called again.
	r = h.post(stopLink, url.Values{})
	if st.calls.Load()-before != 1 || !strings.Contains(text(r.body), "انتهى") {
		t.Errorf("stopping twice: %d calls\n%s", st.calls.Load()-before, text(r.body))
	}
	// Stripe's own word of the end keeps the first date; a forged link is
	// refused.
	sub := map[string]any{"id": "sub_bo", "object": "subscription", "customer": "cus_2", "currency": "eur",
		"ended_at": now.Add(time.Hour).Unix(), "metadata": map[string]string{"vigil": "donation"}}
	if r := h.sendEvent(stripeEventJSON("evt_del", "customer.subscription.deleted", sub), testWebhookSecret, now); r.status != http.StatusOK {
		t.Errorf("subscription deleted: %d", r.status)
	}
	if r := get(t, h.site, "/donate/stop/AAAA"+fmt.Sprint(now.Unix())); r.status != http.StatusNotFound {
		t.Errorf("forged stop link: %d", r.status)
	}
}
