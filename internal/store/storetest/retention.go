package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
)

// testOutboxDropSentBodies: a sent message loses its body once sent before
// the retention limit; nothing else does, and the row stays.
func testOutboxDropSentBodies(t *testing.T, s Outbox) {
	// Two rows per transaction: the run below crosses several.
	defer func(n int) { sqlcore.RetentionChunk = n }(sqlcore.RetentionChunk)
	sqlcore.RetentionChunk = 2
	day := func(n int) time.Time { return outboxT0.Add(time.Duration(n) * 24 * time.Hour) }
	var old, recent []*model.OutboxMessage
	for i := range 5 {
		old = append(old, enqueue(t, s, fmt.Sprintf("old-%d@vigil.test", i), outboxT0))
	}
	recent = append(recent, enqueue(t, s, "recent@vigil.test", outboxT0))
	retry := enqueue(t, s, "retry@vigil.test", outboxT0)
	failed := enqueue(t, s, "failed@vigil.test", outboxT0)
	waiting := enqueue(t, s, "waiting@vigil.test", day(40))
	if got := claim(t, s, outboxT0, time.Minute, 100); len(got) != 8 {
		t.Fatalf("claimed %d, want 8", len(got))
	}
	for i, m := range old {
		if err := s.MarkSent(ctx, m.ID, day(1).Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkSent(ctx, recent[0].ID, day(20)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, retry.ID, day(1), "421 later"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, failed.ID, "550 no"); err != nil {
		t.Fatal(err)
	}

	limit := day(10) // a retention period before the job's now
	n, err := s.DropSentBodies(ctx, limit)
	if err != nil || n != len(old) {
		t.Fatalf("DropSentBodies = %d, %v; want the %d sent before the limit", n, err, len(old))
	}
	for i, m := range old {
		got := outboxMsg(t, s, m.ID)
		if len(got.Sealed) != 0 || got.State != model.MessageSent || !got.SentAt.Equal(day(1).Add(time.Duration(i)*time.Hour)) ||
			got.MessageID != m.MessageID || got.Kind != m.Kind {
			t.Errorf("sent before the limit: %+v, want the row without its body", got)
		}
	}
	for _, m := range []*model.OutboxMessage{recent[0], retry, failed, waiting} {
		if got := outboxMsg(t, s, m.ID); string(got.Sealed) != "sealed:"+m.MessageID {
			t.Errorf("%s (%s) lost its body", m.MessageID, got.State)
		}
	}
	if n, err := s.DropSentBodies(ctx, limit); err != nil || n != 0 {
		t.Errorf("again: %d, %v; want nothing left to drop", n, err)
	}
	if _, err := s.DropSentBodies(ctx, time.Time{}); err == nil {
		t.Error("no time given: accepted")
	}
	// The message sent later goes when its own time comes.
	if n, err := s.DropSentBodies(ctx, day(20).Add(time.Millisecond)); err != nil || n != 1 {
		t.Errorf("later: %d, %v; want the one sent on day 20", n, err)
	}
	counts, err := s.OutboxCounts(ctx)
	if err != nil || counts[model.MessageSent] != 6 {
		t.Errorf("counts %v, %v: the rows stay", counts, err)
	}
}

// testOutboxLastDeliveryError: why queued mail waits, for the dashboard.
func testOutboxLastDeliveryError(t *testing.T, s Outbox) {
	if e, err := s.LastDeliveryError(ctx); err != nil || e != (store.DeliveryError{}) {
		t.Fatalf("empty outbox: %+v, %v", e, err)
	}
	a := enqueue(t, s, "a@vigil.test", outboxT0)
	b := enqueue(t, s, "b@vigil.test", outboxT0)
	enqueue(t, s, "c@vigil.test", outboxT0)
	claim(t, s, outboxT0, time.Minute, 2)
	if err := s.MarkRetry(ctx, a.ID, outboxT0.Add(time.Minute), "smtp STARTTLS: not offered"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, b.ID, outboxT0.Add(5*time.Minute), "smtp connect: refused"); err != nil {
		t.Fatal(err)
	}
	e, err := s.LastDeliveryError(ctx)
	if err != nil || e.Error != "smtp connect: refused" || e.Kind != "confirm" || !e.NextAttempt.Equal(outboxT0.Add(5*time.Minute)) {
		t.Errorf("last delivery error: %+v, %v; want b's", e, err)
	}
}

// testEraseReachesDigests: an erased supporter's letter leaves the digests
// to officials that carry it. A digest not sent yet is dropped and the
// other letters are composed again without theirs; a sent one keeps its
// row without its body.
func testEraseReachesDigests(t *testing.T, s Store) {
	a := newAppealAction(t, s, "digest", func(a *model.Action) { a.Delivery = model.DeliverDigest })
	sent, queued := a.Targets[0].ID, a.Targets[1].ID
	var parts []store.Participated
	for i, email := range []string{"ana@example.org", "ben@example.org", "cai@example.org"} {
		r, err := s.Participate(ctx, participate("digest", email, actNow.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ConfirmParticipation(ctx, r.ParticipationID, actNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, r)
	}
	ana, ben, cai := parts[0], parts[1], parts[2]
	day1 := actNow.Add(2 * time.Hour)
	// Which supporters' letters each digest holds, by target.
	var holds map[int64][]int64
	digests := map[int64]int64{} // target -> outbox id
	compose := func(_ model.Action, tg model.Target, letters []store.AppealLetter) ([]model.OutboxMessage, error) {
		for _, l := range letters {
			holds[tg.ID] = append(holds[tg.ID], l.Supporter.ID)
		}
		m := testMessage("digest", 0)
		m.TargetID = tg.ID
		return []model.OutboxMessage{m}, nil
	}
	queue := func(now time.Time) int {
		t.Helper()
		holds = map[int64][]int64{}
		n, err := s.QueueAppeals(ctx, store.QueueAppeals{ActionID: a.ID, Now: now, DayStart: now.Truncate(24 * time.Hour), Digest: true}, compose)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := queue(day1); n != 6 || len(holds[sent]) != 3 || len(holds[queued]) != 3 {
		t.Fatalf("queued %d letters: %v; want 3 in each target's digest", n, holds)
	}
	claimed := claim(t, s, day1, time.Minute, 10)
	for _, m := range claimed {
		if m.Kind != "digest" {
			continue // the confirmation requests, left to their lease
		}
		digests[m.TargetID] = m.ID
		if m.TargetID == sent {
			if err := s.MarkSent(ctx, m.ID, day1.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		} else if err := s.MarkRetry(ctx, m.ID, day1.Add(time.Hour), "421 later"); err != nil {
			t.Fatal(err)
		}
	}
	if len(digests) != 2 {
		t.Fatalf("claimed %+v, want the two digests", claimed)
	}

	if err := s.EraseSupporter(ctx, ben.SupporterID, day1.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The sent digest stays, as a record, without its body.
	if m, err := s.OutboxMessage(ctx, digests[sent]); err != nil || m.State != model.MessageSent || len(m.Sealed) != 0 {
		t.Errorf("sent digest after the erasure: %+v, %v; want it sent, without its body", m, err)
	}
	// The queued one is gone.
	if m, err := s.OutboxMessage(ctx, digests[queued]); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("queued digest after the erasure: %+v, %v; want it dropped", m, err)
	}
	for _, p := range []store.Participated{ana, cai} {
		ds, err := s.AppealDeliveries(ctx, p.ParticipationID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("deliveries of %d: %+v, %v", p.SupporterID, ds, err)
		}
		for _, d := range ds {
			switch {
			case d.TargetID == sent && d.Delivered.IsZero():
				t.Errorf("supporter %d: the sent digest's delivery is forgotten: %+v", p.SupporterID, d)
			case d.TargetID == queued && !d.Queued.IsZero():
				t.Errorf("supporter %d: the dropped digest's letter does not wait again: %+v", p.SupporterID, d)
			}
		}
	}
	if ds, err := s.AppealDeliveries(ctx, ben.ParticipationID); err != nil || len(ds) != 1 || ds[0].TargetID != sent {
		t.Errorf("the erased supporter's deliveries: %+v, %v; want only the one delivered", ds, err)
	}
	// The next digest to the second target carries the others' letters,
	// not the erased one's; the first target had its digest today.
	if n := queue(day1.Add(time.Hour)); n != 2 || len(holds[sent]) != 0 ||
		!slices.Equal(holds[queued], []int64{ana.SupporterID, cai.SupporterID}) {
		t.Errorf("queued %d letters again: %v; want Ana's and Cai's to the second target only", n, holds)
	}
	if waiting, err := s.ActionsWithWaitingAppeals(ctx); err != nil || len(waiting) != 0 {
		t.Errorf("actions with waiting appeals: %+v, %v; want none", waiting, err)
	}
}

// testEraseInactive: retention erases the supporters whose last sign of
// life came before the limit, and keeps those with a recent action, a
// recent confirmation, a recent gift, a monthly gift not ended, or last
// seen exactly at the limit.
func testEraseInactive(t *testing.T, s Store) {
	defer func(n int) { sqlcore.RetentionChunk = n }(sqlcore.RetentionChunk)
	sqlcore.RetentionChunk = 2 // the erasure below crosses several chunks
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	limit := model.RetentionLimit(now, model.DefaultRetentionMonths)
	hook := &model.Webhook{URL: "https://crm.example.org/hook", Secret: "s", Events: []string{model.EventErasure}, Created: limit}
	if err := s.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"old", "new"} {
		a := &model.Action{Slug: slug, Lang: "en", Kind: model.ActionPetition, Title: "Sign " + slug, Published: limit.AddDate(-2, 0, 0)}
		if err := s.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	act := func(slug, email string, at time.Time) store.Participated {
		t.Helper()
		res, err := s.Participate(ctx, store.Participate{ActionSlug: slug, Now: at,
			Supporter: model.Supporter{Email: email, Name: "N " + email, Country: "VE", Lang: "es"},
			Consents:  []model.Consent{{Key: model.ConsentUpdates, Text: "Tell me", Given: true, Source: "/actions/" + slug, At: at}},
			Email:     testEmail()})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	confirm := func(p store.Participated, at time.Time) {
		t.Helper()
		if _, _, err := s.ConfirmParticipation(ctx, p.ParticipationID, at); err != nil {
			t.Fatal(err)
		}
	}
	days := func(n int) time.Time { return limit.AddDate(0, 0, n) }

	oldie := act("old", "oldie@example.org", days(-60))
	confirm(oldie, days(-59))
	never := act("old", "never@example.org", days(-400)) // never confirmed
	dayBefore := act("old", "daybefore@example.org", days(-1))
	erased := []store.Participated{oldie, never, dayBefore}

	recentAction := act("old", "recent-action@example.org", days(-300))
	confirm(recentAction, days(-299))
	act("new", "recent-action@example.org", days(10))
	recentConfirm := act("old", "recent-confirm@example.org", days(-10))
	confirm(recentConfirm, days(1))
	boundary := act("old", "boundary@example.org", limit) // last seen exactly at the limit
	gone := act("old", "gone@example.org", days(-500))
	if err := s.EraseSupporter(ctx, gone.SupporterID, days(-400)); err != nil {
		t.Fatal(err)
	}
	// Gifts: a monthly gift not ended keeps its donor however old their
	// last action; an ended one does not; a gift paid since the limit is
	// a sign of life.
	var r receipts
	give := func(id, email string, paid time.Time, monthly bool) {
		t.Helper()
		e := store.StripeEvent{ID: "evt_" + id, Type: "checkout.session.completed", Received: paid,
			Payment: &model.Donation{Ref: "cs_" + id, SessionID: "cs_" + id, Amount: 500, Currency: "eur", Lang: "es",
				Email: email, Paid: paid}}
		if monthly {
			e.Type, e.Payment.Ref, e.Payment.SessionID = "invoice.paid", "in_"+id, ""
			e.Payment.SubscriptionID, e.Payment.Monthly = "sub_"+id, true
			e.Gift = &model.MonthlyGift{SubscriptionID: "sub_" + id, CustomerID: "cus_" + id, Amount: 500, Currency: "eur", Email: email}
		}
		apply(t, s, &r, e)
	}
	monthly := act("old", "monthly@example.org", days(-100))
	give("monthly", "monthly@example.org", days(-90), true)
	ended := act("old", "ended@example.org", days(-100))
	give("ended", "ended@example.org", days(-95), true)
	apply(t, s, &r, store.StripeEvent{ID: "evt_ended_end", Type: "customer.subscription.deleted", Received: days(-50),
		Gift: &model.MonthlyGift{SubscriptionID: "sub_ended"}, Ended: days(-50)})
	recentGift := act("old", "recent-gift@example.org", days(-200))
	give("recent", "recent-gift@example.org", days(5), false)
	erased = append(erased, ended)
	kept := []store.Participated{recentAction, recentConfirm, boundary, monthly, recentGift}

	before, _ := s.ActionBySlug(ctx, "old")
	if n, err := s.CountInactive(ctx, limit); err != nil || n != len(erased) {
		t.Fatalf("CountInactive = %d, %v; want %d", n, err, len(erased))
	}
	n, err := s.EraseInactive(ctx, limit, now)
	if err != nil || n != len(erased) {
		t.Fatalf("EraseInactive = %d, %v; want %d", n, err, len(erased))
	}
	for _, p := range erased {
		sup, err := s.SupporterForStaff(ctx, p.SupporterID)
		if err != nil || sup.Email != "" || sup.Name != "" || !sup.Erased.Equal(now) {
			t.Errorf("inactive supporter %d not erased: %+v, %v", p.SupporterID, sup, err)
		}
	}
	told := map[int64]bool{}
	if ds, err := s.Deliveries(ctx, hook.ID, 0); err == nil {
		for _, d := range ds {
			told[d.SupporterID] = true
		}
	}
	for _, p := range erased {
		if !told[p.SupporterID] {
			t.Errorf("webhook receivers not told of the erasure of %d", p.SupporterID)
		}
	}
	for _, p := range kept {
		sup, err := s.SupporterForStaff(ctx, p.SupporterID)
		if err != nil || sup.Email == "" || !sup.Erased.IsZero() {
			t.Errorf("active supporter %d erased: %+v, %v", p.SupporterID, sup, err)
		}
	}
	if sup, _ := s.SupporterForStaff(ctx, gone.SupporterID); !sup.Erased.Equal(days(-400)) {
		t.Errorf("supporter erased before erased again: %v", sup.Erased)
	}
	if after, _ := s.ActionBySlug(ctx, "old"); after.Count != before.Count {
		t.Errorf("count %d after retention, want %d as before", after.Count, before.Count)
	}
	if n, err := s.CountInactive(ctx, limit); err != nil || n != 0 {
		t.Errorf("CountInactive after = %d, %v; want 0", n, err)
	}
	if n, err := s.EraseInactive(ctx, limit, now); err != nil || n != 0 {
		t.Errorf("EraseInactive again = %d, %v; want nobody erased twice", n, err)
	}
	if _, err := s.EraseInactive(ctx, time.Time{}, now); err == nil {
		t.Error("no limit given: accepted")
	}
	if _, err := s.CountInactive(ctx, time.Time{}); err == nil {
		t.Error("count with no limit given: accepted")
	}
}
