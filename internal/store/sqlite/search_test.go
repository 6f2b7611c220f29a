package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/sqlite"
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

// BenchmarkSearch searches 20,000 entries (5,000 records in four
// languages): a rare word, a word in a fifth of them, a word in all.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "vigil.db")
	db := testutil.SQLiteAt(b, path, testutil.Keys(b))
	raw, err := sql.Open("sqlite", sqlite.DSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	_, err = raw.Exec(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
		INSERT INTO search_entries (kind, record_id, lang, original, slug, title, body, folded_title, folded_body, published_at)
		SELECT 'case', n, (CASE n % 4 WHEN 0 THEN 'en' WHEN 1 THEN 'es' WHEN 2 THEN 'fr' ELSE 'ar' END), n % 4 = 0, 's' || n,
			'Title ' || n, 'body', 'title word' || (n % 1000) || ' common',
			'lorem ipsum dolor sit amet consectetur word' || (n % 997) || ' ' || 'quinta' || (n % 5),
			'2025-03-20T00:00:00.000Z' FROM g`)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"word12 lorem", "quinta1", "common"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.Search(ctx, store.SearchQuery{Text: q, Lang: "en", Limit: 11}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
