package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
)

// RunSupporters runs the conformance tests of staff work on supporters:
// erasure, export and import.
func RunSupporters(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"EraseKeepsCounts", testEraseKeepsCounts},
		{"EraseReachesDigests", testEraseReachesDigests},
		{"EraseInactive", testEraseInactive},
		{"PrivacyRequests", testPrivacyRequests},
		{"EmailChoices", testEmailChoices},
		{"ExportInBatches", testExportInBatches},
		{"ExportSubscribers", testExportSubscribers},
		{"ImportKeepsChoices", testImportKeepsChoices},
		{"UpdateReachesTheReachable", testUpdateReachesTheReachable},
		{"APIKeys", testAPIKeys},
		{"PeopleSyncByModified", testPeopleSyncByModified},
		{"ParticipationsPage", testParticipationsPage},
		{"Tags", testTags},
		{"WebhookDeliveries", testWebhookDeliveries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func petition(t *testing.T, s Store, slug string) model.Action {
	t.Helper()
	a := &model.Action{Slug: slug, Lang: "en", Kind: model.ActionPetition, Title: "Sign", Published: day(2026, 1, 1)}
	if err := s.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	return *a
}

func sign(t *testing.T, s Store, slug, email, comment string, confirm bool) store.Participated {
	t.Helper()
	res, err := s.Participate(ctx, store.Participate{ActionSlug: slug, Now: day(2026, 2, 1),
		Supporter:     model.Supporter{Email: email, Name: "Name " + email, PostalCode: "1010", Country: "VE", Lang: "es"},
		Participation: model.Participation{Comment: comment, IPHash: []byte{1}, Referrer: "https://example.org/"},
		Consents:      []model.Consent{{Key: "updates", Text: "Tell me", Given: true, Source: "/actions/" + slug}},
		Email:         testEmail(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if confirm {
		if _, _, err := s.ConfirmParticipation(ctx, res.ParticipationID, day(2026, 2, 2)); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

func testEraseKeepsCounts(t *testing.T, s Store) {
	a := petition(t, s, "p")
	ana := sign(t, s, "p", "ana@example.org", "Free them", true)
	sign(t, s, "p", "ben@example.org", "", true)
	if msgs, _ := s.SupporterMessages(ctx, ana.SupporterID, 10); len(msgs) != 1 || msgs[0].Kind != "confirm" {
		t.Fatalf("messages before: %+v", msgs)
	}
	c := store.WithActor(ctx, model.Actor{UserID: 1, Email: "admin@example.org", At: actNow})
	if err := s.EraseSupporter(c, ana.SupporterID, day(2026, 3, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SupporterByEmail(ctx, "ana@example.org"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the address still finds the erased supporter: %v", err)
	}
	sup, err := s.SupporterForStaff(ctx, ana.SupporterID)
	if err != nil || sup.Email != "" || sup.Name != "" || sup.PostalCode != "" || sup.Erased.IsZero() || sup.Unsubscribed.IsZero() {
		t.Errorf("erased supporter: %+v, %v", sup, err)
	}
	if p, _ := s.Participation(ctx, ana.ParticipationID); p.Comment != "" || p.IPHash != nil || p.Referrer != "" {
		t.Errorf("participation keeps personal data: %+v", p)
	}
	if cs, _ := s.Consents(ctx, ana.SupporterID); len(cs) != 0 {
		t.Errorf("consents kept: %+v", cs)
	}
	if msgs, _ := s.SupporterMessages(ctx, ana.SupporterID, 10); len(msgs) != 0 {
		t.Errorf("messages kept: %+v", msgs)
	}
	got, _ := s.ActionBySlug(ctx, "p")
	if got.Count != 2 {
		t.Errorf("count after erasure: %d, want 2", got.Count)
	}
	if all, confirmed, _ := s.CountParticipants(ctx, a.ID); all != 1 || confirmed != 1 {
		t.Errorf("participants to export: %d (%d confirmed), want the one not erased", all, confirmed)
	}
	// The address may act again, as someone new.
	again := sign(t, s, "p", "ana@example.org", "", false)
	if again.SupporterID == ana.SupporterID {
		t.Error("the erased record came back")
	}
	if err := s.EraseSupporter(ctx, 99999, day(2026, 3, 1)); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("erase unknown: %v", err)
	}
	log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "supporter.erase"})
	if len(log) != 1 || log[0].ObjectID != ana.SupporterID || log[0].UserEmail != "admin@example.org" {
		t.Errorf("audit: %+v", log)
	}
}

func testExportInBatches(t *testing.T, s Store) {
	a := petition(t, s, "p")
	petition(t, s, "other")
	defer func(b int) { sqlcore.ExportBatch = b }(sqlcore.ExportBatch)
	sqlcore.ExportBatch = 1000
	const n = 2345 // more than two batches
	var want []string
	for i := range n {
		email := fmt.Sprintf("p%04d@example.org", i)
		sign(t, s, "p", email, "c"+email, i%2 == 0)
		want = append(want, email)
	}
	sign(t, s, "other", "elsewhere@example.org", "", true)
	var got []string
	confirmed := 0
	err := s.ExportParticipants(ctx, a.ID, func(p store.Participant) error {
		got = append(got, p.Supporter.Email)
		if p.Participation.Comment != "c"+p.Supporter.Email || !answered(p, "updates") || p.Supporter.PostalCode != "1010" {
			return fmt.Errorf("row %+v", p)
		}
		if !p.Participation.Confirmed.IsZero() {
			confirmed++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || confirmed != (n+1)/2 {
		t.Errorf("exported %d rows (%d confirmed), want %d in order", len(got), confirmed, n)
	}
	stop := errors.New("stop")
	if err := s.ExportParticipants(ctx, a.ID, func(store.Participant) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("an error from fn: %v", err)
	}
}

// testExportSubscribers: who receives the newsletter is whoever said yes
// to it last, confirmed their address, and has neither unsubscribed nor
// been erased since.
func testExportSubscribers(t *testing.T, s Store) {
	petition(t, s, "p")
	at := func(d int) time.Time { return day(2026, 4, d) }
	yes := func(source string) model.Consent {
		return model.Consent{Key: model.ConsentNewsletter, Text: "Send me the newsletter", Given: true, Source: source}
	}
	subscribe := func(email, name string, d int) int64 {
		t.Helper()
		res, err := s.Subscribe(ctx, store.Subscribe{Supporter: model.Supporter{Email: email, Name: name, Lang: "es"},
			Consent: yes("/subscribe"), Now: at(d)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.SupporterID
	}
	confirm := func(id int64, d int, source string) {
		t.Helper()
		if err := s.ConfirmSupporter(ctx, id, at(d), yes(source)); err != nil {
			t.Fatal(err)
		}
	}
	act := func(email string, newsletter bool, d int, confirmed bool) store.Participated {
		t.Helper()
		answer := yes("/actions/p")
		answer.Given = newsletter
		res, err := s.Participate(ctx, store.Participate{ActionSlug: "p", Now: at(d),
			Supporter: model.Supporter{Email: email, Name: "Name " + email, PostalCode: "1010", Country: "VE", Lang: "es"},
			Consents:  []model.Consent{answer}, Email: testEmail()})
		if err != nil {
			t.Fatal(err)
		}
		if confirmed {
			if _, _, err := s.ConfirmParticipation(ctx, res.ParticipationID, at(d+1)); err != nil {
				t.Fatal(err)
			}
		}
		return res
	}

	// In: a sign-up confirmed from the mailbox, counted from then.
	ana := subscribe("ana@example.org", "Ana María Pérez", 1)
	confirm(ana, 2, "/subscribe-confirm")
	// Out: never confirmed.
	subscribe("ben@example.org", "Ben", 1)
	// Out: unsubscribed.
	cleo := subscribe("cleo@example.org", "", 1)
	confirm(cleo, 2, "/subscribe-confirm")
	s.Unsubscribe(ctx, cleo, at(3))
	// Out: erased.
	dan := subscribe("dan@example.org", "", 1)
	confirm(dan, 2, "/subscribe-confirm")
	s.EraseSupporter(ctx, dan, at(3))
	// Out: said no, with an action they confirmed.
	act("eve@example.org", false, 1, true)
	// In: said yes, unsubscribed, signed up again and confirmed that;
	// counted from the new yes, given where they gave it.
	fay := subscribe("fay@example.org", "Fay", 1)
	confirm(fay, 2, "/subscribe-confirm")
	s.Unsubscribe(ctx, fay, at(3))
	subscribe("fay@example.org", "Fay", 4)
	confirm(fay, 5, "/again")
	// Out: said yes, unsubscribed, signed up again but has not confirmed.
	gus := subscribe("gus@example.org", "", 1)
	confirm(gus, 2, "/subscribe-confirm")
	s.Unsubscribe(ctx, gus, at(3))
	subscribe("gus@example.org", "", 4)
	// In: said yes with an action they confirmed.
	act("hana@example.org", true, 1, true)
	// Out: said yes with an action, never confirmed.
	act("ivan@example.org", true, 1, false)
	// Out: said yes, then no with an action they confirmed: the last
	// answer counts. Two in a row, so that a batch of one finds nobody.
	for _, email := range []string{"jon@example.org", "kai@example.org"} {
		confirm(subscribe(email, "", 1), 2, "/subscribe-confirm")
		act(email, false, 3, true)
	}
	// Out: confirmed (an earlier action), then said yes with an action not
	// confirmed: that yes is not theirs until it is.
	act("lia@example.org", false, 1, true)
	act("lia@example.org", true, 3, false)
	// In: imported as confirmed with the newsletter consent.
	imported := yes("import: paper petition")
	if _, _, err := s.ImportSupporters(ctx, []store.ImportRow{{Supporter: model.Supporter{Email: "max@example.org",
		Name: "Max", Country: "CL", PostalCode: "8320000", Lang: "es"}, Confirmed: true, Consent: imported}}, at(6)); err != nil {
		t.Fatal(err)
	}

	defer func(b int) { sqlcore.ExportBatch = b }(sqlcore.ExportBatch)
	for _, batch := range []int{1, 2, 5000} {
		sqlcore.ExportBatch = batch
		var got []string
		err := s.ExportSubscribers(ctx, func(sub store.Subscriber) error {
			sup := sub.Supporter
			got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s", sup.Email, sup.Name, sup.PostalCode, sup.Country, sup.Lang,
				sub.Since.Format("01-02"), sub.Consent.Source))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"ana@example.org|Ana María Pérez|||es|04-02|/subscribe",
			"fay@example.org|Fay|||es|04-05|/again",
			"hana@example.org|Name hana@example.org|1010|VE|es|04-02|/actions/p",
			"max@example.org|Max|8320000|CL|es|04-06|import: paper petition",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("batches of %d: subscribers\n%s\nwant\n%s", batch, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	stop := errors.New("stop")
	if err := s.ExportSubscribers(ctx, func(store.Subscriber) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("an error from fn: %v", err)
	}
}

func testImportKeepsChoices(t *testing.T, s Store) {
	petition(t, s, "p")
	known := sign(t, s, "p", "known@example.org", "", true)
	s.Unsubscribe(ctx, known.SupporterID, day(2026, 2, 3))
	consent := model.Consent{Key: "newsletter", Text: "Send me news", Given: true, Source: "import: paper petition, Caracas vigil"}
	rows := []store.ImportRow{
		{Supporter: model.Supporter{Email: "new@example.org", Name: "Nueva", Country: "VE", Lang: "es", PostalCode: "1020"}, Confirmed: true, Consent: consent},
		{Supporter: model.Supporter{Email: "known@example.org", Name: "Someone Else", Lang: "en"}, Confirmed: true, Consent: consent},
	}
	added, existing, err := s.ImportSupporters(ctx, rows, day(2026, 3, 1))
	if err != nil || added != 1 || existing != 1 {
		t.Fatalf("import: %d added, %d known, %v", added, existing, err)
	}
	sup, err := s.SupporterByEmail(ctx, "new@example.org")
	if err != nil || sup.Name != "Nueva" || sup.PostalCode != "1020" || sup.Confirmed.IsZero() {
		t.Errorf("imported: %+v, %v", sup, err)
	}
	k, _ := s.SupporterByEmail(ctx, "known@example.org")
	for _, c := range mustConsents(t, s, k.ID) {
		if c.Key == "newsletter" {
			t.Errorf("an import recorded consent for someone who unsubscribed: %+v", c)
		}
	}
	if k.Name != "Name known@example.org" || k.Unsubscribed.IsZero() {
		t.Errorf("an import changed a known supporter: %+v", k)
	}
	cs, _ := s.Consents(ctx, sup.ID)
	if len(cs) != 1 || cs[0].Source != consent.Source || cs[0].Text != "Send me news" {
		t.Errorf("consent: %+v", cs)
	}
}

func testUpdateReachesTheReachable(t *testing.T, s Store) {
	cs := &model.Case{Slug: "c", Lang: "en", Title: "C", Status: model.CaseActive, Published: day(2026, 1, 1), Updated: day(2026, 1, 1)}
	if err := s.SaveCase(ctx, cs); err != nil {
		t.Fatal(err)
	}
	a := &model.Action{Slug: "p", CaseID: cs.ID, Lang: "en", Kind: model.ActionPetition, Title: "Sign", Published: day(2026, 1, 1)}
	if err := s.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	ana := sign(t, s, "p", "ana@example.org", "", true)
	ben := sign(t, s, "p", "ben@example.org", "", true)
	cleo := sign(t, s, "p", "cleo@example.org", "", true)
	sign(t, s, "p", "dan@example.org", "", false) // never confirmed
	s.Unsubscribe(ctx, ben.SupporterID, day(2026, 3, 1))
	s.EraseSupporter(ctx, cleo.SupporterID, day(2026, 3, 1))
	u := &model.Update{Title: "News", Published: day(2026, 3, 2)}
	if err := s.PublishUpdate(ctx, "c", u); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UpdateAudience(ctx, cs.ID); n["es"] != 1 {
		t.Errorf("audience %v, want Ana alone", n)
	}
	compose := func(sup model.Supporter) (model.OutboxMessage, error) {
		return model.OutboxMessage{MessageID: fmt.Sprintf("update-%d-%d@test", u.ID, sup.ID), Kind: "update", Sealed: []byte(sup.Email)}, nil
	}
	n, err := s.QueueUpdateMessages(ctx, cs.ID, u.ID, actNow, compose)
	if err != nil || n != 1 {
		t.Fatalf("queued %d, %v; want Ana's alone", n, err)
	}
	if msgs, _ := s.SupporterMessages(ctx, ana.SupporterID, 10); len(msgs) != 2 || msgs[0].Kind != "update" {
		t.Errorf("Ana's messages: %+v", msgs)
	}
	if n, _ := s.QueueUpdateMessages(ctx, cs.ID, u.ID, actNow, compose); n != 0 {
		t.Errorf("queued again: %d", n)
	}
	s.HideUpdate(ctx, u.ID, day(2026, 3, 3))
	if n, err := s.QueueUpdateMessages(ctx, cs.ID, u.ID, actNow, compose); err == nil || n != 0 {
		t.Errorf("an unpublished update was queued: %d, %v", n, err)
	}
}

func mustConsents(t *testing.T, s Store, id int64) []model.Consent {
	t.Helper()
	cs, err := s.Consents(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func answered(p store.Participant, key string) bool {
	given, ok := p.Answer(key)
	return given && ok
}
