package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// maxWebhookBytes bounds an event's body: Stripe's events about a
// Checkout Session, an invoice or a subscription are a few kilobytes.
const maxWebhookBytes = 256 << 10

// stripeWebhook records what Stripe's signed events say (docs/decisions.md,
// "Donations"). A wrong or stale signature is 400 and nothing is stored;
// an event applied before, or about something else, is 200 so that Stripe
// stops retrying it; a failure to store is 500, so that it retries.
// Refusals spend the client's form budget: a client that has spent it is
// answered 429 before its body is read, and Stripe, whose events are
// signed, never spends any.
func (s *Server) stripeWebhook(w http.ResponseWriter, r *http.Request) {
	if s.webhookSecret == "" {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	ip := s.clients.IP(r)
	if s.limits.exhausted(ip, s.now()) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "too many refused events from this address; try again in a minute", http.StatusTooManyRequests)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBytes))
	if err != nil {
		s.limits.allowIP(ip, s.now())
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	ev, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), s.webhookSecret)
	if err != nil {
		s.limits.allowIP(ip, s.now())
		s.log.Warn("stripe webhook refused", "err", err)
		http.Error(w, "signature refused: "+webhookReason(err), http.StatusBadRequest)
		return
	}
	e, ok, err := stripeEvent(ev, s.now())
	if err != nil {
		s.log.Warn("stripe webhook unreadable", "event", ev.ID, "type", ev.Type, "err", err)
		http.Error(w, "event not understood", http.StatusBadRequest)
		return
	}
	if !ok {
		fmt.Fprintln(w, "ignored")
		return
	}
	applied, err := s.store.ApplyStripeEvent(r.Context(), e, func(d model.Donation) (model.OutboxMessage, error) {
		return s.composer.DonationReceipt(d, e.Received)
	})
	if err != nil {
		s.log.Error("stripe webhook", "event", ev.ID, "err", err)
		http.Error(w, "not stored, try again", http.StatusInternalServerError)
		return
	}
	if applied {
		s.mailer.Wake()
		fmt.Fprintln(w, "recorded")
		return
	}
	fmt.Fprintln(w, "already recorded")
}

// webhookReason names why a signature was refused, without echoing
// anything of the request.
func webhookReason(err error) string {
	switch {
	case errors.Is(err, webhook.ErrTooOld):
		return "timestamp outside the tolerance"
	case errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader):
		return "no valid signature"
	default:
		return "not a valid event"
	}
}

// stripeEvent reads what Vigil records from an event; ok is false for an
// event about something else (another type, another product of the
// account, a session not paid yet).
func stripeEvent(ev stripe.Event, now time.Time) (e store.StripeEvent, ok bool, err error) {
	e = store.StripeEvent{ID: ev.ID, Type: string(ev.Type), Received: now}
	at := func(unix int64) time.Time {
		if unix <= 0 {
			unix = ev.Created
		}
		if unix <= 0 {
			return now
		}
		return time.Unix(unix, 0).UTC()
	}
	if ev.Data == nil {
		return e, false, errors.New("no data")
	}
	switch ev.Type {
	case stripe.EventTypeCheckoutSessionCompleted, stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded:
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
			return e, false, err
		}
		if cs.Metadata[donateMetadata] != "donation" || cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid {
			return e, false, nil
		}
		d := &model.Donation{Ref: cs.ID, SessionID: cs.ID, Amount: cs.AmountTotal, Currency: string(cs.Currency),
			CaseSlug: cs.Metadata["case"], Lang: cs.Metadata["lang"], Paid: at(0)}
		if cs.Customer != nil {
			d.CustomerID = cs.Customer.ID
		}
		if cd := cs.CustomerDetails; cd != nil {
			d.Name, d.Email = cd.Name, normalisedDonor(cd.Email)
		}
		if d.Email == "" {
			d.Email = normalisedDonor(cs.CustomerEmail)
		}
		if cs.Mode == stripe.CheckoutSessionModeSubscription && cs.Subscription != nil && cs.Subscription.ID != "" {
			d.Monthly, d.SubscriptionID = true, cs.Subscription.ID
			if cs.Invoice != nil && cs.Invoice.ID != "" {
				d.Ref = cs.Invoice.ID // what the first invoice.paid names too
			}
			e.Gift = &model.MonthlyGift{SubscriptionID: d.SubscriptionID, CustomerID: d.CustomerID, Amount: d.Amount,
				Currency: d.Currency, CaseSlug: d.CaseSlug, Lang: d.Lang, Name: d.Name, Email: d.Email, Started: at(cs.Created)}
		}
		if d.Amount <= 0 || !model.ValidCurrency(d.Currency) {
			return e, false, fmt.Errorf("session %s: amount %d %q", cs.ID, d.Amount, d.Currency)
		}
		e.Payment = d
		return e, true, nil
	case stripe.EventTypeInvoicePaid:
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return e, false, err
		}
		if inv.Parent == nil || inv.Parent.SubscriptionDetails == nil || inv.Parent.SubscriptionDetails.Subscription == nil {
			return e, false, nil
		}
		details := inv.Parent.SubscriptionDetails
		if details.Metadata[donateMetadata] != "donation" {
			return e, false, nil
		}
		g := &model.MonthlyGift{SubscriptionID: details.Subscription.ID, Amount: inv.AmountPaid, Currency: string(inv.Currency),
			CaseSlug: details.Metadata["case"], Lang: details.Metadata["lang"], Name: inv.CustomerName,
			Email: normalisedDonor(inv.CustomerEmail), Started: at(inv.Created)}
		if inv.Customer != nil {
			g.CustomerID = inv.Customer.ID
		}
		e.Gift = g
		if inv.AmountPaid > 0 {
			paid := int64(0)
			if inv.StatusTransitions != nil {
				paid = inv.StatusTransitions.PaidAt
			}
			e.Payment = &model.Donation{Ref: inv.ID, SubscriptionID: g.SubscriptionID, CustomerID: g.CustomerID,
				Amount: inv.AmountPaid, Currency: g.Currency, Monthly: true, CaseSlug: g.CaseSlug, Lang: g.Lang,
				Name: g.Name, Email: g.Email, Paid: at(paid)}
		}
		return e, true, nil
	case stripe.EventTypeCustomerSubscriptionDeleted:
		var sub stripe.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil {
			return e, false, err
		}
		if sub.Metadata[donateMetadata] != "donation" {
			return e, false, nil
		}
		g := &model.MonthlyGift{SubscriptionID: sub.ID, Currency: string(sub.Currency), CaseSlug: sub.Metadata["case"],
			Lang: sub.Metadata["lang"], Started: at(sub.StartDate)}
		if sub.Customer != nil {
			g.CustomerID = sub.Customer.ID
		}
		if sub.Items != nil && len(sub.Items.Data) > 0 && sub.Items.Data[0].Price != nil {
			g.Amount = sub.Items.Data[0].Price.UnitAmount
		}
		e.Gift, e.Ended = g, at(sub.EndedAt)
		return e, true, nil
	}
	return e, false, nil
}

// normalisedDonor is the donor's address as Vigil keeps addresses, or ""
// when it does not parse.
func normalisedDonor(email string) string {
	n, err := secret.NormaliseEmail(email)
	if err != nil {
		return ""
	}
	return n
}
