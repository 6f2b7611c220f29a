package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"vigil/internal/secret"
	"vigil/internal/store/postgres"
)

// PostgresURLEnv names the environment variable that points the tests at a
// PostgreSQL server, as a URL whose user may create databases:
// postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable. scripts/test
// starts a throwaway server and sets it; a developer may set it to their own.
const PostgresURLEnv = "VIGIL_TEST_POSTGRES_URL"

// Postgres creates a fresh, empty database for the test on the server named
// by VIGIL_TEST_POSTGRES_URL and returns its URL. The database is dropped
// when the test ends, connections still open to it included.
//
// When the variable is unset the test is skipped, or fails when
// VIGIL_TEST_REQUIRE_SERVICES=1 or VIGIL_TEST_REQUIRE_BROWSER=1 (scripts/test
// sets them, and starts the server).
func Postgres(t testing.TB) string {
	t.Helper()
	server := os.Getenv(PostgresURLEnv)
	if server == "" {
		msg := PostgresURLEnv + " is not set; run the tests with scripts/test, which starts a throwaway PostgreSQL, " +
			"or set it to postgres://USER@HOST:PORT/postgres?sslmode=disable of a server where USER may create databases"
		if servicesRequired() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", PostgresURLEnv)
	}
	var random [8]byte
	if _, err := rand.Read(random[:]); err != nil {
		t.Fatal(err)
	}
	name := "vigil_test_" + hex.EncodeToString(random[:])

	// The name is made here of [a-z0-9_]: no quoting needed.
	if err := adminExec(server, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("postgres: create test database on %s: %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(server, name); err != nil {
			t.Errorf("postgres: drop test database %s on %s: %v", name, u.Redacted(), err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// dropDatabase drops a test database, closing the connections still open to
// it: WITH (FORCE) from PostgreSQL 13, terminating them by hand before.
func dropDatabase(server, name string) error {
	err := adminExec(server, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42601" { // syntax error: before 13
		if err := adminExec(server, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = '`+name+`' AND pid <> pg_backend_pid()`); err != nil {
			return err
		}
		err = adminExec(server, `DROP DATABASE IF EXISTS `+name)
	}
	return err
}

// adminExec runs one statement on the server's own database, outside a
// transaction (CREATE and DROP DATABASE refuse to run inside one).
func adminExec(server, statement string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	_, err = db.ExecContext(ctx, statement)
	return err
}

// PostgresStore opens a fresh, migrated PostgreSQL store (see Postgres)
// with fresh keys, closed when the test ends.
func PostgresStore(t testing.TB) *postgres.DB {
	t.Helper()
	return PostgresStoreAt(t, Postgres(t), Keys(t))
}

// PostgresStoreAt opens and migrates the PostgreSQL database at url; it is
// closed when the test ends. Open it twice to get two pools on one
// database, as two instances of Vigil would have.
func PostgresStoreAt(t testing.TB, url string, keys *secret.Keys) *postgres.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, url, keys)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after the database's drop, so it runs before it.
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
