package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"vigil/internal/store"
	"vigil/internal/store/sqlite"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return testutil.SQLite(t)
	})
}

func TestMigrateTwiceAndWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	db, err := sqlite.Open(path, testutil.Keys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 2 {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mode, err := db.JournalMode(context.Background())
	if err != nil || mode != "wal" {
		t.Fatalf("journal mode %q, %v; want wal", mode, err)
	}
}

func TestPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd #1?x%20.db")
	db := testutil.SQLiteAt(t, path, testutil.Keys(t))
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
}

func TestParticipationsConformance(t *testing.T) {
	storetest.RunParticipations(t, func(t *testing.T) store.Store { return testutil.SQLite(t) })
}
