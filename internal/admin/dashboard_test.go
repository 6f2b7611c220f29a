package admin

import (
	"html"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
)

// TestDashboardShowsWhyMailWaits: a message the SMTP server could not take
// (here, no STARTTLS off this machine) stays queued, and the dashboard
// says why.
func TestDashboardShowsWhyMailWaits(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")
	if page := b.get("/admin/"); strings.Contains(page.body, "Queued mail is waiting") {
		t.Fatalf("a problem shown with none:\n%s", page.body)
	}
	m := &model.OutboxMessage{MessageID: "waiting@vigil.test", Kind: "appeal", Sealed: []byte("x"), CreatedAt: h.clock}
	if err := h.db.EnqueueMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.ClaimMessages(ctx, h.clock, h.clock.Add(time.Minute), 10); err != nil {
		t.Fatal(err)
	}
	reason := "SMTP server settings: smtp STARTTLS: mail.example.org:587: the server does not offer STARTTLS, " +
		"and mail is not sent in clear to another machine (add ?tls=none to the SMTP URL only for a relay you trust)"
	if err := h.db.MarkRetry(ctx, m.ID, h.clock.Add(5*time.Minute), reason); err != nil {
		t.Fatal(err)
	}
	page := b.get("/admin/")
	body := html.UnescapeString(page.body)
	if page.status != 200 || !strings.Contains(body, "Queued mail is waiting") || !strings.Contains(body, reason) {
		t.Fatalf("dashboard (%d) does not say why mail waits:\n%s", page.status, page.body)
	}
}
