package sqlite_test

import (
	"path/filepath"
	"testing"

	"vigil/internal/secret"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

func TestResealConformance(t *testing.T) {
	storetest.RunReseal(t, func(t *testing.T) func(keys *secret.Keys) storetest.DumpStore {
		path := filepath.Join(t.TempDir(), "vigil.db")
		return func(keys *secret.Keys) storetest.DumpStore { return testutil.SQLiteAt(t, path, keys) }
	})
}
