package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
)

// TestWebhooksScreen: an admin adds a receiver (bad input said beside the
// field), sees its deliveries and failures, sends one again and removes
// the receiver; the secret is never shown.
func TestWebhooksScreen(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	b := h.browser()
	b.login("admin@example.org")
	if page := b.get("/admin/webhooks"); page.status != http.StatusOK || !strings.Contains(page.body, "No receiver yet.") {
		t.Fatalf("webhooks page: %d", page.status)
	}
	a := b.post("/admin/webhooks", "/admin/webhooks", url.Values{"url": {"http://crm.example.org/in"}, "secret": {"short"},
		"event": {"signature", "donation"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `value="http://crm.example.org/in"`) ||
		!strings.Contains(a.body, "Give an https URL") || !strings.Contains(a.body, "16 to 200 characters") ||
		!strings.Contains(a.body, "Choose events from the list.") {
		t.Errorf("bad receiver: %d\n%s", a.status, a.body)
	}
	a = b.post("/admin/webhooks", "/admin/webhooks", url.Values{"url": {"https://crm.example.org/in"},
		"secret": {"a secret of some length"}, "event": {"signature", "erasure"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("add a receiver: %d\n%s", a.status, a.body)
	}
	hooks, err := h.db.Webhooks(ctx)
	if err != nil || len(hooks) != 1 || hooks[0].Secret != "a secret of some length" || hooks[0].CreatedBy != "admin@example.org" ||
		!hooks[0].Wants(model.EventErasure) || hooks[0].Wants(model.EventOutreach) {
		t.Fatalf("stored %+v, %v", hooks, err)
	}
	// A signature queues a delivery; a refusal shows on the page.
	if _, err := h.db.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: h.clock,
		Supporter: model.Supporter{Email: "hook@example.org", Lang: "en"}}); err != nil {
		t.Fatal(err)
	}
	claimed, err := h.db.ClaimDeliveries(ctx, h.clock, h.clock.Add(time.Minute), 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %+v, %v", claimed, err)
	}
	if err := h.db.MarkDelivery(ctx, claimed[0].ID, false, h.clock, h.clock.Add(time.Minute), 503, "the receiver answered 503"); err != nil {
		t.Fatal(err)
	}
	page := b.get("/admin/webhooks")
	for _, want := range []string{"https://crm.example.org/in", "signature, erasure", "HTTP 503", "1 of the latest deliveries failed"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("webhooks page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "a secret of some length") {
		t.Error("the secret is on the page")
	}
	if a := b.post("/admin/webhooks", "/admin/webhooks/deliveries/"+itoa(claimed[0].ID)+"/resend", nil); a.status != http.StatusSeeOther {
		t.Errorf("resend: %d", a.status)
	}
	ds, err := h.db.Deliveries(ctx, hooks[0].ID, 1)
	if err != nil || ds[0].State != model.DeliveryQueued || ds[0].Attempts != 0 {
		t.Errorf("after resending: %+v, %v", ds, err)
	}
	if a := b.post("/admin/webhooks", "/admin/webhooks/"+itoa(hooks[0].ID)+"/remove", nil); a.status != http.StatusSeeOther {
		t.Errorf("remove: %d", a.status)
	}
	if hooks, err := h.db.Webhooks(ctx); err != nil || len(hooks) != 0 {
		t.Errorf("after removing: %+v, %v", hooks, err)
	}
	log, err := h.db.AuditLog(ctx, store.AuditFilter{Action: "webhook."})
	if err != nil || len(log) != 3 || log[0].Action != "webhook.remove" || log[2].UserEmail != "admin@example.org" ||
		strings.Contains(log[2].After, "secret of some length") {
		t.Errorf("audit %+v, %v", log, err)
	}
}
