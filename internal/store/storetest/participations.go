package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// RunParticipations runs the conformance tests of supporters acting, their
// confirmation, and the background jobs that follow.
func RunParticipations(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"ParticipateCountsOnce", testParticipateCountsOnce},
		{"ParticipateRefusesClosedAndUnknown", testParticipateRefuses},
		{"EmailFailureStoresNothing", testEmailFailureStoresNothing},
		{"FailuresAmongManyKeepTheOthers", testFailuresAmongMany},
		{"ConfirmQueuesAppeals", testConfirmQueuesAppeals},
		{"RemoveAndUnsubscribe", testRemoveAndUnsubscribe},
		{"SubscribeAndConsents", testSubscribeAndConsents},
		{"CloseExpired", testCloseExpired},
		{"RemindAndPurge", testRemindAndPurge},
		{"ReminderAboutAnOpenAction", testReminderAboutAnOpenAction},
		{"QueueAppealsCapAndDigest", testQueueAppeals},
		{"IDsNeverReused", testIDsNeverReused},
		{"IntentsKeepTheirLanguage", testIntents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

var messageSeq atomic.Int64

// testEmail is a participation's email under a Message-ID of its own.
func testEmail() store.ParticipationEmail {
	return store.ParticipationEmail{MessageID: testMessage("", 0).MessageID, Lang: "es"}
}

func testMessage(kind string, supporterID int64) model.OutboxMessage {
	n := messageSeq.Add(1)
	return model.OutboxMessage{MessageID: fmt.Sprintf("m%d-%d@vigil.test", n, time.Now().UnixNano()), Kind: kind,
		State: model.MessageQueued, Sealed: []byte("sealed"), SupporterID: supporterID}
}

var actNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// newAppealAction stores an open appeal with two targets.
func newAppealAction(t *testing.T, s Store, slug string, mutate func(*model.Action)) model.Action {
	t.Helper()
	a := &model.Action{Slug: slug, Lang: "en", Kind: model.ActionAppeal, Title: "Write", Published: actNow.Add(-time.Hour),
		Deadline: actNow.Add(30 * 24 * time.Hour), Goal: 100, Delivery: model.DeliverEach,
		Targets: []model.Target{
			{Name: "Minister", Email: "minister@example.org", Salutation: "Dear Minister,", Lang: "en"},
			{Name: "Ambassador", Email: "ambassador@example.org", Salutation: "Dear Ambassador,", Lang: "en"},
		}}
	if mutate != nil {
		mutate(a)
	}
	if err := s.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.ActionBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func participate(slug, email string, now time.Time) store.Participate {
	return store.Participate{ActionSlug: slug, Now: now,
		Supporter:     model.Supporter{Email: email, Name: "Ana Pérez", Country: "VE", PostalCode: "1010", Lang: "es"},
		Participation: model.Participation{Subject: "Release them", Letter: "Dear Minister,\n\nRelease them.", IPHash: []byte{1, 2, 3}, AgentClass: "mobile", FillMillis: 42000},
		Consents:      []model.Consent{{Key: "updates", Text: "Email me about this action.", Given: true, Source: "/actions/" + slug}},
		Email:         testEmail(),
	}
}

func testParticipateCountsOnce(t *testing.T, s Store) {
	a := newAppealAction(t, s, "appeal", func(a *model.Action) { a.Count = 10 })
	res, err := s.Participate(ctx, participate("appeal", "ana@example.org", actNow))
	if err != nil {
		t.Fatal(err)
	}
	// Nothing counts before the mailbox confirms: a stranger submitting
	// an address sees the same count whether it is new, known or signed.
	if !res.NewSupporter || res.Confirmed || res.Duplicate || res.Count != 10 || res.SupporterID == 0 || res.ParticipationID == 0 {
		t.Fatalf("first participation: %+v", res)
	}
	if after, _ := s.ActionBySlug(ctx, "appeal"); after.Count != 10 {
		t.Errorf("count %d before confirmation, want 10", after.Count)
	}
	if _, _, err := s.ConfirmParticipation(ctx, res.ParticipationID, actNow.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.ActionBySlug(ctx, "appeal"); after.Count != 11 {
		t.Errorf("count %d after confirmation, want 11", after.Count)
	}
	if _, _, err := s.ConfirmParticipation(ctx, res.ParticipationID, actNow.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.ActionBySlug(ctx, "appeal"); after.Count != 11 {
		t.Errorf("count %d after a second confirmation of one participation, want 11", after.Count)
	}
	if res.Action.ID != a.ID {
		t.Errorf("participated in %+v, want action %d", res.Action, a.ID)
	}
	res2, err := s.Participate(ctx, participate("appeal", "ana@example.org", actNow.Add(time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Duplicate || res2.NewSupporter || res2.Count != 11 || res2.ParticipationID != res.ParticipationID {
		t.Errorf("repeat: %+v", res2)
	}
	if after, _ := s.ActionBySlug(ctx, "appeal"); after.Count != 11 {
		t.Errorf("count %d after a repeat, want 11", after.Count)
	}
	// Both queued their email, once the ids were known: a request to
	// confirm, then thanks again for the repeat of a confirmed one.
	counts, _ := s.OutboxCounts(ctx)
	if counts[model.MessageQueued] != 2 {
		t.Errorf("outbox %v, want 2 queued", counts)
	}
	emails, err := s.ClaimMessages(ctx, actNow.Add(time.Hour), actNow.Add(2*time.Hour), 10)
	if err != nil || len(emails) != 2 {
		t.Fatalf("emails of a participation and its repeat: %+v, %v", emails, err)
	}
	for i, kind := range []string{model.EmailConfirm, model.EmailThanksAgain} {
		if m := emails[i]; m.Kind != kind || !m.Intent() || m.SupporterID != res.SupporterID ||
			m.ParticipationID != res.ParticipationID || m.Lang != "es" {
			t.Errorf("email %d: %+v, want a %s intent for supporter %d, participation %d", i, m, kind, res.SupporterID, res.ParticipationID)
		}
	}
	// What was stored reads back whole.
	sup, err := s.SupporterByEmail(ctx, "ana@example.org")
	if err != nil || sup.Name != "Ana Pérez" || sup.PostalCode != "1010" || sup.Country != "VE" || sup.Lang != "es" || !sup.Confirmed.Equal(actNow.Add(time.Second)) {
		t.Fatalf("supporter %+v, %v", sup, err)
	}
	p, err := s.Participation(ctx, res.ParticipationID)
	if err != nil || p.Letter != "Dear Minister,\n\nRelease them." || p.Subject != "Release them" || p.AgentClass != "mobile" ||
		p.FillMillis != 42000 || string(p.IPHash) != string([]byte{1, 2, 3}) || !p.Created.Equal(actNow) {
		t.Errorf("participation %+v, %v", p, err)
	}
	// The latest name wins while the address is not confirmed.
	np := participate("appeal", "eva@example.org", actNow)
	s.Participate(ctx, np)
	np.Supporter.Name, np.Email = "Eva María Pérez", testEmail()
	s.Participate(ctx, np)
	if sup, _ := s.SupporterByEmail(ctx, "eva@example.org"); sup.Name != "Eva María Pérez" {
		t.Errorf("name after a correction: %q", sup.Name)
	}
	// A confirmed supporter's name changes only through their mailbox.
	np = participate("appeal", "ana@example.org", actNow)
	np.Supporter.Name = "Someone Else"
	s.Participate(ctx, np)
	if sup, _ := s.SupporterByEmail(ctx, "ana@example.org"); sup.Name != "Ana Pérez" {
		t.Errorf("a repeat changed a confirmed supporter's name to %q", sup.Name)
	}
	consents, _ := s.Consents(ctx, res.SupporterID)
	if len(consents) != 1 || consents[0].Text != "Email me about this action." || !consents[0].Given {
		t.Errorf("consents %+v, want the one given with the confirmed participation", consents)
	}
	// Ana's address typed on another action, "updates" unticked: nothing
	// reaches her record until she confirms that participation herself.
	newAppealAction(t, s, "other", nil)
	typed := participate("other", "ana@example.org", actNow.Add(time.Hour))
	typed.Consents[0].Given = false
	other, _ := s.Participate(ctx, typed)
	if cs, _ := s.Consents(ctx, res.SupporterID); len(cs) != 1 {
		t.Errorf("a form with a known address put consents on the record: %+v", cs)
	}
	if _, _, err := s.ConfirmParticipation(ctx, other.ParticipationID, actNow.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Consents(ctx, res.SupporterID); len(cs) != 2 || cs[1].Given {
		t.Errorf("consents after Ana confirmed the second participation: %+v", cs)
	}
}

func testParticipateRefuses(t *testing.T, s Store) {
	newAppealAction(t, s, "closed", func(a *model.Action) { a.Closed = true })
	newAppealAction(t, s, "past", func(a *model.Action) { a.Deadline = actNow.Add(-time.Minute) })
	for slug, want := range map[string]error{"closed": model.ErrClosed, "past": model.ErrClosed, "nothing": model.ErrNotFound} {
		if _, err := s.Participate(ctx, participate(slug, "ana@example.org", actNow)); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", slug, err, want)
		}
	}
	if _, err := s.SupporterByEmail(ctx, "ana@example.org"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a refused participation stored its supporter: %v", err)
	}
}

// takenEmail is a participation's email whose Message-ID an email already
// queued holds: the store cannot write it (model.ErrConflict).
func takenEmail(t *testing.T, s Store) store.ParticipationEmail {
	t.Helper()
	m := testMessage("confirm", 0)
	m.CreatedAt = actNow
	if err := s.EnqueueMessage(ctx, &m); err != nil {
		t.Fatal(err)
	}
	return store.ParticipationEmail{MessageID: m.MessageID, Lang: "es"}
}

func testEmailFailureStoresNothing(t *testing.T, s Store) {
	newAppealAction(t, s, "appeal", nil)
	p := participate("appeal", "ana@example.org", actNow)
	p.Email = takenEmail(t, s)
	_, err := s.Participate(ctx, p)
	if !errors.Is(err, model.ErrConflict) {
		t.Fatalf("participation whose email cannot be written: %v, want ErrConflict", err)
	}
	if a, _ := s.ActionBySlug(ctx, "appeal"); a.Count != 0 {
		t.Errorf("count %d after a failed participation", a.Count)
	}
	if _, err := s.SupporterByEmail(ctx, "ana@example.org"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("supporter stored without their email: %v", err)
	}
	if counts, _ := s.OutboxCounts(ctx); counts[model.MessageQueued] != 1 {
		t.Errorf("outbox %v, want only the email queued before", counts)
	}
}

// testFailuresAmongMany sends many participations at once, so that they
// share commits: refused ones (closed action, an email that cannot be
// written) leave nothing behind and undo nobody else's.
func testFailuresAmongMany(t *testing.T, s Store) {
	newAppealAction(t, s, "appeal", nil)
	newAppealAction(t, s, "closed", func(a *model.Action) { a.Closed = true })
	const n = 60
	errs := make([]error, n)
	taken := map[int]store.ParticipationEmail{}
	for i := 4; i < n; i += 6 {
		taken[i] = takenEmail(t, s)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		p := participate("appeal", fmt.Sprintf("p%d@example.org", i), actNow)
		switch i % 6 {
		case 1:
			p.ActionSlug = "closed"
		case 4:
			p.Email = taken[i]
		}
		go func() {
			defer wg.Done()
			_, errs[i] = s.Participate(ctx, p)
		}()
	}
	wg.Wait()
	stored := 0
	for i, err := range errs {
		_, found := s.SupporterByEmail(ctx, fmt.Sprintf("p%d@example.org", i))
		switch i % 6 {
		case 1, 4:
			if err == nil || found == nil {
				t.Errorf("participation %d: answered %v, supporter stored: %v", i, err, found == nil)
			}
			if i%6 == 1 && !errors.Is(err, model.ErrClosed) {
				t.Errorf("participation %d on a closed action: %v", i, err)
			}
			if i%6 == 4 && !errors.Is(err, model.ErrConflict) {
				t.Errorf("participation %d with an email that cannot be written: %v", i, err)
			}
		default:
			if err != nil || found != nil {
				t.Errorf("participation %d: answered %v, supporter not found: %v", i, err, found)
			}
			stored++
		}
	}
	if a, _ := s.ActionBySlug(ctx, "appeal"); a.Count != 0 {
		t.Errorf("count %d before any confirmation, want 0", a.Count)
	}
	if counts, _ := s.OutboxCounts(ctx); counts[model.MessageQueued] != stored+len(taken) {
		t.Errorf("outbox %v, want %d queued: one per participation stored, and the %d queued before", counts, stored+len(taken), len(taken))
	}
}

func testConfirmQueuesAppeals(t *testing.T, s Store) {
	a := newAppealAction(t, s, "appeal", nil)
	res, _ := s.Participate(ctx, participate("appeal", "ana@example.org", actNow))
	if ds, _ := s.AppealDeliveries(ctx, res.ParticipationID); len(ds) != 0 {
		t.Errorf("an unconfirmed appeal is waiting for delivery: %+v", ds)
	}
	sup, action, err := s.ConfirmParticipation(ctx, res.ParticipationID, actNow.Add(time.Hour))
	if err != nil || !sup.Confirmed.Equal(actNow.Add(time.Hour)) || action.ID != a.ID {
		t.Fatalf("confirm: %+v %+v %v", sup, action, err)
	}
	if p, _ := s.Participation(ctx, res.ParticipationID); !p.Confirmed.Equal(actNow.Add(time.Hour)) {
		t.Errorf("participation confirmed at %v", p.Confirmed)
	}
	if ds, _ := s.AppealDeliveries(ctx, res.ParticipationID); len(ds) != 2 || !ds[0].Queued.IsZero() {
		t.Errorf("deliveries after confirming: %+v", ds)
	}
	waiting, _ := s.ActionsWithWaitingAppeals(ctx)
	if len(waiting) != 1 || waiting[0].ID != a.ID {
		t.Errorf("waiting %+v", waiting)
	}
	// Confirming again changes nothing and is no error.
	if sup2, _, err := s.ConfirmParticipation(ctx, res.ParticipationID, actNow.Add(2*time.Hour)); err != nil ||
		!sup2.Confirmed.Equal(sup.Confirmed) {
		t.Errorf("second confirm: %+v %v", sup2, err)
	}

	// A confirmed supporter's next appeal still waits for its own
	// confirmation, and whoever typed their address changes none of their
	// details; a petition counts at once.
	newAppealAction(t, s, "second", nil)
	forged := participate("second", "ana@example.org", actNow.Add(3*time.Hour))
	forged.Supporter.Name = "Someone Else"
	res2, _ := s.Participate(ctx, forged)
	if !res2.Confirmed || res2.ParticipationConfirmed {
		t.Errorf("appeal of a confirmed supporter: confirmed %v, participation confirmed %v", res2.Confirmed, res2.ParticipationConfirmed)
	}
	if ds, _ := s.AppealDeliveries(ctx, res2.ParticipationID); len(ds) != 0 {
		t.Errorf("an appeal in a confirmed supporter's name goes out unconfirmed: %+v", ds)
	}
	if again, _ := s.Supporter(ctx, res.SupporterID); again.Name != "Ana Pérez" {
		t.Errorf("a submission changed a confirmed supporter's name to %q", again.Name)
	}
	// One link confirms one participation: the first one's confirmation
	// did not confirm this one.
	if p, _ := s.Participation(ctx, res2.ParticipationID); !p.Confirmed.IsZero() {
		t.Error("a later participation was confirmed by an earlier link")
	}
	pet := &model.Action{Slug: "sign", Lang: "en", Kind: model.ActionPetition, Title: "Sign", Published: actNow.Add(-time.Hour)}
	if err := s.CreateAction(ctx, pet); err != nil {
		t.Fatal(err)
	}
	// A confirmed supporter's signature, too, waits for its own link:
	// anyone who knows their address could otherwise sign in their name.
	res3, _ := s.Participate(ctx, participate("sign", "ana@example.org", actNow.Add(4*time.Hour)))
	if res3.ParticipationConfirmed || res3.Count != 0 {
		t.Errorf("a confirmed supporter's signature counted before its own confirmation: %+v", res3)
	}
	if p, _ := s.Participation(ctx, res3.ParticipationID); !p.Confirmed.IsZero() {
		t.Error("a confirmed supporter's signature is stored confirmed")
	}
	if _, _, err := s.ConfirmParticipation(ctx, 999999, actNow); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("confirm unknown: %v", err)
	}
	// Appeals confirmed after the action closed are not sent.
	closing := newAppealAction(t, s, "closing", func(a *model.Action) { a.Deadline = actNow.Add(time.Hour) })
	late, _ := s.Participate(ctx, participate("closing", "bea@example.org", actNow))
	if _, _, err := s.ConfirmParticipation(ctx, late.ParticipationID, actNow.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ds, _ := s.AppealDeliveries(ctx, late.ParticipationID); len(ds) != 0 {
		t.Errorf("an appeal confirmed after %s closed is queued: %+v", closing.Slug, ds)
	}
}

func testRemoveAndUnsubscribe(t *testing.T, s Store) {
	newAppealAction(t, s, "appeal", nil)
	res, _ := s.Participate(ctx, participate("appeal", "bob@example.org", actNow))
	if err := s.RemoveParticipation(ctx, res.ParticipationID, actNow); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.ActionBySlug(ctx, "appeal"); a.Count != 0 {
		t.Errorf("count %d after removal", a.Count)
	}
	if _, err := s.SupporterByEmail(ctx, "bob@example.org"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("an unconfirmed supporter with nothing left is still stored: %v", err)
	}
	if err := s.RemoveParticipation(ctx, res.ParticipationID, actNow); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("second removal: %v", err)
	}
	res, _ = s.Participate(ctx, participate("appeal", "cleo@example.org", actNow))
	if err := s.Unsubscribe(ctx, res.SupporterID, actNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if sup, _ := s.Supporter(ctx, res.SupporterID); !sup.Unsubscribed.Equal(actNow.Add(time.Hour)) {
		t.Errorf("unsubscribed at %v", sup.Unsubscribed)
	}
	if err := s.Unsubscribe(ctx, 999999, actNow); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unsubscribe unknown: %v", err)
	}
}

func testSubscribeAndConsents(t *testing.T, s Store) {
	sub := store.Subscribe{Supporter: model.Supporter{Email: "lucia@example.org", Lang: "es"},
		Consent: model.Consent{Key: "newsletter", Text: "Sí, envíenme el boletín.", Given: true, Source: "/"}, Now: actNow}
	var seen store.Subscribed
	res, err := s.Subscribe(ctx, sub, func(r store.Subscribed) ([]model.OutboxMessage, error) {
		seen = r
		return []model.OutboxMessage{testMessage("confirm", r.SupporterID)}, nil
	})
	if err != nil || !res.NewSupporter || res.Confirmed || seen.SupporterID != res.SupporterID {
		t.Fatalf("subscribe: %+v %v", res, err)
	}
	// Whoever typed the address may not be its owner: the yes waits for
	// the link sent to the mailbox, even when the owner confirms some
	// other action meanwhile.
	if consents, _ := s.Consents(ctx, res.SupporterID); len(consents) != 0 {
		t.Errorf("a sign-up's yes is on record before its link: %+v", consents)
	}
	petition(t, s, "other")
	other, err := s.Participate(ctx, store.Participate{ActionSlug: "other", Now: actNow, Supporter: sub.Supporter})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ConfirmParticipation(ctx, other.ParticipationID, actNow); err != nil {
		t.Fatal(err)
	}
	sup, _ := s.Supporter(ctx, res.SupporterID)
	consents, _ := s.Consents(ctx, res.SupporterID)
	if _, yes := model.NewsletterYes(sup, consents); yes || len(consents) != 0 {
		t.Errorf("confirming a petition put the sign-up's yes on record: %+v", consents)
	}
	// The sign-up's own link: the yes, as it was typed, once.
	if err := s.ConfirmSupporter(ctx, res.SupporterID, actNow, sub.Consent); err != nil {
		t.Fatal(err)
	}
	consents, _ = s.Consents(ctx, res.SupporterID)
	if len(consents) != 1 || consents[0].Key != "newsletter" || consents[0].Text != "Sí, envíenme el boletín." || !consents[0].At.Equal(actNow) {
		t.Errorf("consents after confirming: %+v", consents)
	}
	// A sign-up with a confirmed address stores nothing: not the name
	// typed, not a consent. Only the link sent to the mailbox does.
	stranger := sub
	stranger.Supporter.Name = "Mallory"
	stranger.Consent.Text = "typed by someone else"
	known, _ := s.Subscribe(ctx, stranger, func(r store.Subscribed) ([]model.OutboxMessage, error) { return nil, nil })
	if !known.Confirmed || known.SupporterID != res.SupporterID {
		t.Errorf("sign-up with a confirmed address: %+v", known)
	}
	if consents, _ := s.Consents(ctx, res.SupporterID); len(consents) != 1 {
		t.Errorf("a sign-up with a known address stored consents: %+v", consents)
	}
	if sup, _ := s.Supporter(ctx, res.SupporterID); sup.Name == "Mallory" {
		t.Error("a sign-up with a known address changed the name")
	}
	// Signing up again after unsubscribing takes a confirmation from the
	// supporter's own mailbox: a sign-up by anyone else changes nothing.
	s.Unsubscribe(ctx, res.SupporterID, actNow)
	s.Subscribe(ctx, sub, func(r store.Subscribed) ([]model.OutboxMessage, error) { return nil, nil })
	if sup, _ := s.Supporter(ctx, res.SupporterID); sup.Unsubscribed.IsZero() {
		t.Error("a sign-up undid an unsubscription without confirmation")
	}
	if err := s.ConfirmSupporter(ctx, res.SupporterID, actNow.Add(time.Hour), sub.Consent); err != nil {
		t.Fatal(err)
	}
	if sup, _ := s.Supporter(ctx, res.SupporterID); !sup.Unsubscribed.IsZero() {
		t.Error("still unsubscribed after confirming the new sign-up")
	}
	if consents, _ := s.Consents(ctx, res.SupporterID); len(consents) != 2 || !consents[1].At.Equal(actNow.Add(time.Hour)) {
		t.Errorf("the yes given again through the mailbox is not on record: %+v", consents)
	}
}

func testCloseExpired(t *testing.T, s Store) {
	c := &model.Case{Slug: "c", Lang: "en", Title: "C", Status: model.CaseActive, Published: actNow.Add(-time.Hour), Updated: actNow.Add(-time.Hour)}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	newAppealAction(t, s, "soon", func(a *model.Action) { a.CaseSlug = "c"; a.Deadline = actNow.Add(time.Hour) })
	newAppealAction(t, s, "later", func(a *model.Action) { a.CaseSlug = "c"; a.Deadline = actNow.Add(48 * time.Hour) })
	if n, err := s.CloseExpired(ctx, actNow.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("first closing: %d, %v", n, err)
	}
	if got, _ := s.CaseBySlug(ctx, "c"); got.Status != model.CaseActive {
		t.Errorf("case %s while an action is open", got.Status)
	}
	if n, _ := s.CloseExpired(ctx, actNow.Add(49*time.Hour)); n != 1 {
		t.Errorf("second closing: %d", n)
	}
	if got, _ := s.CaseBySlug(ctx, "c"); got.Status != model.CaseMonitoring {
		t.Errorf("case %s with nothing open, want monitoring", got.Status)
	}
}

func testRemindAndPurge(t *testing.T, s Store) {
	newAppealAction(t, s, "appeal", nil)
	old, _ := s.Participate(ctx, participate("appeal", "old@example.org", actNow))
	s.Participate(ctx, participate("appeal", "new@example.org", actNow.Add(47*time.Hour)))
	confirmed, _ := s.Participate(ctx, participate("appeal", "yes@example.org", actNow))
	s.ConfirmParticipation(ctx, confirmed.ParticipationID, actNow.Add(time.Hour))

	var reminded []string
	remind := func(p store.Pending) (model.OutboxMessage, error) {
		reminded = append(reminded, p.Supporter.Email)
		if p.Action.Slug != "appeal" || p.Participation.ID == 0 {
			t.Errorf("pending %+v", p)
		}
		return testMessage("reminder", p.Supporter.ID), nil
	}
	at := actNow.Add(48 * time.Hour)
	if n, err := s.RemindUnconfirmed(ctx, at.Add(-48*time.Hour+time.Minute), at, remind); err != nil || n != 1 || reminded[0] != "old@example.org" {
		t.Fatalf("reminders: %d %v %v", n, reminded, err)
	}
	if n, _ := s.RemindUnconfirmed(ctx, at.Add(time.Hour), at, remind); n != 1 || reminded[1] != "new@example.org" {
		t.Errorf("later reminders %v: only the one not reminded yet", reminded)
	}
	n, err := s.PurgeUnconfirmed(ctx, actNow.Add(time.Minute), actNow.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if _, err := s.Participation(ctx, old.ParticipationID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("purged participation still there: %v", err)
	}
	if a, _ := s.ActionBySlug(ctx, "appeal"); a.Count != 1 {
		t.Errorf("count %d after purging, want 1: the confirmed one (the others never counted)", a.Count)
	}
	if _, err := s.SupporterByEmail(ctx, "yes@example.org"); err != nil {
		t.Errorf("a confirmed supporter was purged: %v", err)
	}
}

// testReminderAboutAnOpenAction: a supporter whose oldest unconfirmed
// participation is on an action closed since is reminded about a later
// one still open; one with nothing open left is reminded of nothing.
func testReminderAboutAnOpenAction(t *testing.T, s Store) {
	newAppealAction(t, s, "early", func(a *model.Action) { a.Deadline = actNow.Add(24 * time.Hour) })
	newAppealAction(t, s, "late", nil)
	if _, err := s.Participate(ctx, participate("early", "dan@example.org", actNow)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Participate(ctx, participate("late", "dan@example.org", actNow.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Participate(ctx, participate("early", "eve@example.org", actNow)); err != nil {
		t.Fatal(err)
	}
	var reminded []string
	remind := func(p store.Pending) (model.OutboxMessage, error) {
		reminded = append(reminded, p.Supporter.Email+" on "+p.Action.Slug)
		return testMessage("reminder", p.Supporter.ID), nil
	}
	at := actNow.Add(48 * time.Hour) // "early" closed at its deadline
	n, err := s.RemindUnconfirmed(ctx, at.Add(-time.Hour), at, remind)
	if err != nil || n != 1 || len(reminded) != 1 || reminded[0] != "dan@example.org on late" {
		t.Fatalf("reminders: %d %v %v, want one, dan@example.org on late", n, reminded, err)
	}
	if n, err := s.RemindUnconfirmed(ctx, at.Add(-time.Hour), at.Add(time.Hour), remind); err != nil || n != 0 {
		t.Errorf("a second run reminded %d (%v): one reminder a supporter", n, err)
	}
}

func testQueueAppeals(t *testing.T, s Store) {
	each := newAppealAction(t, s, "each", func(a *model.Action) { a.DailyCap = 2 })
	digest := newAppealAction(t, s, "digest", func(a *model.Action) { a.Delivery = model.DeliverDigest })
	var parts []int64
	for i, email := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		r, _ := s.Participate(ctx, participate("each", email, actNow.Add(time.Duration(i)*time.Minute)))
		s.ConfirmParticipation(ctx, r.ParticipationID, actNow.Add(time.Hour))
		parts = append(parts, r.ParticipationID)
		d, _ := s.Participate(ctx, participate("digest", email, actNow))
		s.ConfirmParticipation(ctx, d.ParticipationID, actNow.Add(time.Hour))
	}
	perLetter := func(a model.Action, tg model.Target, letters []store.AppealLetter) ([]model.OutboxMessage, error) {
		var out []model.OutboxMessage
		for _, l := range letters {
			if l.Supporter.Email == "" || l.Participation.Letter == "" {
				t.Errorf("letter without its supporter or text: %+v", l)
			}
			out = append(out, testMessage("appeal", l.Supporter.ID))
		}
		return out, nil
	}
	day1 := actNow.Add(2 * time.Hour)
	n, err := s.QueueAppeals(ctx, store.QueueAppeals{ActionID: each.ID, Now: day1, DayStart: actNow.Truncate(24 * time.Hour), Cap: 2}, perLetter)
	if err != nil || n != 4 {
		t.Fatalf("day 1: queued %d (%v), want 2 per target", n, err)
	}
	if n, _ := s.QueueAppeals(ctx, store.QueueAppeals{ActionID: each.ID, Now: day1.Add(time.Hour), DayStart: actNow.Truncate(24 * time.Hour), Cap: 2}, perLetter); n != 0 {
		t.Errorf("day 1 again: queued %d over the cap", n)
	}
	day2 := day1.Add(24 * time.Hour)
	if n, _ := s.QueueAppeals(ctx, store.QueueAppeals{ActionID: each.ID, Now: day2, DayStart: day2.Truncate(24 * time.Hour), Cap: 2}, perLetter); n != 2 {
		t.Errorf("day 2: queued %d, want the remaining one per target", n)
	}
	// The outbox row of an appeal being sent marks it delivered.
	claimed, _ := s.ClaimMessages(ctx, day2.Add(time.Hour), day2.Add(2*time.Hour), 100)
	for _, m := range claimed {
		s.MarkSent(ctx, m.ID, day2.Add(time.Hour))
	}
	ds, _ := s.AppealDeliveries(ctx, parts[0])
	if len(ds) != 2 || ds[0].Delivered.IsZero() || !ds[0].Queued.Equal(day1) {
		t.Errorf("deliveries of the first appeal: %+v", ds)
	}

	// Digest: the waiting appeals in one message per target, once a day.
	// (The supporters confirmed above, so their digest appeals were
	// confirmed as they were made.)
	calls := 0
	oneDigest := func(a model.Action, tg model.Target, letters []store.AppealLetter) ([]model.OutboxMessage, error) {
		calls++
		if len(letters) != 3 {
			t.Errorf("digest of %d letters, want 3", len(letters))
		}
		return []model.OutboxMessage{testMessage("digest", 0)}, nil
	}
	if n, _ := s.QueueAppeals(ctx, store.QueueAppeals{ActionID: digest.ID, Now: day2, DayStart: day2.Truncate(24 * time.Hour), Digest: true}, oneDigest); n != 6 || calls != 2 {
		t.Errorf("digest: queued %d in %d calls, want 6 in 2", n, calls)
	}
	if n, _ := s.QueueAppeals(ctx, store.QueueAppeals{ActionID: digest.ID, Now: day2.Add(time.Hour), DayStart: day2.Truncate(24 * time.Hour), Digest: true}, oneDigest); n != 0 {
		t.Errorf("second digest the same day: %d", n)
	}
}

// testIDsNeverReused: a supporter or participation removed leaves its id
// behind for good, so a link in an old email cannot act on someone new.
func testIDsNeverReused(t *testing.T, s Store) {
	newAppealAction(t, s, "appeal", nil)
	first, err := s.Participate(ctx, participate("appeal", "attacker@example.org", actNow))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveParticipation(ctx, first.ParticipationID, actNow); err != nil {
		t.Fatal(err)
	}
	second, err := s.Participate(ctx, participate("appeal", "victim@example.org", actNow))
	if err != nil {
		t.Fatal(err)
	}
	if second.SupporterID <= first.SupporterID || second.ParticipationID <= first.ParticipationID {
		t.Errorf("ids reused: supporter %d then %d, participation %d then %d",
			first.SupporterID, second.SupporterID, first.ParticipationID, second.ParticipationID)
	}
	if err := s.ConfirmSupporter(ctx, first.SupporterID, actNow, model.Consent{}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("confirming the removed supporter's id: %v, want ErrNotFound", err)
	}
	if sup, _ := s.Supporter(ctx, second.SupporterID); !sup.Confirmed.IsZero() {
		t.Error("the new supporter was confirmed through the old id")
	}
}

// testIntents: a participation's email may be stored as an intent, without
// content; it reads back, and is claimed, with its language, supporter and
// participation. A message with neither content nor those is refused.
func testIntents(t *testing.T, s Store) {
	newAppealAction(t, s, "appeal", nil)
	p := participate("appeal", "ana@example.org", actNow)
	p.Email = store.ParticipationEmail{MessageID: "intent@vigil.test", Lang: "es"}
	res, err := s.Participate(ctx, p)
	if err != nil {
		t.Fatalf("participate: %v", err)
	}
	if counts, _ := s.OutboxCounts(ctx); counts[model.MessageQueued] != 1 {
		t.Fatalf("outbox %v, want the intent queued", counts)
	}
	claimed, err := s.ClaimMessages(ctx, actNow.Add(time.Minute), actNow.Add(time.Hour), 10)
	if err != nil || len(claimed) != 1 || !claimed[0].Intent() || claimed[0].Lang != "es" ||
		claimed[0].ParticipationID != res.ParticipationID {
		t.Fatalf("claimed: %+v, %v", claimed, err)
	}
	got, err := s.OutboxMessage(ctx, claimed[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Intent() || got.MessageID != "intent@vigil.test" || got.Lang != "es" || got.Kind != model.EmailConfirm ||
		got.SupporterID != res.SupporterID || got.ParticipationID != res.ParticipationID || !got.CreatedAt.Equal(actNow) {
		t.Fatalf("stored intent: %+v", got)
	}
	// What composing it reads of the action.
	if a, err := s.ActionOfParticipation(ctx, res.ParticipationID); err != nil || a.ID != res.Action.ID ||
		a.Slug != "appeal" || a.Kind != model.ActionAppeal || a.Title != "Write" {
		t.Errorf("action of participation: %+v, %v", a, err)
	}
	if _, err := s.ActionOfParticipation(ctx, res.ParticipationID+1000); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("action of an unknown participation: %v, want not found", err)
	}
	bad := &model.OutboxMessage{MessageID: "nothing@vigil.test", Kind: "confirm", SupporterID: res.SupporterID}
	if err := s.EnqueueMessage(ctx, bad); err == nil {
		t.Error("a message without content, participation or language was queued")
	}
	if _, err := s.OutboxMessage(ctx, bad.ID); bad.ID != 0 && err == nil {
		t.Error("the refused message was stored")
	}
}
