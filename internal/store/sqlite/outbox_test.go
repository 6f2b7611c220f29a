package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/sqlite"
	"vigil/internal/store/storetest"
)

// TestOutboxConformance runs the outbox suite on real SQLite files, each
// opened with the adapter's own DSN (WAL, immediate transactions, busy
// timeout) and migrated.
func TestOutboxConformance(t *testing.T) {
	storetest.RunOutbox(t, func(t *testing.T) store.Outbox {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"), outboxKeys(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// TestOutboxTwoHandles claims from two separate connections pools on one
// file, as two processes would: the immediate transaction, not a Go mutex,
// keeps them apart.
func TestOutboxTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	keys := outboxKeys(t)
	a, err := sqlite.Open(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := sqlite.Open(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	storetest.OutboxTwoStores(t, a, b)
}

// outboxKeys makes fresh keys: the store needs them, the outbox rows are
// sealed by the caller.
func outboxKeys(t *testing.T) *secret.Keys {
	t.Helper()
	data, err := secret.Generate()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
