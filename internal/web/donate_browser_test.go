package web_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/testutil"
	"vigil/internal/web"
)

// TestBrowserDonate: with JavaScript off, in English and Arabic, the
// donate page and its refusals pass axe-core at a phone's width and a
// desk's, keep what was typed, and load nothing from another origin; a
// valid gift goes on to Stripe's Checkout, which the page's policy lets
// the form reach.
func TestBrowserDonate(t *testing.T) {
	h := newActHarness(t, false)
	st := newCountingStripe(t)
	h.withDonations(web.DonateOptions{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIURL: st.url})
	srv := httptest.NewServer(h.site)
	defer srv.Close()
	ctx := testutil.Browser(t)
	requests := testutil.RecordRequests(ctx)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}
	checkPage := func(page string) {
		t.Helper()
		for _, width := range []int{360, 1280} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900)); err != nil {
				t.Fatal(err)
			}
			scrollWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil || scrollWidth > width {
				t.Errorf("%s is %d px wide on a %d px screen (%v)", page, scrollWidth, width, err)
			}
		}
		vs, err := testutil.Axe(ctx)
		if err != nil {
			t.Fatalf("%s: axe: %v", page, err)
		}
		for _, v := range vs {
			t.Errorf("%s: axe: %s", page, v)
		}
		if err := testutil.DisableJS(ctx); err != nil { // Axe turned scripts back on
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"en", "ar", "fr", "es"} {
		page := "/" + lang + "/donate"
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+page), chromedp.WaitVisible(chromedp.CSS("form.donate-form"))); err != nil {
			t.Fatal(err)
		}
		checkPage(page)
		testutil.Screenshot(t, ctx, lang+"-donate")
		// A refused amount: the message beside the field, the value kept.
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#donate-other"), "1e9"),
			chromedp.Click(chromedp.CSS(`form.donate-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#donate-amount-error"))); err != nil {
			t.Fatal(err)
		}
		kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#donate-other")))
		if err != nil || kept != "1e9" {
			t.Errorf("%s: the amount typed came back as %q (%v)", page, kept, err)
		}
		checkPage(page + " refused")
		if lang == "ar" {
			testutil.Screenshot(t, ctx, "ar-donate-refused")
		}
	}
	if st.calls.Load() != 0 {
		t.Errorf("%d calls to Stripe for refused gifts", st.calls.Load())
	}
	for _, u := range requests() {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("request to another origin: %s", u)
		}
	}

	// A valid gift: the browser is sent on to Checkout (which this
	// offline machine cannot reach; the request shows the form-action
	// let it go).
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/en/donate"),
		chromedp.Click(chromedp.CSS(`#donate-monthly`)),
		chromedp.Click(chromedp.CSS(`form.donate-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.ContainsFunc(requests(), func(u string) bool { return strings.HasPrefix(u, "https://checkout.stripe.com/") }) {
		if time.Now().After(deadline) {
			t.Fatalf("the browser never went on to Checkout; requests: %v", requests())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.calls.Load() != 1 {
		t.Errorf("%d calls to Stripe for one gift", st.calls.Load())
	}
}
