package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// TestSearchIndexRebuilt: a database whose index is empty while published
// content exists (one migrated from before search) is indexed when it is
// migrated, and the copy's FTS5 index follows search_entries.
func TestSearchIndexRebuilt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.db")
	db := testutil.SQLiteAt(t, path, testutil.Keys(t))
	when := time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)
	if err := db.CreateCase(ctx, &model.Case{Slug: "c", Lang: "es", Title: "Prisión", Status: model.CaseActive,
		Published: when, Updated: when}); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	if _, err := raw.Exec(`DELETE FROM search_entries`); err != nil {
		t.Fatal(err)
	}
	find := func() int {
		hits, err := db.Search(ctx, store.SearchQuery{Text: "prision", Lang: "en", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits)
	}
	if n := find(); n != 0 {
		t.Fatalf("emptied index finds %d", n)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n := find(); n != 1 {
		t.Errorf("after migrating, %d hits, want 1", n)
	}
}
