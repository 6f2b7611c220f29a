package admin

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
)

// giveTo records gifts as Stripe's webhook would.
func (h *harness) give(events ...store.StripeEvent) {
	h.t.Helper()
	for _, e := range events {
		if _, err := h.db.ApplyStripeEvent(ctx, e, func(d model.Donation) (model.OutboxMessage, error) {
			return h.composer.DonationReceipt(d, e.Received)
		}); err != nil {
			h.t.Fatal(err)
		}
	}
}

func TestDonationsScreen(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		day := h.clock.UTC().Truncate(24 * time.Hour)
		h.give(
			store.StripeEvent{ID: "evt_1", Type: "checkout.session.completed", Received: day.Add(9 * time.Hour),
				Payment: &model.Donation{Ref: "cs_1", SessionID: "cs_1", Amount: 2500, Currency: "eur", Name: "Ana Pérez",
					Email: "ana@example.org", Lang: "es", Paid: day.Add(9 * time.Hour)}},
			store.StripeEvent{ID: "evt_2", Type: "checkout.session.completed", Received: day.Add(10 * time.Hour),
				Payment: &model.Donation{Ref: "cs_2", SessionID: "cs_2", Amount: 1050, Currency: "eur", Name: "=cmd|' /C calc'!A0",
					Email: "bo@example.org", Lang: "en", Paid: day.Add(10 * time.Hour)}},
			store.StripeEvent{ID: "evt_3", Type: "invoice.paid", Received: day.Add(-24 * time.Hour),
				Gift: &model.MonthlyGift{SubscriptionID: "sub_1", Amount: 1000, Currency: "usd", Email: "cy@example.org", Lang: "fr"},
				Payment: &model.Donation{Ref: "in_1", Amount: 1000, Currency: "usd", Email: "cy@example.org",
					Paid: day.Add(-24 * time.Hour)}},
		)
		h.addUser("finance@example.org", model.RoleFinance)
		b := h.browser()
		b.login("finance@example.org")
		a := b.get("/admin/donations")
		if a.status != http.StatusOK {
			t.Fatalf("donations screen: %d\n%s", a.status, a.body)
		}
		for _, want := range []string{"35.50 EUR", "(2)", "10.00 USD", "monthly", "Ana Pérez &lt;ana@example.org&gt;",
			`<svg class="chart"`, "EUR: 35.50 in the last 30 days", "in_1"} {
			if !strings.Contains(a.body, want) {
				t.Errorf("donations screen lacks %q", want)
			}
		}
		if strings.Contains(a.body, "style=") || strings.Contains(a.body, "<script") {
			t.Error("the donations screen has an inline style or a script")
		}
		// The finance role sees no other personal data, and its menu says so.
		if strings.Contains(a.body, `href="/admin/supporters"`) {
			t.Error("the finance role is offered the supporters")
		}
		if b.get("/admin/supporters").status != http.StatusForbidden {
			t.Error("the finance role opens the supporters")
		}

		csvAnswer := b.get("/admin/donations.csv")
		rows, err := csv.NewReader(strings.NewReader(csvAnswer.body)).ReadAll()
		if err != nil || len(rows) != 4 {
			t.Fatalf("CSV: %d rows, %v\n%s", len(rows), err, csvAnswer.body)
		}
		if rows[0][0] != "date" || rows[1][1] != "25.00" || rows[1][2] != "EUR" || rows[1][7] != "ana@example.org" {
			t.Errorf("CSV rows %q", rows[:2])
		}
		if !strings.HasPrefix(rows[2][6], "'=") {
			t.Errorf("a formula in a donor's name reached the CSV as %q", rows[2][6])
		}
		entries, err := h.db.AuditLog(ctx, store.AuditFilter{UserEmail: "finance@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, " "); !strings.Contains(got, "export.donations") || !strings.Contains(got, "donations.read") {
			t.Errorf("audit of the finance user: %q", got)
		}
	})
}

// TestSupporterPageShowsGifts: a supporter's page lists the gifts made
// with their address; erasing them keeps the amounts, not the donor.
func TestSupporterPageShowsGifts(t *testing.T) {
	h := newHarness(t)
	sup := signAs(t, h, "dee@example.org")
	h.give(store.StripeEvent{ID: "evt_1", Type: "checkout.session.completed", Received: h.clock,
		Gift:    &model.MonthlyGift{SubscriptionID: "sub_dee", Amount: 700, Currency: "gbp", Email: "dee@example.org"},
		Payment: &model.Donation{Ref: "in_dee", Amount: 700, Currency: "gbp", Name: "Dee", Email: "dee@example.org", Paid: h.clock}})
	h.addUser("admin@example.org", model.RoleAdmin)
	b := h.browser()
	b.login("admin@example.org")
	page := b.get("/admin/supporters/" + itoa(sup))
	for _, want := range []string{"7.00 GBP", "monthly", "in_dee"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("supporter page lacks %q", want)
		}
	}
	if active, err := h.db.HasActiveMonthlyGift(ctx, sup); err != nil || !active {
		t.Errorf("active monthly gift: %v %v", active, err)
	}
	if !strings.Contains(sqlcore.ActiveMonthlyGift, "monthly_gifts") {
		t.Error("the retention condition names no gift")
	}
}

// signAs makes a supporter by signing the demo petition.
func signAs(t *testing.T, h *harness, email string) int64 {
	t.Helper()
	res, err := h.db.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: h.clock,
		Supporter: model.Supporter{Email: email, Lang: "en"}})
	if err != nil {
		t.Fatal(err)
	}
	return res.SupporterID
}
