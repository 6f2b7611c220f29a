package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// RunDonations runs the conformance tests of gifts recorded from Stripe's
// webhook.
func RunDonations(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"OneOffOnce", testOneOffOnce},
		{"MonthlyOutOfOrder", testMonthlyOutOfOrder},
		{"EndBeforeStart", testEndBeforeStart},
		{"DonorLinkedAndErased", testDonorLinkedAndErased},
		{"DonationTotals", testDonationTotals},
		{"ConcurrentEvents", testConcurrentEvents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var giveNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// receipts composes a receipt per payment and counts them.
type receipts struct{ n int }

func (r *receipts) compose(d model.Donation) (model.OutboxMessage, error) {
	r.n++
	if d.ID == 0 || d.Email == "" {
		return model.OutboxMessage{}, fmt.Errorf("receipt for payment %+v without id or address", d)
	}
	return model.OutboxMessage{MessageID: fmt.Sprintf("donation-%d-%d@vigil.test", d.ID, time.Now().UnixNano()),
		Kind: "donation", Sealed: []byte("sealed")}, nil
}

func apply(t *testing.T, s Store, r *receipts, e store.StripeEvent) bool {
	t.Helper()
	applied, err := s.ApplyStripeEvent(ctx, e, r.compose)
	if err != nil {
		t.Fatalf("apply %s: %v", e.ID, err)
	}
	return applied
}

func queued(t *testing.T, s Store) int {
	t.Helper()
	counts, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return counts[model.MessageQueued]
}

func recent(t *testing.T, s Store) []model.Donation {
	t.Helper()
	ds, err := s.RecentDonations(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func oneOff(ref, email string) *model.Donation {
	return &model.Donation{Ref: ref, SessionID: ref, Amount: 2500, Currency: "eur", Lang: "fr", CaseSlug: "cecot",
		Name: "Ana Pérez", Email: email, Paid: giveNow}
}

func testOneOffOnce(t *testing.T, s Store) {
	var r receipts
	e := store.StripeEvent{ID: "evt_1", Type: "checkout.session.completed", Received: giveNow, Payment: oneOff("cs_1", "ana@example.org")}
	if !apply(t, s, &r, e) {
		t.Fatal("first delivery not applied")
	}
	if apply(t, s, &r, e) {
		t.Error("a retried event applied again")
	}
	// The same payment told by another event (async payment succeeded)
	// is not recorded twice.
	e2 := e
	e2.ID, e2.Type = "evt_2", "checkout.session.async_payment_succeeded"
	if !apply(t, s, &r, e2) {
		t.Error("a new event not applied")
	}
	ds := recent(t, s)
	if len(ds) != 1 {
		t.Fatalf("%d donations, want 1", len(ds))
	}
	d := ds[0]
	if d.Amount != 2500 || d.Currency != "eur" || d.Monthly || d.Name != "Ana Pérez" || d.Email != "ana@example.org" ||
		d.CaseSlug != "cecot" || d.Lang != "fr" || !d.Paid.Equal(giveNow) {
		t.Errorf("stored %+v", d)
	}
	if r.n != 1 || queued(t, s) != 1 {
		t.Errorf("%d receipts composed, %d queued; want one", r.n, queued(t, s))
	}
}

func gift(sub, email string) *model.MonthlyGift {
	return &model.MonthlyGift{SubscriptionID: sub, CustomerID: "cus_1", Amount: 1000, Currency: "usd", Email: email}
}

func testMonthlyOutOfOrder(t *testing.T, s Store) {
	var r receipts
	// The first invoice's payment arrives before the Checkout Session's
	// completion, which knows the name and the case.
	inv := store.StripeEvent{ID: "evt_inv1", Type: "invoice.paid", Received: giveNow, Gift: gift("sub_1", "bo@example.org"),
		Payment: &model.Donation{Ref: "in_1", Amount: 1000, Currency: "usd", Email: "bo@example.org", Paid: giveNow}}
	apply(t, s, &r, inv)
	g := gift("sub_1", "bo@example.org")
	g.Name, g.CaseSlug, g.Lang = "Bo", "cecot", "ar"
	done := store.StripeEvent{ID: "evt_cs", Type: "checkout.session.completed", Received: giveNow.Add(time.Second), Gift: g,
		Payment: &model.Donation{Ref: "in_1", SessionID: "cs_9", Amount: 1000, Currency: "usd", Name: "Bo", Email: "bo@example.org",
			CaseSlug: "cecot", Lang: "ar", Paid: giveNow}}
	apply(t, s, &r, done)
	if ds := recent(t, s); len(ds) != 1 || !ds[0].Monthly || ds[0].SubscriptionID != "sub_1" {
		t.Fatalf("after the first invoice and the session: %+v, want one monthly payment", ds)
	}
	if r.n != 1 {
		t.Errorf("%d receipts for the first payment", r.n)
	}
	// A later month: the gift's details carry over.
	next := store.StripeEvent{ID: "evt_inv2", Type: "invoice.paid", Received: giveNow.AddDate(0, 1, 0), Gift: gift("sub_1", ""),
		Payment: &model.Donation{Ref: "in_2", Amount: 1000, Currency: "usd", Paid: giveNow.AddDate(0, 1, 0)}}
	apply(t, s, &r, next)
	ds := recent(t, s)
	if len(ds) != 2 || ds[0].Ref != "in_2" || ds[0].Name != "Bo" || ds[0].Lang != "ar" || ds[0].CaseSlug != "cecot" || !ds[0].Monthly {
		t.Fatalf("after a second month: %+v", ds)
	}
	if r.n != 2 || queued(t, s) != 2 {
		t.Errorf("%d receipts, %d queued after two months; want 2", r.n, queued(t, s))
	}
	id := giftID(t, s, "sub_1")
	stored, err := s.MonthlyGift(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "Bo" || stored.Lang != "ar" || stored.Amount != 1000 || !stored.Active() {
		t.Errorf("gift %+v", stored)
	}
	// Its end, twice (the donor's stop, then the webhook): the first date
	// stays.
	if err := s.EndMonthlyGift(ctx, id, giveNow.AddDate(0, 2, 0)); err != nil {
		t.Fatal(err)
	}
	apply(t, s, &r, store.StripeEvent{ID: "evt_del", Type: "customer.subscription.deleted", Received: giveNow.AddDate(0, 3, 0),
		Gift: gift("sub_1", ""), Ended: giveNow.AddDate(0, 3, 0)})
	if stored, _ = s.MonthlyGift(ctx, id); !stored.Ended.Equal(giveNow.AddDate(0, 2, 0)) {
		t.Errorf("ended %v, want the first end", stored.Ended)
	}
	if err := s.EndMonthlyGift(ctx, 999999, giveNow); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("ending an unknown gift: %v", err)
	}
}

// giftID finds a gift's id through the payments' receipts: the store
// gives payments, not gift ids, so read it from the first one applied.
func giftID(t *testing.T, s Store, sub string) int64 {
	t.Helper()
	var id int64
	_, err := s.ApplyStripeEvent(ctx, store.StripeEvent{ID: "evt_probe_" + sub, Type: "invoice.paid", Received: giveNow,
		Gift: &model.MonthlyGift{SubscriptionID: sub}, Payment: &model.Donation{Ref: "probe_" + sub, Amount: 1, Currency: "usd",
			Paid: giveNow}},
		func(d model.Donation) (model.OutboxMessage, error) {
			id = d.GiftID
			return model.OutboxMessage{MessageID: "probe-" + sub + "@vigil.test", Kind: "donation", Sealed: []byte("x")}, nil
		})
	if err != nil || id == 0 {
		t.Fatalf("gift of %s: %d, %v", sub, id, err)
	}
	return id
}

func testEndBeforeStart(t *testing.T, s Store) {
	var r receipts
	end := giveNow.Add(time.Hour)
	apply(t, s, &r, store.StripeEvent{ID: "evt_del", Type: "customer.subscription.deleted", Received: end,
		Gift: &model.MonthlyGift{SubscriptionID: "sub_2", Amount: 500, Currency: "gbp"}, Ended: end})
	g := gift("sub_2", "cy@example.org")
	apply(t, s, &r, store.StripeEvent{ID: "evt_cs", Type: "checkout.session.completed", Received: end.Add(time.Minute), Gift: g,
		Payment: &model.Donation{Ref: "in_9", Amount: 500, Currency: "gbp", Email: "cy@example.org", Paid: giveNow}})
	stored, err := s.MonthlyGift(ctx, giftID(t, s, "sub_2"))
	if err != nil {
		t.Fatal(err)
	}
	if stored.Active() || !stored.Ended.Equal(end) || stored.Email != "cy@example.org" || stored.Amount != 500 {
		t.Errorf("a gift ended before it was seen starting: %+v", stored)
	}
}

func testDonorLinkedAndErased(t *testing.T, s Store) {
	petition(t, s, "sign")
	signed := sign(t, s, "sign", "dee@example.org", "", true)
	var r receipts
	apply(t, s, &r, store.StripeEvent{ID: "evt_1", Type: "checkout.session.completed", Received: giveNow,
		Payment: oneOff("cs_1", "dee@example.org")})
	apply(t, s, &r, store.StripeEvent{ID: "evt_2", Type: "checkout.session.completed", Received: giveNow, Gift: gift("sub_3", "dee@example.org"),
		Payment: &model.Donation{Ref: "in_3", Amount: 1000, Currency: "usd", Email: "dee@example.org", Paid: giveNow}})
	apply(t, s, &r, store.StripeEvent{ID: "evt_3", Type: "checkout.session.completed", Received: giveNow,
		Payment: oneOff("cs_other", "someone@example.org")})
	mine, err := s.SupporterDonations(ctx, signed.SupporterID)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 2 || mine[0].SupporterID != signed.SupporterID {
		t.Fatalf("the supporter's gifts: %+v", mine)
	}
	if active, err := s.HasActiveMonthlyGift(ctx, signed.SupporterID); err != nil || !active {
		t.Errorf("active monthly gift: %v, %v; want true", active, err)
	}
	if err := s.EraseSupporter(ctx, signed.SupporterID, giveNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	mine, err = s.SupporterDonations(ctx, signed.SupporterID)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 2 {
		t.Fatalf("%d gifts after erasure, want the 2 financial records kept", len(mine))
	}
	for _, d := range mine {
		if d.Name != "" || d.Email != "" || d.Erased.IsZero() || d.Amount == 0 || d.Currency == "" || d.Ref == "" || d.Paid.IsZero() {
			t.Errorf("after erasure: %+v", d)
		}
	}
	// The erased donor's monthly gift runs on at Stripe: its next payment
	// is recorded without them, and no receipt can be sent.
	before := r.n
	apply(t, s, &r, store.StripeEvent{ID: "evt_4", Type: "invoice.paid", Received: giveNow.AddDate(0, 1, 0),
		Gift: gift("sub_3", "dee@example.org"), Payment: &model.Donation{Ref: "in_4", Amount: 1000, Currency: "usd",
			Email: "dee@example.org", Name: "Dee", Paid: giveNow.AddDate(0, 1, 0)}})
	if ds := recent(t, s); ds[0].Ref != "in_4" || ds[0].Email != "" || ds[0].Name != "" || r.n != before {
		t.Errorf("a payment after erasure: %+v, receipts %d -> %d", ds[0], before, r.n)
	}
	// Another donor is untouched.
	for _, d := range recent(t, s) {
		if d.Ref == "cs_other" && d.Email != "someone@example.org" {
			t.Errorf("another donor's gift erased: %+v", d)
		}
	}
}

func testDonationTotals(t *testing.T, s Store) {
	var r receipts
	pay := func(id, ref, currency string, amount int64, at time.Time, sub string) {
		e := store.StripeEvent{ID: id, Type: "checkout.session.completed", Received: at,
			Payment: &model.Donation{Ref: ref, Amount: amount, Currency: currency, Email: "x@example.org", Paid: at}}
		if sub != "" {
			e.Gift = gift(sub, "x@example.org")
		}
		apply(t, s, &r, e)
	}
	d1 := time.Date(2026, 11, 1, 23, 59, 0, 0, time.UTC)
	d2 := time.Date(2026, 11, 2, 0, 1, 0, 0, time.UTC)
	pay("e1", "r1", "eur", 1000, d1, "")
	pay("e2", "r2", "eur", 2550, d1, "")
	pay("e3", "r3", "usd", 500, d1, "")
	pay("e4", "r4", "eur", 1000, d2, "sub_t")
	pay("e5", "r5", "eur", 9999, d2.AddDate(0, 1, 0), "") // outside the range
	got, err := s.DonationTotals(ctx, day(2026, 11, 1), day(2026, 11, 3))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.DonationTotal{
		{Day: "2026-11-01", Currency: "eur", Count: 2, Amount: 3550},
		{Day: "2026-11-01", Currency: "usd", Count: 1, Amount: 500},
		{Day: "2026-11-02", Currency: "eur", Monthly: true, Count: 1, Amount: 1000},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("totals\n got %v\nwant %v", got, want)
	}
	var exported int
	if err := s.ExportDonations(ctx, func(model.Donation) error { exported++; return nil }); err != nil || exported != 5 {
		t.Errorf("export: %d rows, %v", exported, err)
	}
}

// testConcurrentEvents: Stripe sends a new monthly gift's first invoice
// and its session's completion at once, and retries each; every event is
// applied once, the gift stored once, its payment recorded once.
func testConcurrentEvents(t *testing.T, s Store) {
	var mu sync.Mutex
	receipts := 0
	compose := func(d model.Donation) (model.OutboxMessage, error) {
		mu.Lock()
		receipts++
		mu.Unlock()
		return model.OutboxMessage{MessageID: fmt.Sprintf("donation-%d@vigil.test", d.ID), Kind: "donation", Sealed: []byte("x")}, nil
	}
	events := []store.StripeEvent{
		{ID: "evt_inv", Type: "invoice.paid", Received: giveNow, Gift: gift("sub_c", "c@example.org"),
			Payment: &model.Donation{Ref: "in_c", Amount: 1000, Currency: "usd", Email: "c@example.org", Paid: giveNow}},
		{ID: "evt_cs", Type: "checkout.session.completed", Received: giveNow, Gift: gift("sub_c", "c@example.org"),
			Payment: &model.Donation{Ref: "in_c", Amount: 1000, Currency: "usd", Email: "c@example.org", Paid: giveNow}},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		for _, e := range events {
			wg.Go(func() {
				if _, err := s.ApplyStripeEvent(ctx, e, compose); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent event: %v", err)
	}
	if ds := recent(t, s); len(ds) != 1 || receipts != 1 {
		t.Errorf("%d payments, %d receipts after concurrent events; want 1 and 1", len(ds), receipts)
	}
}
