package sqlcore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// The rules of model/rules.go, as the store applies them to rows, against
// the functions that state them for one supporter or participation, on
// both databases.

// rulesStore is what these tests ask of a store.
type rulesStore interface {
	CreateCase(ctx context.Context, c *model.Case) error
	CreateAction(ctx context.Context, a *model.Action) error
	ActionBySlug(ctx context.Context, slug string) (model.Action, error)
	PublishUpdate(ctx context.Context, caseSlug string, u *model.Update) error
	Participate(ctx context.Context, p store.Participate) (store.Participated, error)
	ConfirmParticipation(ctx context.Context, participationID int64, now time.Time) (model.Supporter, model.Action, error)
	RemoveParticipation(ctx context.Context, participationID int64, now time.Time) error
	Unsubscribe(ctx context.Context, supporterID int64, now time.Time) error
	EraseSupporter(ctx context.Context, supporterID int64, now time.Time) error
	SupporterForStaff(ctx context.Context, id int64) (model.Supporter, error)
	UpdateAudience(ctx context.Context, caseID int64) (map[string]int, error)
	QueueUpdateMessages(ctx context.Context, caseID, updateID int64, now time.Time,
		compose func(model.Supporter) (model.OutboxMessage, error)) (int, error)
	RemindUnconfirmed(ctx context.Context, before, now time.Time, compose func(store.Pending) (model.OutboxMessage, error)) (int, error)
}

var (
	ctx = context.Background()
	day = func(d int) time.Time { return time.Date(2026, 2, d, 0, 0, 0, 0, time.UTC) }
)

func TestRulesAgree(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) rulesStore
	}{
		{"sqlite", func(t *testing.T) rulesStore { return testutil.SQLite(t) }},
		{"postgres", func(t *testing.T) rulesStore { return testutil.PostgresStore(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Run("UpdateAudience", func(t *testing.T) { testAudienceAgrees(t, db.open(t)) })
			t.Run("Counting", func(t *testing.T) { testCountingAgrees(t, db.open(t)) })
			t.Run("Reminders", func(t *testing.T) { testRemindersAgree(t, db.open(t)) })
		})
	}
}

func createAction(t *testing.T, s rulesStore, slug string, caseID int64) model.Action {
	t.Helper()
	a := &model.Action{Slug: slug, CaseID: caseID, Lang: "en", Kind: model.ActionPetition, Title: "Sign " + slug,
		Published: day(1)}
	if err := s.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	return *a
}

func participate(t *testing.T, s rulesStore, slug, email string, consents []model.Consent) store.Participated {
	t.Helper()
	return participateAt(t, s, slug, email, consents, day(2))
}

var confirmSeq atomic.Int64

func participateAt(t *testing.T, s rulesStore, slug, email string, consents []model.Consent, now time.Time) store.Participated {
	t.Helper()
	res, err := s.Participate(ctx, store.Participate{ActionSlug: slug, Now: now,
		Supporter: model.Supporter{Email: email, Name: "Name", Country: "VE", Lang: "es"},
		Consents:  consents,
		Email:     store.ParticipationEmail{MessageID: fmt.Sprintf("confirm-%d@test", confirmSeq.Add(1)), Lang: "es"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// seed is one participation as seeded: on which action, confirmed or not,
// and the answer to "updates" (given, declined, not asked).
type seed struct {
	action    model.Action
	confirmed bool
	answer    string
}

func (sd seed) String() string {
	state := "pending"
	if sd.confirmed {
		state = "confirmed"
	}
	return fmt.Sprintf("%s %s, updates %s", sd.action.Slug, state, sd.answer)
}

// testAudienceAgrees seeds a supporter for every combination of what
// decides whether they hear of a case's updates, and compares who the
// audience query picks with what model.ReceivesUpdates says of each.
func testAudienceAgrees(t *testing.T, s rulesStore) {
	cs := &model.Case{Slug: "c", Lang: "en", Title: "C", Status: model.CaseActive, Published: day(1), Updated: day(1)}
	other := &model.Case{Slug: "d", Lang: "en", Title: "D", Status: model.CaseActive, Published: day(1), Updated: day(1)}
	for _, c := range []*model.Case{cs, other} {
		if err := s.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	actions := []model.Action{createAction(t, s, "c-1", cs.ID), createAction(t, s, "c-2", cs.ID),
		createAction(t, s, "d-1", other.ID), createAction(t, s, "none", 0)}

	var kinds []*seed // nil: no participation
	kinds = append(kinds, nil)
	for _, a := range actions {
		for _, confirmed := range []bool{false, true} {
			for _, answer := range []string{"given", "declined", "not asked"} {
				kinds = append(kinds, &seed{a, confirmed, answer})
			}
		}
	}
	type supporter struct {
		id    int64
		state string
		seeds []seed
	}
	var supporters []supporter
	erasing := store.WithActor(ctx, model.Actor{UserID: 1, Email: "admin@example.org", At: day(3)})
	for _, state := range []string{"reachable", "unsubscribed", "erased"} {
		// The first participation is on the case's first action (or
		// none); the second on any other action, the case's second included.
		for _, first := range kinds[:7] {
			for _, second := range kinds[7:] {
				sup := supporter{state: state}
				for _, sd := range []*seed{first, second} {
					if sd != nil {
						sup.seeds = append(sup.seeds, *sd)
					}
				}
				email := fmt.Sprintf("s%d@example.org", len(supporters))
				for _, sd := range sup.seeds {
					var consents []model.Consent
					if sd.answer != "not asked" {
						consents = []model.Consent{{Key: model.ConsentUpdates, Text: "Tell me", Given: sd.answer == "given",
							Source: "/actions/" + sd.action.Slug}}
					}
					res := participate(t, s, sd.action.Slug, email, consents)
					sup.id = res.SupporterID
					if sd.confirmed {
						if _, _, err := s.ConfirmParticipation(ctx, res.ParticipationID, day(3)); err != nil {
							t.Fatal(err)
						}
					}
				}
				var err error
				switch state {
				case "unsubscribed":
					err = s.Unsubscribe(ctx, sup.id, day(4))
				case "erased":
					err = s.EraseSupporter(erasing, sup.id, day(4))
				}
				if err != nil {
					t.Fatal(err)
				}
				supporters = append(supporters, sup)
			}
		}
	}

	u := &model.Update{Title: "News", Published: day(5)}
	if err := s.PublishUpdate(ctx, cs.Slug, u); err != nil {
		t.Fatal(err)
	}
	picked := map[int64]bool{}
	_, err := s.QueueUpdateMessages(ctx, cs.ID, u.ID, day(5), func(sup model.Supporter) (model.OutboxMessage, error) {
		picked[sup.ID] = true
		return model.OutboxMessage{MessageID: fmt.Sprintf("update-%d-%d@test", u.ID, sup.ID), Kind: "update",
			Sealed: []byte("x")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	audience, err := s.UpdateAudience(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}

	want := 0
	for _, sup := range supporters {
		stored, err := s.SupporterForStaff(ctx, sup.id)
		if err != nil {
			t.Fatal(err)
		}
		var participations []model.CaseParticipation
		for _, sd := range sup.seeds {
			p := model.CaseParticipation{CaseID: sd.action.CaseID}
			if sd.confirmed {
				p.Participation.Confirmed = day(3)
			}
			if sd.answer != "not asked" {
				p.Consents = []model.Consent{{Key: model.ConsentUpdates, Given: sd.answer == "given"}}
			}
			participations = append(participations, p)
		}
		rule := model.ReceivesUpdates(stored, cs.ID, participations, nil)
		if rule {
			want++
		}
		if picked[sup.id] != rule {
			t.Errorf("supporter %d (%s, %v): picked %v, model.ReceivesUpdates %v", sup.id, sup.state, sup.seeds, picked[sup.id], rule)
		}
	}
	if want == 0 || want == len(supporters) {
		t.Fatalf("%d of %d supporters receive updates: the seeds do not cover both answers", want, len(supporters))
	}
	if audience["es"] != want || len(audience) != 1 {
		t.Errorf("UpdateAudience = %v, want es: %d", audience, want)
	}
}

// testCountingAgrees walks an action's participations through being
// submitted, confirmed, confirmed again and removed, and checks the
// action's count after each step against model.CountAfterConfirm and
// model.CountAfterRemoval.
func testCountingAgrees(t *testing.T, s rulesStore) {
	a := createAction(t, s, "p", 0)
	count := func() int {
		t.Helper()
		got, err := s.ActionBySlug(ctx, a.Slug)
		if err != nil {
			t.Fatal(err)
		}
		return got.Count
	}
	want := 0
	var ids []int64
	state := map[int64]model.Participation{}
	for i := range 6 {
		res := participate(t, s, a.Slug, fmt.Sprintf("p%d@example.org", i), nil)
		ids = append(ids, res.ParticipationID)
		state[res.ParticipationID] = model.Participation{}
		if got := count(); got != want {
			t.Fatalf("after submitting %d: count %d, want %d", i, got, want)
		}
	}
	confirm := func(id int64) {
		t.Helper()
		if _, _, err := s.ConfirmParticipation(ctx, id, day(3)); err != nil {
			t.Fatal(err)
		}
		want = model.CountAfterConfirm(want, state[id])
		state[id] = model.Participation{Confirmed: day(3)}
		if got := count(); got != want {
			t.Fatalf("after confirming %d: count %d, want %d", id, got, want)
		}
	}
	remove := func(id int64) {
		t.Helper()
		if err := s.RemoveParticipation(ctx, id, time.Now()); err != nil {
			t.Fatal(err)
		}
		want = model.CountAfterRemoval(want, state[id])
		delete(state, id)
		if got := count(); got != want {
			t.Fatalf("after removing %d: count %d, want %d", id, got, want)
		}
	}
	for _, id := range ids[:4] {
		confirm(id)
	}
	confirm(ids[0]) // the link used again
	confirm(ids[1])
	remove(ids[0]) // counted
	remove(ids[4]) // never confirmed
	confirm(ids[5])
	remove(ids[1])
	counted := 0
	for _, p := range state {
		if model.Counted(p) {
			counted++
		}
	}
	if got := count(); got != counted || want != counted {
		t.Errorf("count %d (rule %d), want the %d counted participations left", got, want, counted)
	}
}

// testRemindersAgree seeds a supporter with one pending participation for
// every combination of what decides a reminder, and compares whom the
// reminder job writes to with what model.ReminderDue says of each.
func testRemindersAgree(t *testing.T, s rulesStore) {
	before, now := day(10), day(12)
	open := createAction(t, s, "open", 0)
	closing := &model.Action{Slug: "closing", Lang: "en", Kind: model.ActionPetition, Title: "Sign closing",
		Published: day(1), Deadline: day(11).Add(12 * time.Hour)}
	if err := s.CreateAction(ctx, closing); err != nil {
		t.Fatal(err)
	}
	createAction(t, s, "elsewhere", 0)
	type seeded struct {
		supporterID int64
		p           model.Participation
		action      model.Action
		what        string
	}
	var all []seeded
	for _, a := range []model.Action{open, *closing} {
		for _, created := range []time.Time{day(2), day(11)} {
			for _, state := range []string{"pending", "confirmed elsewhere", "unsubscribed", "confirmed"} {
				email := fmt.Sprintf("r%d@example.org", len(all))
				res := participateAt(t, s, a.Slug, email, nil, created)
				p := model.Participation{Created: created}
				var err error
				switch state {
				case "confirmed elsewhere":
					other := participateAt(t, s, "elsewhere", email, nil, created)
					_, _, err = s.ConfirmParticipation(ctx, other.ParticipationID, created)
				case "unsubscribed":
					err = s.Unsubscribe(ctx, res.SupporterID, created)
				case "confirmed":
					_, _, err = s.ConfirmParticipation(ctx, res.ParticipationID, created)
					p.Confirmed = created
				}
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, seeded{res.SupporterID, p, a, fmt.Sprintf("%s, made %s, %s", a.Slug, created.Format("Jan 2"), state)})
			}
		}
	}

	remind := func() map[int64]bool {
		t.Helper()
		written := map[int64]bool{}
		_, err := s.RemindUnconfirmed(ctx, before, now, func(p store.Pending) (model.OutboxMessage, error) {
			written[p.Supporter.ID] = true
			return model.OutboxMessage{MessageID: fmt.Sprintf("remind-%d@test", p.Supporter.ID), Kind: "remind",
				Sealed: []byte("x"), SupporterID: p.Supporter.ID}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return written
	}
	written, due := remind(), 0
	for _, sd := range all {
		sup, err := s.SupporterForStaff(ctx, sd.supporterID)
		if err != nil {
			t.Fatal(err)
		}
		rule := model.ReminderDue(sd.p, sup, time.Time{}, sd.action, before, now)
		if rule {
			due++
		}
		if written[sd.supporterID] != rule {
			t.Errorf("supporter %d (%s): reminded %v, model.ReminderDue %v", sd.supporterID, sd.what, written[sd.supporterID], rule)
		}
	}
	if due == 0 || due == len(all) {
		t.Fatalf("%d of %d supporters due a reminder: the seeds do not cover both answers", due, len(all))
	}
	// Once reminded (or passed over), never again.
	if again := remind(); len(again) != 0 {
		t.Errorf("reminded again: %v", again)
	}
}
