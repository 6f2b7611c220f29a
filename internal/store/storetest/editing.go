package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// RunEditing runs the conformance tests of what staff write: drafts,
// versions, publishing, and the audit entries each write leaves.
func RunEditing(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"CaseDraftSavePublish", testCaseDraftSavePublish},
		{"StaleSavesChangeNothing", testStaleSaves},
		{"ActionEditAndClose", testActionEditAndClose},
		{"NewsAndTargets", testNewsAndTargets},
		{"UpdateDraftsAndHiding", testUpdateDraftsAndHiding},
		{"Translations", testTranslations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var editor = model.Actor{UserID: 7, Email: "editor@example.org", IPHash: "ff", At: day(2026, 2, 1)}

func testCaseDraftSavePublish(t *testing.T, s Store) {
	c := store.WithActor(ctx, editor)
	cs := &model.Case{Slug: "draft", Lang: "en", Title: "A draft", Status: model.CaseActive, Updated: day(2026, 2, 1),
		Countries: []string{"SV"}, Tags: []string{"detention"},
		Timeline: []model.TimelineEvent{{Date: day(2025, 3, 16), Title: "Expelled", PeopleCount: 238}},
		Demands:  []model.Demand{{Text: "Release them"}}}
	if err := s.SaveCase(c, cs); err != nil {
		t.Fatal(err)
	}
	if cs.ID == 0 || cs.Version != 1 {
		t.Fatalf("new case: id %d, version %d", cs.ID, cs.Version)
	}
	if _, err := s.CaseBySlug(ctx, "draft"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a draft is public: %v", err)
	}
	all, _ := s.AllCases(ctx)
	if len(all) != 1 || all[0].Slug != "draft" {
		t.Errorf("AllCases = %+v", all)
	}
	// Edit: timeline and demands are replaced, not added to.
	cs.Title = "Men expelled"
	cs.Timeline = []model.TimelineEvent{
		{Date: day(2025, 7, 18), Title: "Returned", Place: "Caracas", PeopleCount: 252},
		{Date: day(2025, 3, 16), Title: "Expelled", PeopleCount: 238},
	}
	cs.Demands = []model.Demand{{Text: "Due process"}, {Text: "No re-detention"}}
	if err := s.SaveCase(c, cs); err != nil {
		t.Fatal(err)
	}
	got, err := s.CaseByID(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || cs.Version != 2 || got.Title != "Men expelled" || len(got.Timeline) != 2 ||
		got.Timeline[0].Title != "Expelled" || len(got.Demands) != 2 || got.Demands[1].Text != "No re-detention" {
		t.Errorf("after save: %+v", got)
	}
	if err := s.SetPublished(c, "case", cs.ID, got.Version, day(2026, 11, 1)); err != nil {
		t.Fatal(err)
	}
	if pub, err := s.CaseBySlug(ctx, "draft"); err != nil || pub.Version != 3 || !pub.Published.Equal(day(2026, 11, 1)) {
		t.Errorf("published: %+v, %v", pub, err)
	}
	// Publishing an update moves the case on: an editor holding version 3
	// would overwrite its new status.
	if err := s.PublishUpdate(c, "draft", &model.Update{Title: "Final", Final: true, Published: day(2026, 11, 2),
		CloseActions: true, Status: model.CaseMonitoring}); err != nil {
		t.Fatal(err)
	}
	got.Version = 3
	got.Title = "Overwriting"
	if err := s.SaveCase(c, &got); !errors.Is(err, model.ErrStale) {
		t.Errorf("save over a published update: %v, want ErrStale", err)
	}
	if err := s.SetPublished(c, "case", cs.ID, 4, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CaseBySlug(ctx, "draft"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("an unpublished case is public: %v", err)
	}
	log, _ := s.AuditLog(ctx, store.AuditFilter{ObjectType: "case", ObjectID: cs.ID})
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
		if e.UserEmail != editor.Email || e.UserID != editor.UserID {
			t.Errorf("entry by %q", e.UserEmail)
		}
	}
	if got := strings.Join(actions, " "); got != "case.unpublish update.publish case.publish case.save case.create" {
		t.Errorf("audit: %s", got)
	}
	save := log[3]
	if !strings.Contains(save.Before, `"Title":"A draft"`) || !strings.Contains(save.After, `"Title":"Men expelled"`) {
		t.Errorf("case.save before/after: %s → %s", save.Before, save.After)
	}
}

func testStaleSaves(t *testing.T, s Store) {
	cs := &model.Case{Slug: "c", Lang: "en", Title: "First", Status: model.CaseActive, Updated: day(2026, 2, 1)}
	if err := s.SaveCase(ctx, cs); err != nil {
		t.Fatal(err)
	}
	alice, bob := *cs, *cs
	alice.Title = "Alice's title"
	if err := s.SaveCase(ctx, &alice); err != nil {
		t.Fatal(err)
	}
	bob.Title = "Bob's title"
	if err := s.SaveCase(ctx, &bob); !errors.Is(err, model.ErrStale) {
		t.Errorf("second save from the same version: %v, want ErrStale", err)
	}
	got, _ := s.CaseByID(ctx, cs.ID)
	if got.Title != "Alice's title" || got.Version != 2 {
		t.Errorf("stored %q v%d", got.Title, got.Version)
	}
	if err := s.SetPublished(ctx, "case", cs.ID, 1, day(2026, 2, 2)); !errors.Is(err, model.ErrStale) {
		t.Errorf("publish at an old version: %v", err)
	}
	missing := model.Case{ID: 999, Version: 1, Slug: "x", Lang: "en", Title: "x", Status: model.CaseActive}
	if err := s.SaveCase(ctx, &missing); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("save of a missing case: %v", err)
	}
	// A taken slug is a conflict, not a stale version.
	other := &model.Case{Slug: "other", Lang: "en", Title: "Other", Status: model.CaseActive, Updated: day(2026, 2, 1)}
	s.SaveCase(ctx, other)
	other.Slug = "c"
	if err := s.SaveCase(ctx, other); !errors.Is(err, model.ErrConflict) {
		t.Errorf("taken slug: %v, want ErrConflict", err)
	}
}

func testActionEditAndClose(t *testing.T, s Store) {
	c := store.WithActor(ctx, editor)
	tg := &model.Target{Name: "Minister", Email: "minister@example.gov", Lang: "es"}
	if err := s.SaveTarget(c, tg); err != nil {
		t.Fatal(err)
	}
	a := &model.Action{Slug: "write", Lang: "en", Kind: model.ActionAppeal, Title: "Write", Goal: 100,
		Subject: "Release them", Letter: "Dear {{salutation}}", Targets: []model.Target{*tg},
		Consents: []model.ConsentRequest{{Key: "updates", Text: "Tell me what happens", Required: false}}}
	if err := s.SaveAction(c, a); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPublished(c, "action", a.ID, a.Version, day(2026, 11, 1)); err != nil {
		t.Fatal(err)
	}
	got, err := s.ActionByID(ctx, a.ID)
	if err != nil || got.Version != 2 || len(got.Targets) != 1 || got.Targets[0].ID != tg.ID {
		t.Fatalf("action: %+v, %v", got, err)
	}
	got.Goal = 500
	got.Targets = nil
	if err := s.SaveAction(c, &got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.ActionBySlug(ctx, "write")
	if again.Goal != 500 || len(again.Targets) != 0 || again.Published.IsZero() {
		t.Errorf("after edit: goal %d, %d targets, published %v", again.Goal, len(again.Targets), again.Published)
	}
	if err := s.CloseAction(c, a.ID, again.Version, true, day(2026, 11, 5)); err != nil {
		t.Fatal(err)
	}
	closed, _ := s.ActionBySlug(ctx, "write")
	if !closed.Closed || closed.IsOpen(day(2026, 11, 6)) {
		t.Error("closed action still open")
	}
	if err := s.CloseAction(c, a.ID, again.Version, false, day(2026, 11, 5)); !errors.Is(err, model.ErrStale) {
		t.Errorf("reopen at an old version: %v", err)
	}
	all, _ := s.AllActions(ctx)
	if len(all) != 1 {
		t.Errorf("AllActions: %d", len(all))
	}
}

func testNewsAndTargets(t *testing.T, s Store) {
	n := &model.NewsArticle{Slug: "n", Lang: "en", Title: "News", Tags: []string{"a"}}
	if err := s.SaveNews(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.Title, n.Tags = "Better news", []string{"b", "c"}
	if err := s.SaveNews(ctx, n); err != nil {
		t.Fatal(err)
	}
	got, err := s.NewsByID(ctx, n.ID)
	if err != nil || got.Title != "Better news" || len(got.Tags) != 2 || got.Version != 2 {
		t.Errorf("news: %+v, %v", got, err)
	}
	stale := got
	stale.Version = 1
	if err := s.SaveNews(ctx, &stale); !errors.Is(err, model.ErrStale) {
		t.Errorf("stale news save: %v", err)
	}
	if all, _ := s.AllNews(ctx); len(all) != 1 {
		t.Errorf("AllNews: %d", len(all))
	}
	tg := &model.Target{Name: "B", Lang: "en"}
	s.SaveTarget(ctx, tg)
	tg2 := *tg
	tg.Title = "Governor"
	if err := s.SaveTarget(ctx, tg); err != nil {
		t.Fatal(err)
	}
	tg2.Title = "Mayor"
	if err := s.SaveTarget(ctx, &tg2); !errors.Is(err, model.ErrStale) {
		t.Errorf("stale target save: %v", err)
	}
	if got, _ := s.TargetByID(ctx, tg.ID); got.Title != "Governor" {
		t.Errorf("target: %+v", got)
	}
}

func testUpdateDraftsAndHiding(t *testing.T, s Store) {
	cs := &model.Case{Slug: "c", Lang: "en", Title: "C", Status: model.CaseActive, Published: day(2026, 1, 1), Updated: day(2026, 1, 1)}
	if err := s.SaveCase(ctx, cs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateDraft(ctx, cs.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("no draft yet: %v", err)
	}
	var read time.Time
	for i, title := range []string{"First try", "Second try"} {
		saved := day(2026, 2, 1).Add(time.Duration(i) * time.Minute)
		if err := s.SaveUpdateDraft(ctx, cs.ID, model.Update{Title: title, Body: "Text", Final: true, Status: model.CaseMonitoring}, read, saved); err != nil {
			t.Fatal(err)
		}
		read = saved
	}
	// Another editor who read the first draft cannot overwrite the second.
	if err := s.SaveUpdateDraft(ctx, cs.ID, model.Update{Title: "Stale"}, day(2026, 2, 1), day(2026, 2, 1).Add(time.Hour)); !errors.Is(err, model.ErrStale) {
		t.Errorf("a draft saved over a newer one: %v", err)
	}
	if err := s.SaveUpdateDraft(ctx, cs.ID, model.Update{Title: "Fresh start"}, time.Time{}, day(2026, 2, 1).Add(time.Hour)); !errors.Is(err, model.ErrStale) {
		t.Errorf("a new draft over an existing one: %v", err)
	}
	d, err := s.UpdateDraft(ctx, cs.ID)
	if err != nil || d.Title != "Second try" || !d.Final || d.Status != model.CaseMonitoring {
		t.Errorf("draft: %+v, %v", d, err)
	}
	u := &model.Update{Number: 1, Title: "Second try", Body: "Text", Published: day(2026, 2, 2)}
	if err := s.PublishUpdate(ctx, "c", u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateDraft(ctx, cs.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the draft outlived its publication: %v", err)
	}
	if err := s.HideUpdate(ctx, u.ID, day(2026, 2, 3)); err != nil {
		t.Fatal(err)
	}
	if pub, _ := s.CaseBySlug(ctx, "c"); len(pub.Updates) != 0 {
		t.Errorf("an unpublished update is public: %+v", pub.Updates)
	}
	all, _ := s.CaseByID(ctx, cs.ID)
	if len(all.Updates) != 1 || all.Updates[0].Hidden.IsZero() {
		t.Errorf("staff see: %+v", all.Updates)
	}
	s.HideUpdate(ctx, u.ID, time.Time{})
	if pub, _ := s.CaseBySlug(ctx, "c"); len(pub.Updates) != 1 {
		t.Errorf("republished update missing: %+v", pub.Updates)
	}
	// Published from a form that saw no update yet, or another draft: stale.
	if err := s.PublishNextUpdate(ctx, cs.ID, &model.Update{Title: "Late", Published: day(2026, 2, 5)}, -1, time.Time{}); !errors.Is(err, model.ErrStale) {
		t.Errorf("publish over an update not seen: %v", err)
	}
	s.SaveUpdateDraft(ctx, cs.ID, model.Update{Title: "D"}, time.Time{}, day(2026, 2, 5))
	if err := s.PublishNextUpdate(ctx, cs.ID, &model.Update{Title: "Late", Published: day(2026, 2, 5)}, 1, time.Time{}); !errors.Is(err, model.ErrStale) {
		t.Errorf("publish over a draft not seen: %v", err)
	}
	seen := &model.Update{Title: "Seen", Published: day(2026, 2, 5)}
	if err := s.PublishNextUpdate(ctx, cs.ID, seen, 1, day(2026, 2, 5)); err != nil || seen.Number != 2 {
		t.Errorf("publish with what was seen: number %d, %v", seen.Number, err)
	}
	if _, err := s.UpdateDraft(ctx, cs.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("draft after publishing: %v", err)
	}
	s.HideUpdate(ctx, seen.ID, day(2026, 2, 5))
	// The next update is numbered after the hidden ones, never reusing them.
	next := &model.Update{Title: "Next", Published: day(2026, 2, 4)}
	s.HideUpdate(ctx, u.ID, day(2026, 2, 3))
	s.PublishUpdate(ctx, "c", next)
	if next.Number != 3 {
		t.Errorf("next number %d, want 3", next.Number)
	}
}
