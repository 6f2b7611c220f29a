package demo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/testutil"
)

// TestDemoIndividuals: the reference case holds 252 anonymised
// individuals whose one event is what the campaign page says, so its
// published figure (252 returned) is true; the re-detention lives in the
// training case, never published, with its drafted follow-up; a second
// install adds nothing.
func TestDemoIndividuals(t *testing.T) {
	ctx := context.Background()
	db := testutil.SQLite(t)
	start := time.Now()
	if _, err := demo.Install(ctx, db, testutil.Now); err != nil {
		t.Fatal(err)
	}
	t.Logf("demo installed in %v", time.Since(start))
	c, err := db.CaseBySlug(ctx, demo.CaseSlug)
	if err != nil {
		t.Fatal(err)
	}
	records, err := db.RecordsOfCase(ctx, c.ID)
	if err != nil || len(records) != demo.Individuals {
		t.Fatalf("%d records, %v; want %d", len(records), err, demo.Individuals)
	}
	for i, r := range records {
		if r.Name != "" || !strings.HasPrefix(r.Label, "Individual ") || len(r.Events) != 1 || r.Status() != model.RecordReturned ||
			!r.Events[0].Date.Equal(time.Date(2025, 7, 18, 0, 0, 0, 0, time.UTC)) || !strings.Contains(r.Events[0].Source, "campaign page") {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
	if records[0].Label != "Individual 001" || records[251].Label != "Individual 252" {
		t.Errorf("labels run %q … %q", records[0].Label, records[251].Label)
	}
	if c.FiguresIntro != "What we know of the 252 men" || !c.Figures.Shown() || c.Figures.Total != 252 ||
		len(c.Figures.Figures) != 1 || c.Figures.Figures[0] != (model.Figure{Status: model.RecordReturned, Count: 252}) {
		t.Errorf("published figures: %q %+v", c.FiguresIntro, c.Figures)
	}
	if es := c.In("es"); es.FiguresIntro != "Lo que sabemos de los 252 hombres" {
		t.Errorf("the introduction in Spanish: %q", es.FiguresIntro)
	}

	// The training case: not public, its re-detention drafted a follow-up.
	if _, err := db.CaseBySlug(ctx, demo.TrainingSlug); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the training case in public: %v", err)
	}
	drafts, err := db.FollowUpDrafts(ctx)
	if err != nil || len(drafts) != 1 || drafts[0].Title != "TRAINING 01/26 — further information" || !drafts[0].Published.IsZero() ||
		len(drafts[0].Targets) != 1 || !strings.HasSuffix(drafts[0].Targets[0].Email, ".invalid") {
		t.Fatalf("drafts: %+v, %v", drafts, err)
	}
	if _, err := db.ActionBySlug(ctx, drafts[0].Slug); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the draft in public: %v", err)
	}
	if _, err := db.ActionBySlug(ctx, "training-fictional-appeal"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the training appeal in public: %v", err)
	}

	if _, err := demo.Install(ctx, db, testutil.Now); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.RecordsOfCase(ctx, c.ID); len(again) != demo.Individuals {
		t.Errorf("%d records after a second install", len(again))
	}
	if again, _ := db.FollowUpDrafts(ctx); len(again) != 1 {
		t.Errorf("%d drafts after a second install", len(again))
	}
}
