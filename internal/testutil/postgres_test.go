package testutil

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

func TestPostgresMissing(t *testing.T) {
	t.Setenv(PostgresURLEnv, "")
	for _, tc := range []struct {
		name, env, val string
		wantFatal      bool
	}{
		{"skips", "VIGIL_TEST_REQUIRE_SERVICES", "", false},
		{"required services", "VIGIL_TEST_REQUIRE_SERVICES", "1", true},
		{"required by the browser flag too", "VIGIL_TEST_REQUIRE_BROWSER", "1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("VIGIL_TEST_REQUIRE_BROWSER", "")
			t.Setenv("VIGIL_TEST_REQUIRE_SERVICES", "")
			t.Setenv(tc.env, tc.val)
			r := &skipRecorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Postgres(r)
				t.Error("Postgres returned without a server")
			}()
			<-done
			got := r.skipped
			if tc.wantFatal {
				got = r.fatal
			}
			if !strings.Contains(got, "scripts/test") || !strings.Contains(got, PostgresURLEnv) {
				t.Errorf("skip %q, fatal %q; want a %s naming scripts/test and %s", r.skipped, r.fatal,
					map[bool]string{true: "Fatal", false: "Skip"}[tc.wantFatal], PostgresURLEnv)
			}
		})
	}
}

// TestPostgresFreshDatabase: each call gives its own empty database, and
// the database is gone once its test ends, even with a connection left open.
func TestPostgresFreshDatabase(t *testing.T) {
	ctx := context.Background()
	// open's pool is closed when owner ends.
	open := func(owner *testing.T, url string) *sql.DB {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			owner.Fatal(err)
		}
		db := stdlib.OpenDB(*cfg)
		owner.Cleanup(func() { db.Close() })
		return db
	}
	parent := t
	var names []string
	t.Run("two databases", func(t *testing.T) {
		for range 2 {
			// Closed after the subtest's cleanup drops the database: a
			// connection still open then.
			db := open(parent, Postgres(t))
			db.SetMaxIdleConns(1)
			var name string
			var tables int
			if err := db.QueryRowContext(ctx, `SELECT current_database(),
				(SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&name, &tables); err != nil {
				t.Fatal(err)
			}
			if tables != 0 || !strings.HasPrefix(name, "vigil_test_") {
				t.Errorf("database %s has %d tables, want a fresh vigil_test_ one", name, tables)
			}
			names = append(names, name)
		}
	})
	if len(names) == 0 {
		t.Skip("no PostgreSQL server: see the subtest")
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("databases %v, want two different ones", names)
	}
	admin := open(t, os.Getenv(PostgresURLEnv))
	var left int
	if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = ANY($1)`, names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d of the test databases %v are still there", left, names)
	}
}
