package testutil

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
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

// SQLiteAt opens and migrates the SQLite database at path. A new database
// starts as a copy of one migrated once per test binary: a fresh
// database's migrations hold no sealed value, so the copy serves any
// keys, and Migrate below finds nothing left to do.
func SQLiteAt(t testing.TB, path string, keys *secret.Keys) *sqlite.DB {
	t.Helper()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		migrated, err := migratedSQLite()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, migrated, 0o600); err != nil {
			t.Fatal(err)
		}
	}
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

// migratedSQLite is the file of an empty database with every migration
// applied, made once.
var migratedSQLite = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "vigil-migrated-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	keyData, err := secret.Generate()
	if err != nil {
		return nil, err
	}
	keys, err := secret.Parse(keyData)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "vigil.db")
	db, err := sqlite.Open(path, keys)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	// Closing the last connection checkpoints the log into the file.
	if err := db.Close(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, errors.New("testutil: the migrated database kept its write-ahead log")
	}
	return os.ReadFile(path)
})

// DemoSQLite is SQLite with the demo content loaded at Now.
func DemoSQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	db := SQLite(t)
	if _, err := demo.Install(context.Background(), db, Now); err != nil {
		t.Fatal(err)
	}
	return db
}
