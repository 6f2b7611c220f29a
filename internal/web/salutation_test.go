package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/testutil"
)

// TestEachOfficialAddressedByName: an appeal to several officials reaches
// each of them opening with their own salutation, in their own language
// (a generic one when none is set), never another's, one email each and
// in the daily digest; the form says who the letter goes to. On both
// databases, the emails read back from mailpit.
func TestEachOfficialAddressedByName(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) harnessDB
	}{
		{"SQLite", func(t *testing.T) harnessDB { return testutil.SQLite(t) }},
		{"PostgreSQL", func(t *testing.T) harnessDB { return testutil.PostgresStore(t) }},
	} {
		t.Run(db.name, func(t *testing.T) { testEachOfficialAddressed(t, newActHarnessOn(t, true, db.open(t))) })
	}
}

func testEachOfficialAddressed(t *testing.T, h *actHarness) {
	ctx := context.Background()
	targets := []model.Target{
		{Name: "Kristi Noem", Title: "Secretary of Homeland Security", Email: "noem@example.org", Salutation: "Dear Secretary Noem,", Lang: "en"},
		{Name: "Marco Rubio", Title: "Secretary of State", Email: "rubio@example.org", Salutation: "Dear Secretary Rubio,", Lang: "en"},
		{Name: "Milena Mayorga", Title: "Ambassador", Email: "mayorga@example.org", Salutation: "Estimada Embajadora Mayorga:", Lang: "es"},
		{Name: "Ana Ofelia", Email: "ofelia@example.org", Lang: "es"}, // no salutation set
	}
	for _, mode := range []model.DeliveryMode{model.DeliverEach, model.DeliverDigest} {
		a := &model.Action{Slug: "write-" + string(mode), Lang: "en", Kind: model.ActionAppeal, Title: "Write to the officials",
			Published: testutil.Now.Add(-time.Hour), Deadline: testutil.Now.Add(30 * 24 * time.Hour),
			Delivery: mode, Subject: "The men held in CECOT", Letter: "{{salutation}}\n\nI am writing about the men held in CECOT.",
			SendFromHour: 0, SendToHour: 24, TimeZone: "UTC", Targets: targets}
		if err := h.db.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}

	// The form shows the body to edit, and how each copy will open.
	page := get(t, h.site, "/actions/write-each")
	if page.status != http.StatusOK {
		t.Fatalf("action page: %d", page.status)
	}
	for _, want := range []string{"Dear Secretary Noem,", "Dear Secretary Rubio,", "Estimada Embajadora Mayorga:",
		"Estimado/a Ana Ofelia:", "Each official receives a copy of their own"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the appeal form does not show %q", want)
		}
	}
	letter := ""
	if m := regexp.MustCompile(`(?s)name="letter"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page.body); m != nil {
		letter = m[1]
	}
	if strings.Contains(letter, "Dear") || strings.Contains(letter, "{{salutation}}") || !strings.Contains(letter, "I am writing about") {
		t.Errorf("the letter to edit is not the body alone: %q", letter)
	}

	// One supporter appeals through both actions, with an edited body,
	// and confirms each.
	for _, slug := range []string{"write-each", "write-digest"} {
		v := appeal("Ana Pérez", "ana@example.org")
		v.Set("letter", "Please let the men call their families. ("+slug+")")
		if r := h.post("/actions/"+slug, v); r.status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", slug, r.status, text(r.body))
		}
	}
	h.confirmByEmail(2)

	h.runner.Once(ctx)
	h.deliver()
	msgs := h.mp.WaitForMessages(t, 2*len(targets), 5*time.Second)
	if len(msgs) != 2*len(targets) {
		t.Fatalf("%d emails, want one appeal and one digest per official (%d)", len(msgs), 2*len(targets))
	}
	opens := map[string]string{
		"noem@example.org": "Dear Secretary Noem,", "rubio@example.org": "Dear Secretary Rubio,",
		"mayorga@example.org": "Estimada Embajadora Mayorga:", "ofelia@example.org": "Estimado/a Ana Ofelia:",
	}
	seen := map[string]int{}
	for _, s := range msgs {
		m := h.mp.Message(t, s.ID)
		body := strings.ReplaceAll(m.Text, "\r\n", "\n")
		to := m.To[0].Address
		want, ok := opens[to]
		if !ok {
			t.Errorf("an email to %s", to)
			continue
		}
		seen[to]++
		if !strings.HasPrefix(body, want+"\n") {
			t.Errorf("to %s, the email opens %q, want %q", to, firstLine(body), want)
		}
		for other, salutation := range opens {
			if other != to && strings.Contains(body, salutation) {
				t.Errorf("the email to %s greets %s too (%q)", to, other, salutation)
			}
		}
		if !strings.Contains(body, "Please let the men call their families.") {
			t.Errorf("to %s, the supporter's letter is missing:\n%s", to, body)
		}
	}
	for to := range opens {
		if seen[to] != 2 {
			t.Errorf("%s received %d emails, want the appeal and the digest", to, seen[to])
		}
	}
}

func firstLine(s string) string { line, _, _ := strings.Cut(s, "\n"); return line }
