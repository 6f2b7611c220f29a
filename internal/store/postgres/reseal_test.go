package postgres_test

import (
	"testing"

	"vigil/internal/secret"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

func TestResealConformance(t *testing.T) {
	storetest.RunReseal(t, func(t *testing.T) func(keys *secret.Keys) storetest.DumpStore {
		url := testutil.Postgres(t)
		return func(keys *secret.Keys) storetest.DumpStore { return testutil.PostgresStoreAt(t, url, keys) }
	})
}
