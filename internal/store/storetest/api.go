package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"slices"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// testAPIKeys: a key is found by its hash, listed, touched and revoked,
// and the audit log names what was done to it, never its hash.
func testAPIKeys(t *testing.T, s Store) {
	now := day(2026, 3, 1)
	hash := sha256.Sum256([]byte("vgl_secret"))
	actx := store.WithActor(ctx, model.Actor{UserID: 0, Email: "admin@example.org", At: now})
	k := &model.APIKey{Name: "CRM sync", Hash: hash[:], Scopes: []model.Scope{model.ScopeRead, model.ScopePeople},
		Created: now, CreatedBy: "admin@example.org"}
	if err := s.CreateAPIKey(actx, k); err != nil {
		t.Fatal(err)
	}
	if k.ID == 0 {
		t.Fatal("no ID set")
	}
	again := &model.APIKey{Name: "copy", Hash: hash[:], Scopes: []model.Scope{model.ScopeRead}, Created: now}
	if err := s.CreateAPIKey(ctx, again); !errors.Is(err, model.ErrConflict) {
		t.Errorf("same hash twice: %v, want ErrConflict", err)
	}
	got, err := s.APIKeyByHash(ctx, hash[:])
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "CRM sync" || !got.Has(model.ScopePeople) || got.Has(model.ScopeWrite) || !got.Active() ||
		!got.Created.Equal(now) || got.CreatedBy != "admin@example.org" || !got.LastUsed.IsZero() {
		t.Errorf("found %+v", got)
	}
	other := sha256.Sum256([]byte("vgl_other"))
	if _, err := s.APIKeyByHash(ctx, other[:]); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown hash: %v, want ErrNotFound", err)
	}
	if err := s.TouchAPIKey(ctx, k.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIKey(actx, k.ID, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIKey(actx, k.ID, now.Add(3*time.Hour)); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if err := s.RevokeAPIKey(actx, k.ID+100, now); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("revoking an unknown key: %v, want ErrNotFound", err)
	}
	keys, err := s.APIKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %+v, %v", keys, err)
	}
	if k := keys[0]; k.Active() || !k.Revoked.Equal(now.Add(2*time.Hour)) || !k.LastUsed.Equal(now.Add(time.Hour)) {
		t.Errorf("after use and revocation: %+v", k)
	}
	log, err := s.AuditLog(ctx, store.AuditFilter{ObjectType: "apikey"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
		if bytes.Contains([]byte(e.Before+e.After), []byte("hash")) {
			t.Errorf("audit entry %s keeps the hash: %s %s", e.Action, e.Before, e.After)
		}
	}
	if !slices.Equal(actions, []string{"apikey.revoke", "apikey.add"}) {
		t.Errorf("audited %v, want the revocation once and the creation", actions)
	}
}

// testPeopleSyncByModified: an integrator asking for what changed since
// its last sync finds each supporter whose details, confirmation or
// subscription changed, and no erased one.
func testPeopleSyncByModified(t *testing.T, s Store) {
	petition(t, s, "p")
	petition(t, s, "q")
	ana := sign(t, s, "p", "ana@example.org", "", true)      // signed 1 Feb, confirmed 2 Feb
	bruno := sign(t, s, "p", "bruno@example.org", "", false) // signed 1 Feb
	carla := sign(t, s, "p", "carla@example.org", "", false)
	people, total, err := s.People(ctx, store.PeopleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 || len(people) != 3 || people[0].ID != bruno.SupporterID || people[1].ID != carla.SupporterID ||
		people[2].ID != ana.SupporterID {
		t.Fatalf("people %d %+v: want Bruno and Carla (1 Feb), then Ana (confirmed 2 Feb)", total, people)
	}
	if people[2].Email != "ana@example.org" || people[2].Name != "Name ana@example.org" || people[2].PostalCode != "1010" ||
		!people[2].Updated.Equal(day(2026, 2, 2)) {
		t.Errorf("Ana read as %+v", people[2])
	}
	// Later: Bruno signs again with a new name, Carla unsubscribes, Ana
	// is erased.
	since := day(2026, 2, 10)
	if _, err := s.Participate(ctx, store.Participate{ActionSlug: "q", Now: day(2026, 2, 11),
		Supporter: model.Supporter{Email: "bruno@example.org", Name: "Bruno D.", Lang: "es"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(ctx, carla.SupporterID, day(2026, 2, 12)); err != nil {
		t.Fatal(err)
	}
	if err := s.EraseSupporter(ctx, ana.SupporterID, day(2026, 2, 13)); err != nil {
		t.Fatal(err)
	}
	people, total, err = s.People(ctx, store.PeopleFilter{ModifiedAfter: since})
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(people) != 2 || people[0].Name != "Bruno D." || !people[0].Updated.Equal(day(2026, 2, 11)) ||
		people[1].ID != carla.SupporterID || people[1].Unsubscribed.IsZero() {
		t.Errorf("changed since 10 Feb: %d %+v; want Bruno renamed, then Carla unsubscribed, not Ana (erased)", total, people)
	}
	// By email, through the blind index; paging.
	people, total, err = s.People(ctx, store.PeopleFilter{Email: "carla@example.org"})
	if err != nil || total != 1 || len(people) != 1 || people[0].ID != carla.SupporterID {
		t.Errorf("by email: %d %+v, %v", total, people, err)
	}
	people, total, err = s.People(ctx, store.PeopleFilter{Email: "ana@example.org"})
	if err != nil || total != 0 || len(people) != 0 {
		t.Errorf("an erased supporter by email: %d %+v, %v", total, people, err)
	}
	people, total, err = s.People(ctx, store.PeopleFilter{Offset: 1, Limit: 1})
	if err != nil || total != 2 || len(people) != 1 || people[0].ID != carla.SupporterID {
		t.Errorf("second page of one: %d %+v, %v", total, people, err)
	}
	people, _, err = s.People(ctx, store.PeopleFilter{ModifiedBefore: day(2026, 2, 12)})
	if err != nil || len(people) != 1 || people[0].Name != "Bruno D." {
		t.Errorf("changed before 12 Feb: %+v, %v", people, err)
	}
}

// testParticipationsPage: signatures listed per action, per supporter
// and per kind, by the time they changed, without the erased.
func testParticipationsPage(t *testing.T, s Store) {
	petition(t, s, "p")
	appeal := &model.Action{Slug: "a", Lang: "en", Kind: model.ActionAppeal, Title: "Write", Published: day(2026, 1, 1)}
	if err := s.CreateAction(ctx, appeal); err != nil {
		t.Fatal(err)
	}
	ana := sign(t, s, "p", "ana@example.org", "Free them", false)
	bruno := sign(t, s, "p", "bruno@example.org", "", true)
	letter, err := s.Participate(ctx, store.Participate{ActionSlug: "a", Now: day(2026, 2, 3),
		Supporter:     model.Supporter{Email: "ana@example.org", Lang: "es"},
		Participation: model.Participation{Subject: "Release them", Letter: "Dear Minister"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ps []model.Participation) []int64 {
		var out []int64
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	ps, total, err := s.ParticipationsPage(ctx, store.ParticipationFilter{Kind: model.ActionPetition})
	if err != nil {
		t.Fatal(err)
	}
	// Ana's signature changed on 1 Feb, Bruno's when confirmed on 2 Feb.
	if total != 2 || !slices.Equal(ids(ps), []int64{ana.ParticipationID, bruno.ParticipationID}) || ps[0].Comment != "Free them" {
		t.Errorf("signatures %d %+v", total, ps)
	}
	ps, total, err = s.ParticipationsPage(ctx, store.ParticipationFilter{SupporterID: ana.SupporterID})
	if err != nil || total != 2 || !slices.Equal(ids(ps), []int64{ana.ParticipationID, letter.ParticipationID}) ||
		ps[1].Letter != "Dear Minister" || ps[1].Subject != "Release them" {
		t.Errorf("Ana's: %d %+v, %v", total, ps, err)
	}
	ps, _, err = s.ParticipationsPage(ctx, store.ParticipationFilter{ActionID: appeal.ID})
	if err != nil || !slices.Equal(ids(ps), []int64{letter.ParticipationID}) {
		t.Errorf("the appeal's: %+v, %v", ps, err)
	}
	ps, _, err = s.ParticipationsPage(ctx, store.ParticipationFilter{ModifiedAfter: day(2026, 2, 1)})
	if err != nil || !slices.Equal(ids(ps), []int64{bruno.ParticipationID, letter.ParticipationID}) {
		t.Errorf("changed after 1 Feb: %+v, %v", ps, err)
	}
	if err := s.EraseSupporter(ctx, ana.SupporterID, day(2026, 3, 1)); err != nil {
		t.Fatal(err)
	}
	ps, total, err = s.ParticipationsPage(ctx, store.ParticipationFilter{})
	if err != nil || total != 1 || !slices.Equal(ids(ps), []int64{bruno.ParticipationID}) {
		t.Errorf("after Ana's erasure: %d %+v, %v", total, ps, err)
	}
	ps, _, err = s.ParticipationsPage(ctx, store.ParticipationFilter{ID: ana.ParticipationID})
	if err != nil || len(ps) != 0 {
		t.Errorf("an erased supporter's signature by ID: %+v, %v", ps, err)
	}
}

// testTags: the themes of published actions, by name, once each.
func testTags(t *testing.T, s Store) {
	for i, a := range []*model.Action{
		{Slug: "p", Lang: "en", Kind: model.ActionPetition, Title: "P", Published: day(2026, 1, 1), Tags: []string{"Venezuela", "deportation"}},
		{Slug: "q", Lang: "en", Kind: model.ActionPetition, Title: "Q", Published: day(2026, 1, 2), Tags: []string{"Venezuela"}},
		{Slug: "draft", Lang: "en", Kind: model.ActionPetition, Title: "D", Tags: []string{"secret"}},
	} {
		if err := s.CreateAction(ctx, a); err != nil {
			t.Fatal(i, err)
		}
	}
	tags, err := s.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tag := range tags {
		if tag.ID == 0 {
			t.Errorf("tag %q without an ID", tag.Name)
		}
		names = append(names, tag.Name)
	}
	if !slices.Equal(names, []string{"Venezuela", "deportation"}) {
		t.Errorf("tags %v, want the published ones by code point, once each", names)
	}
}

// testWebhookDeliveries: each event queues one delivery per receiver that
// wants it, in its own transaction; deliveries are claimed once, marked,
// retried and resent; a removed receiver is sent nothing more.
func testWebhookDeliveries(t *testing.T, s Store) {
	now := day(2026, 2, 1)
	all := &model.Webhook{URL: "https://crm.example.org/hook", Secret: "first secret", Created: now}
	signatures := &model.Webhook{URL: "https://data.example.org/in", Secret: "second", Events: []string{model.EventSignature}, Created: now}
	for _, w := range []*model.Webhook{all, signatures} {
		if err := s.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	hooks, err := s.Webhooks(ctx)
	if err != nil || len(hooks) != 2 || hooks[0].Secret != "first secret" || hooks[1].Wants(model.EventErasure) ||
		!hooks[1].Wants(model.EventSignature) || !hooks[0].Wants(model.EventErasure) {
		t.Fatalf("webhooks %+v, %v", hooks, err)
	}
	petition(t, s, "p")
	appeal := &model.Action{Slug: "a", Lang: "en", Kind: model.ActionAppeal, Title: "Write", Published: day(2026, 1, 1)}
	if err := s.CreateAction(ctx, appeal); err != nil {
		t.Fatal(err)
	}
	ana := sign(t, s, "p", "ana@example.org", "", true) // a signature, then its confirmation
	sign(t, s, "p", "ana@example.org", "", false)       // a repeat: nothing
	if _, err := s.Participate(ctx, store.Participate{ActionSlug: "a", Now: day(2026, 2, 3),
		Supporter: model.Supporter{Email: "bruno@example.org", Lang: "es"}}); err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subscribe(ctx, store.Subscribe{Supporter: model.Supporter{Email: "carla@example.org", Lang: "es"},
		Consent: model.Consent{Key: "newsletter", Text: "Send me news", Source: "/subscribe"}, Now: day(2026, 2, 4)},
		func(store.Subscribed) ([]model.OutboxMessage, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmSupporter(ctx, sub.SupporterID, day(2026, 2, 5), model.Consent{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(ctx, sub.SupporterID, day(2026, 2, 6)); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(ctx, sub.SupporterID, day(2026, 2, 7)); err != nil { // again: nothing
		t.Fatal(err)
	}
	if err := s.EraseSupporter(ctx, ana.SupporterID, day(2026, 2, 8)); err != nil {
		t.Fatal(err)
	}
	events := func(hookID int64) []string {
		ds, err := s.Deliveries(ctx, hookID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.Event)
		}
		slices.Reverse(out)
		return out
	}
	if got, want := events(all.ID), []string{"signature", "confirmation", "outreach", "subscription", "confirmation",
		"unsubscription", "erasure"}; !slices.Equal(got, want) {
		t.Errorf("deliveries to the receiver of every event: %v, want %v", got, want)
	}
	if got := events(signatures.ID); !slices.Equal(got, []string{"signature"}) {
		t.Errorf("deliveries to the receiver of signatures: %v", got)
	}
	// Claimed once while the lease runs; again once it ran out.
	at := day(2026, 3, 1)
	first, err := s.ClaimDeliveries(ctx, at, at.Add(time.Minute), 3)
	if err != nil || len(first) != 3 || first[0].Attempts != 1 || first[0].State != model.DeliverySending {
		t.Fatalf("first claim: %+v, %v", first, err)
	}
	if first[0].Event != "signature" || first[0].ParticipationID != ana.ParticipationID || first[0].SupporterID != ana.SupporterID {
		t.Errorf("the first delivery: %+v", first[0])
	}
	rest, err := s.ClaimDeliveries(ctx, at, at.Add(time.Minute), 100)
	if err != nil || len(rest) != 5 {
		t.Fatalf("second claim: %d, %v; want the other 5", len(rest), err)
	}
	if again, err := s.ClaimDeliveries(ctx, at.Add(30*time.Second), at.Add(time.Minute), 100); err != nil || len(again) != 0 {
		t.Errorf("claimed again under the lease: %+v, %v", again, err)
	}
	if err := s.MarkDelivery(ctx, first[0].ID, true, at, time.Time{}, 200, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDelivery(ctx, first[1].ID, false, at, at.Add(time.Hour), 500, "server error"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDelivery(ctx, first[2].ID, false, at, time.Time{}, 410, "gone"); err != nil {
		t.Fatal(err)
	}
	// After the lease: the five never marked, and not the retried one yet.
	expired, err := s.ClaimDeliveries(ctx, at.Add(2*time.Minute), at.Add(3*time.Minute), 100)
	if err != nil || len(expired) != 5 || expired[0].Attempts != 2 {
		t.Errorf("after the lease ran out: %d %+v, %v", len(expired), expired, err)
	}
	retried, err := s.ClaimDeliveries(ctx, at.Add(2*time.Hour), at.Add(3*time.Hour), 100)
	if err != nil || len(retried) != 6 {
		t.Errorf("after the retry time: %d, %v", len(retried), err)
	}
	ds, err := s.Deliveries(ctx, all.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]model.WebhookDelivery{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	if d := byID[first[0].ID]; d.State != model.DeliverySent || !d.Sent.Equal(at) || d.LastStatus != 200 {
		t.Errorf("sent: %+v", d)
	}
	if d := byID[first[2].ID]; d.State != model.DeliveryFailed || d.LastError != "gone" || d.LastStatus != 410 {
		t.Errorf("failed: %+v", d)
	}
	if err := s.ResendDelivery(ctx, first[2].ID, at.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, err := s.ClaimDeliveries(ctx, at.Add(4*time.Hour), at.Add(5*time.Hour), 100); err != nil || len(again) != 7 ||
		!slices.ContainsFunc(again, func(d model.WebhookDelivery) bool { return d.ID == first[2].ID && d.Attempts == 1 }) {
		t.Errorf("after resending the failed one: %d, %v", len(again), err)
	}
	// A removed receiver: nothing claimed for it, nothing more queued.
	if err := s.RemoveWebhook(ctx, all.ID, at); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveWebhook(ctx, all.ID, at); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if got, err := s.ClaimDeliveries(ctx, at.Add(24*time.Hour), at.Add(25*time.Hour), 100); err != nil || len(got) != 1 ||
		got[0].WebhookID != signatures.ID {
		t.Errorf("after removing a receiver: %+v, %v", got, err)
	}
	sign(t, s, "p", "dario@example.org", "", false)
	if got := events(all.ID); len(got) != 7 {
		t.Errorf("queued for a removed receiver: %v", got)
	}
	if got := events(signatures.ID); len(got) != 2 {
		t.Errorf("the other receiver: %v", got)
	}
	// Someone who never confirmed is forgotten by receivers too: after
	// "it wasn't me", and after the purge; someone left with another
	// participation is not.
	erasures := &model.Webhook{URL: "https://crm.example.org/erase", Secret: "third", Events: []string{model.EventErasure}, Created: at}
	if err := s.CreateWebhook(ctx, erasures); err != nil {
		t.Fatal(err)
	}
	eli := sign(t, s, "p", "eli@example.org", "", false)
	if err := s.RemoveParticipation(ctx, eli.ParticipationID, day(2026, 3, 2)); err != nil {
		t.Fatal(err)
	}
	fay := sign(t, s, "p", "fay@example.org", "", false)
	sign(t, s, "a", "fay@example.org", "", true)
	if err := s.RemoveParticipation(ctx, fay.ParticipationID, day(2026, 3, 2)); err != nil {
		t.Fatal(err)
	}
	gil := sign(t, s, "p", "gil@example.org", "", false) // signed 1 Feb, never confirmed
	// Bruno and Dario never confirmed either.
	var purged []int64
	for _, email := range []string{"bruno@example.org", "dario@example.org"} {
		sup, err := s.SupporterByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		purged = append(purged, sup.ID)
	}
	if _, err := s.PurgeUnconfirmed(ctx, day(2026, 3, 1), day(2026, 3, 8)); err != nil {
		t.Fatal(err)
	}
	ds, err = s.Deliveries(ctx, erasures.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var erased []int64
	for _, d := range ds {
		erased = append(erased, d.SupporterID)
	}
	slices.Sort(erased)
	want := append([]int64{eli.SupporterID, gil.SupporterID}, purged...)
	slices.Sort(want)
	if !slices.Equal(erased, want) {
		t.Errorf("erasures queued for %v, want %v (Eli removed; Gil, Bruno and Dario purged; not Fay, who has another)", erased, want)
	}
}
