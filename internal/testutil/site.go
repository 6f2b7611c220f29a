package testutil

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/secret"
	"vigil/internal/store/sqlite"
	"vigil/internal/store/storetest"
)

// Now is the fixed time tests run at, so open actions stay open.
var Now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// Keys returns fresh secret keys.
func Keys(t testing.TB) *secret.Keys { return storetest.Keys(t) }

// SQLite opens a fresh, migrated SQLite database in a temporary folder.
func SQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	return SQLiteAt(t, filepath.Join(t.TempDir(), "vigil.db"), Keys(t))
}

// SQLiteAt opens and migrates the SQLite database at path.
func SQLiteAt(t testing.TB, path string, keys *secret.Keys) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// DemoSQLite is SQLite with the demo content loaded at Now.
func DemoSQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	db := SQLite(t)
	if _, err := demo.Install(context.Background(), db, Now); err != nil {
		t.Fatal(err)
	}
	return db
}
