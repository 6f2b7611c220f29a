package demo_test

import (
	"context"
	"testing"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/testutil"
)

func TestInstallTwiceDuplicatesNothing(t *testing.T) {
	ctx := context.Background()
	db := testutil.SQLite(t)
	loaded, err := demo.Install(ctx, db, testutil.Now)
	if err != nil || !loaded {
		t.Fatalf("first install: loaded %v, %v", loaded, err)
	}
	count := func() (cases, actions, news int) {
		c, _ := db.PublishedCases(ctx)
		a, _ := db.PublishedActions(ctx)
		n, _ := db.LatestNews(ctx, 0, 0)
		return len(c), len(a), len(n)
	}
	c1, a1, n1 := count()
	if c1 != 1 || a1 != 4 || n1 < 4 {
		t.Fatalf("demo has %d cases, %d actions, %d news; want 1, 4, at least 4", c1, a1, n1)
	}
	loaded, err = demo.Install(ctx, db, testutil.Now)
	if err != nil || loaded {
		t.Fatalf("second install: loaded %v, %v", loaded, err)
	}
	if c2, a2, n2 := count(); c2 != c1 || a2 != a1 || n2 != n1 {
		t.Fatalf("second install changed counts: %d/%d/%d -> %d/%d/%d", c1, a1, n1, c2, a2, n2)
	}
	open, _ := db.OpenActions(ctx, testutil.Now, 0)
	if len(open) != 3 {
		t.Errorf("%d open actions, want 3", len(open))
	}
	for _, a := range open {
		if a.Image == nil || a.Image.Alt == "" || len(a.Image.Widths) < 2 {
			t.Errorf("action %s: image %+v, want one with alt text and several widths", a.Slug, a.Image)
		}
	}
	c, err := db.CaseBySlug(ctx, demo.CaseSlug)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Actions) != 1 || !c.Actions[0].Closed || c.Actions[0].ClosingText == "" {
		t.Errorf("the reference case's appeal is not closed with a closing text: %+v", c.Actions)
	}
	if c.Status != model.CaseMonitoring || len(c.Updates) != 2 || !c.Updates[0].Final || !c.Updates[0].CloseActions || c.Updates[0].Number != 1 {
		t.Errorf("after its final update the case is %q with updates %+v", c.Status, c.Updates)
	}
	// The officials the appeal went to are named.
	if t0 := c.Actions[0].Targets[0]; t0.Name != "Kristi Noem" || t0.Title != "Secretary of Homeland Security" {
		t.Errorf("first target %+v", t0)
	}
}
