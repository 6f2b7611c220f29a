package sqlite_test

import (
	"path/filepath"
	"testing"

	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

// TestOutboxConformance runs the outbox suite on real SQLite files, each
// opened with the adapter's own DSN (WAL, immediate transactions, busy
// timeout) and migrated.
func TestOutboxConformance(t *testing.T) {
	storetest.RunOutbox(t, func(t *testing.T) storetest.Outbox { return testutil.SQLite(t) })
}

// TestOutboxTwoHandles claims from two separate connection pools on one
// file, as two processes would: the immediate transaction, not a Go mutex,
// keeps them apart.
func TestOutboxTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	keys := testutil.Keys(t)
	storetest.OutboxTwoStores(t, testutil.SQLiteAt(t, path, keys), testutil.SQLiteAt(t, path, keys))
}
