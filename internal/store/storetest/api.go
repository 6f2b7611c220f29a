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
