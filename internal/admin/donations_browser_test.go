package admin

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// TestBrowserDonationsScreen: the finance role signs in with JavaScript
// off and reads the donations screen, in English and Spanish, with no
// axe violation; its menu holds the dashboard, the donations and the
// account only.
func TestBrowserDonationsScreen(t *testing.T) {
	h := newHarness(t)
	day := h.clock.UTC().Truncate(24 * time.Hour)
	h.give(store.StripeEvent{ID: "evt_1", Type: "checkout.session.completed", Received: day.Add(9 * time.Hour),
		Payment: &model.Donation{Ref: "cs_1", SessionID: "cs_1", Amount: 2500, Currency: "eur", Name: "Ana Pérez",
			Email: "ana@example.org", Lang: "es", Paid: day.Add(9 * time.Hour)}},
		store.StripeEvent{ID: "evt_2", Type: "invoice.paid", Received: day.Add(-48 * time.Hour),
			Gift:    &model.MonthlyGift{SubscriptionID: "sub_1", Amount: 1000, Currency: "usd", Email: "cy@example.org"},
			Payment: &model.Donation{Ref: "in_1", Amount: 1000, Currency: "usd", Email: "cy@example.org", Paid: day.Add(-48 * time.Hour)}})
	h.addUser("finance@example.org", model.RoleFinance)
	ctx := testutil.Browser(t)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/admin/"),
		chromedp.SendKeys(chromedp.CSS("#email"), "finance@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("nav[aria-label=Admin]"))); err != nil {
		t.Fatal(err)
	}
	menu, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("nav[aria-label=Admin]")))
	if err != nil || strings.Join(strings.Fields(menu), " ") != "Dashboard Donations My account" {
		t.Errorf("the finance role's menu: %q (%v)", menu, err)
	}
	for _, lang := range []string{"en", "es"} {
		if lang == "es" {
			if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/admin/account"),
				chromedp.SetValue(chromedp.CSS(`select[name="lang"]`), "es"),
				chromedp.Submit(chromedp.CSS(`select[name="lang"]`)),
				chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/admin/donations"), chromedp.WaitVisible(chromedp.CSS("svg.chart"))); err != nil {
			t.Fatal(err)
		}
		vs, err := testutil.Axe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Errorf("%s donations screen: axe: %s", lang, v)
		}
		if err := testutil.DisableJS(ctx); err != nil {
			t.Fatal(err)
		}
		testutil.Screenshot(t, ctx, "admin-donations-"+lang)
	}
}
