package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/stripe/stripe-go/v82"

	"vigil/internal/httpx"
	"vigil/internal/model"
)

// DonateOptions configure giving through Stripe's hosted Checkout
// (docs/decisions.md, "Donations"). Without a secret key there is no
// /donate: Donate links go to FallbackURL when it is set, and are absent
// otherwise.
type DonateOptions struct {
	SecretKey     string // sk_…; "": no Checkout
	WebhookSecret string // whsec_…; "": /webhooks/stripe answers 404
	APIURL        string // Stripe's API (tests: stripe-mock); "": Stripe's own
	FallbackURL   string // where Donate links go without Checkout
	HTTPClient    *http.Client
}

// donateMetadata marks what Vigil sends to Stripe, so that events about
// the account's other payments are passed over.
const donateMetadata = "vigil"

// newStripe is the Stripe client for opts; nil without a key.
func newStripe(opts DonateOptions) *stripe.Client {
	if opts.SecretKey == "" {
		return nil
	}
	cfg := &stripe.BackendConfig{LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if opts.APIURL != "" {
		cfg.URL = stripe.String(strings.TrimRight(opts.APIURL, "/"))
	}
	if opts.HTTPClient != nil {
		cfg.HTTPClient = opts.HTTPClient
	}
	return stripe.NewClient(opts.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))
}

// donateLink is where the header's Donate link goes: /donate with
// Checkout, the fallback without, "" (no link) with neither.
func (s *Server) donateLink(prefix string) string {
	switch {
	case s.stripe != nil:
		return prefix + "/donate"
	default:
		return s.donateURL
	}
}

// donateForm is what a donor chose, kept as typed.
type donateForm struct {
	Preset    string // "eur:2500": a suggested amount
	Other     string // any amount, as typed
	Currency  string // of Other
	Frequency string // "once" or "monthly"
	Case      string // a case's slug; "" for none
	Errors    map[string]string
}

// Error returns the catalogue key of a field's message, or "".
func (f *donateForm) Error(field string) string { return f.Errors[field] }

// suggestion is one suggested amount.
type suggestion struct {
	Value, Label string
}

// currencyRow is a currency with its suggested amounts.
type currencyRow struct {
	Code, Label string
	Amounts     []suggestion
}

type donateData struct {
	Form       *donateForm
	Currencies []currencyRow
	Cases      []model.Case
	Cancelled  bool // back from Checkout without giving
}

// donateCSP is the site's policy, but that the donate form may be sent on
// to Stripe's hosted Checkout: a form's redirect is checked against
// form-action. Nothing of Stripe's is loaded.
var donateCSP = httpx.Header{Key: "Content-Security-Policy",
	Value: []string{strings.Replace(httpx.SiteHeaders[0].Value[0], "form-action 'self'", "form-action 'self' https://checkout.stripe.com", 1)}}

func (s *Server) donateData(r *http.Request, f *donateForm) (donateData, error) {
	loc := s.cat.Localizer(languageOf(r).Lang)
	data := donateData{Form: f}
	for _, c := range model.Currencies {
		row := currencyRow{Code: c, Label: strings.ToUpper(c)}
		for _, a := range model.SuggestedAmounts[c] {
			row.Amounts = append(row.Amounts, suggestion{Value: c + ":" + strconv.FormatInt(a, 10), Label: loc.Money(a, c)})
		}
		data.Currencies = append(data.Currencies, row)
	}
	cases, err := s.store.PublishedCases(r.Context())
	if err != nil {
		return data, err
	}
	for _, c := range cases {
		data.Cases = append(data.Cases, c.In(loc.Lang))
	}
	return data, nil
}

// donatePage shows the form: without Checkout, the fallback (or
// nothing).
func (s *Server) donatePage(w http.ResponseWriter, r *http.Request) {
	if s.stripe == nil {
		if s.donateURL != "" {
			http.Redirect(w, r, s.donateURL, http.StatusSeeOther)
			return
		}
		s.notFound(w, r)
		return
	}
	f := &donateForm{Frequency: "once", Currency: model.Currencies[0], Case: limit(r.URL.Query().Get("case"), 200)}
	if len(model.SuggestedAmounts[f.Currency]) > 1 {
		f.Preset = f.Currency + ":" + strconv.FormatInt(model.SuggestedAmounts[f.Currency][1], 10)
	}
	data, err := s.donateData(r, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Cancelled = r.URL.Query().Get("cancelled") == "1"
	s.renderDonate(w, r, data, http.StatusOK)
}

func (s *Server) renderDonate(w http.ResponseWriter, r *http.Request, data donateData, status int) {
	loc := s.cat.Localizer(languageOf(r).Lang)
	p := s.newPage(r, loc.T("donate.title"), loc.T("donate.lede"))
	p.Data = data
	if status != http.StatusOK {
		private(w)
	}
	w.Header()[donateCSP.Key] = donateCSP.Value
	s.render(w, r, status, "donate", p)
}

// amountErrors are the messages of model.ParseAmount's refusals.
var amountErrors = []struct {
	err error
	key string
}{
	{model.ErrAmountMissing, "donate.error.missing"},
	{model.ErrAmountFormat, "donate.error.format"},
	{model.ErrAmountTooSmall, "donate.error.small"},
	{model.ErrAmountTooLarge, "donate.error.large"},
}

// readDonation checks the form; the amount is in minor units.
func (s *Server) readDonation(ctx context.Context, f *donateForm) (amount int64, currency string) {
	switch f.Frequency {
	case "once", "monthly":
	default:
		f.Errors["frequency"] = "donate.error.frequency"
	}
	if f.Case != "" {
		if _, err := s.store.CaseBySlug(ctx, f.Case); err != nil {
			f.Errors["case"] = "donate.error.case"
		}
	}
	if strings.TrimSpace(f.Other) != "" {
		if !model.ValidCurrency(f.Currency) {
			f.Errors["currency"] = "donate.error.currency"
		}
		a, err := model.ParseAmount(f.Other)
		for _, e := range amountErrors {
			if errors.Is(err, e.err) {
				f.Errors["amount"] = e.key
			}
		}
		return a, strings.ToLower(f.Currency)
	}
	c, text, ok := strings.Cut(f.Preset, ":")
	a, err := strconv.ParseInt(text, 10, 64)
	if f.Preset == "" {
		f.Errors["amount"] = "donate.error.missing"
	} else if !ok || err != nil || !slices.Contains(model.SuggestedAmounts[c], a) {
		f.Errors["amount"] = "donate.error.preset"
	}
	return a, c
}

// stripeLocales are the languages Checkout is shown in; others let
// Stripe choose from the browser.
var stripeLocales = map[string]bool{"en": true, "es": true, "fr": true}

// donate sends a valid gift on to Stripe's hosted Checkout, and a form
// with mistakes back with its messages; Stripe is called only for a valid
// one.
func (s *Server) donate(w http.ResponseWriter, r *http.Request) {
	if s.stripe == nil {
		s.notFound(w, r)
		return
	}
	if !s.readForm(w, r) {
		return
	}
	now := s.now()
	if !s.limits.allowIP(s.clients.IP(r), now) {
		s.tooMany(w, r)
		return
	}
	rl := languageOf(r)
	if r.PostForm.Get("website") != "" {
		http.Redirect(w, r, rl.Prefix+"/donate", http.StatusSeeOther)
		return
	}
	f := &donateForm{
		Preset:    limit(r.PostForm.Get("preset"), 40),
		Other:     strings.ToValidUTF8(limit(r.PostForm.Get("other"), 40), "\uFFFD"),
		Currency:  limit(r.PostForm.Get("currency"), 10),
		Frequency: limit(r.PostForm.Get("frequency"), 20),
		Case:      strings.ToValidUTF8(limit(r.PostForm.Get("case"), 200), "\uFFFD"),
		Errors:    map[string]string{},
	}
	amount, currency := s.readDonation(r.Context(), f)
	if len(f.Errors) > 0 {
		data, err := s.donateData(r, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderDonate(w, r, data, http.StatusUnprocessableEntity)
		return
	}
	loc := s.cat.Localizer(rl.Lang)
	meta := map[string]string{donateMetadata: "donation", "lang": rl.Lang, "case": f.Case}
	price := &stripe.CheckoutSessionCreateLineItemPriceDataParams{
		Currency:    stripe.String(currency),
		UnitAmount:  stripe.Int64(amount),
		ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(loc.T("donate.product"))},
	}
	params := &stripe.CheckoutSessionCreateParams{
		LineItems:  []*stripe.CheckoutSessionCreateLineItemParams{{PriceData: price, Quantity: stripe.Int64(1)}},
		SuccessURL: stripe.String(s.baseURL + rl.Prefix + "/donate/thanks"),
		CancelURL:  stripe.String(s.baseURL + rl.Prefix + "/donate?cancelled=1"),
		Locale:     stripe.String("auto"),
		Metadata:   meta,
	}
	if stripeLocales[rl.Lang] {
		params.Locale = stripe.String(rl.Lang)
	}
	if f.Frequency == "monthly" {
		params.Mode = stripe.String(string(stripe.CheckoutSessionModeSubscription))
		price.Recurring = &stripe.CheckoutSessionCreateLineItemPriceDataRecurringParams{Interval: stripe.String("month")}
		params.SubscriptionData = &stripe.CheckoutSessionCreateSubscriptionDataParams{Metadata: meta}
	} else {
		params.Mode = stripe.String(string(stripe.CheckoutSessionModePayment))
		params.SubmitType = stripe.String("donate")
		params.PaymentIntentData = &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: meta}
	}
	session, err := s.stripe.V1CheckoutSessions.Create(r.Context(), params)
	if err != nil || session.URL == "" {
		s.log.Error("stripe checkout", "err", err)
		s.errorPage(w, r, http.StatusBadGateway, "donate.error.stripe.title", "donate.error.stripe.text")
		return
	}
	private(w)
	http.Redirect(w, r, session.URL, http.StatusSeeOther)
}

// donateThanks is where Checkout returns a donor: it thanks, and records
// nothing (the webhook does).
func (s *Server) donateThanks(w http.ResponseWriter, r *http.Request) {
	if s.stripe == nil {
		s.notFound(w, r)
		return
	}
	loc := s.cat.Localizer(languageOf(r).Lang)
	p := s.newPage(r, loc.T("donate.thanks.title"), "")
	p.Canonical = ""
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, http.StatusOK, "donate_thanks", p)
}
