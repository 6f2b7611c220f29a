package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Donations records gifts from Stripe's signed webhook and shows them to
// staff.
type Donations interface {
	// ApplyStripeEvent applies a verified event in one transaction: it
	// stores the event's id, then what the event says (a monthly gift
	// seen, a payment, a gift's end), and the receipt compose returns for
	// a payment recorded for the first time. An event already applied
	// changes nothing and reports applied false.
	ApplyStripeEvent(ctx context.Context, e StripeEvent, compose ComposeReceipt) (applied bool, err error)
	// EndMonthlyGift records that a monthly gift ended at now, unless it
	// had already ended. An unknown gift is model.ErrNotFound.
	EndMonthlyGift(ctx context.Context, giftID int64, now time.Time) error
	// MonthlyGift returns one monthly gift with its fields opened.
	MonthlyGift(ctx context.Context, giftID int64) (model.MonthlyGift, error)
	// HasActiveMonthlyGift reports whether the supporter has a monthly
	// gift that has not ended (a retention job must not erase them).
	HasActiveMonthlyGift(ctx context.Context, supporterID int64) (bool, error)
	// DonationTotals sums payments per UTC day, currency and kind (one-off
	// or monthly) from from (inclusive) to to (exclusive), oldest first.
	DonationTotals(ctx context.Context, from, to time.Time) ([]DonationTotal, error)
	// RecentDonations lists the latest payments, newest first, with their
	// fields opened.
	RecentDonations(ctx context.Context, limit int) ([]model.Donation, error)
	// ExportDonations calls fn with every payment, oldest first, fields
	// opened.
	ExportDonations(ctx context.Context, fn func(model.Donation) error) error
	// SupporterDonations lists a supporter's payments, newest first.
	SupporterDonations(ctx context.Context, supporterID int64) ([]model.Donation, error)
}

// StripeEvent is a verified Stripe event as Vigil reads it. Any of its
// parts may be empty.
type StripeEvent struct {
	ID       string // evt_…
	Type     string
	Received time.Time
	// Gift is a monthly gift the event shows (a subscription's Checkout
	// completed, its invoice paid, its end): created when unknown, its
	// empty fields filled when known. Amount 0 and "" leave what is
	// stored.
	Gift *model.MonthlyGift
	// Payment is a payment to record once (by Ref). For a monthly gift its
	// SubscriptionID names the gift.
	Payment *model.Donation
	// Ended is when the monthly gift Gift ended (zero: it did not).
	Ended time.Time
}

// ComposeReceipt writes the email thanking a donor for one payment (its
// ID and GiftID set).
type ComposeReceipt func(d model.Donation) (model.OutboxMessage, error)

// DonationTotal is the sum of one day's payments in one currency, of one
// kind.
type DonationTotal struct {
	Day      string // 2006-01-02, UTC
	Currency string
	Monthly  bool
	Count    int
	Amount   int64
}
