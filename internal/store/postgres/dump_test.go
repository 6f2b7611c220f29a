package postgres_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

// postgresURLs remembers the database of each store the tests open.
type postgresURLs struct {
	mu   sync.Mutex
	urls map[storetest.DumpStore]string
}

func (p *postgresURLs) open(t *testing.T, keys *secret.Keys) storetest.DumpStore {
	url := testutil.Postgres(t)
	db := testutil.PostgresStoreAt(t, url, keys)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.urls == nil {
		p.urls = map[storetest.DumpStore]string{}
	}
	p.urls[db] = url
	return db
}

func (p *postgresURLs) url(s storetest.DumpStore) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.urls[s]
}

func openSQLiteDump(t *testing.T, keys *secret.Keys) storetest.DumpStore {
	return testutil.SQLiteAt(t, filepath.Join(t.TempDir(), "vigil.db"), keys)
}

// TestDumpRoundTripSQLite copies a PostgreSQL installation to SQLite and
// back; the database it ends in has every identity sequence past the IDs
// loaded.
func TestDumpRoundTripSQLite(t *testing.T) {
	var dbs postgresURLs
	storetest.RunDump(t, dbs.open, openSQLiteDump, func(t *testing.T, a, b, c storetest.DumpStore) {
		checkSequences(t, dbs.url(c))
	})
}

// TestDumpRoundTripPostgres copies a PostgreSQL installation to another
// database, and that one to a third.
func TestDumpRoundTripPostgres(t *testing.T) {
	var dbs postgresURLs
	storetest.RunDump(t, dbs.open, dbs.open, func(t *testing.T, a, b, c storetest.DumpStore) {
		checkSequences(t, dbs.url(b))
		checkSequences(t, dbs.url(c))
	})
}

func rawDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkSequences expects the next value of every identity sequence to be
// past the largest ID of its table.
func checkSequences(t *testing.T, url string) {
	t.Helper()
	if url == "" {
		t.Fatal("no database for a store")
	}
	db := rawDB(t, url)
	rows, err := db.Query(`SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables [][2]string
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, [2]string{table, column})
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d identity columns: %v", len(tables), tables)
	}
	for _, tc := range tables {
		var maxID, next int64
		if err := db.QueryRow(`SELECT coalesce(max(` + tc[1] + `), 0) FROM ` + tc[0]).Scan(&maxID); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT nextval(pg_get_serial_sequence($1, $2))`, tc[0], tc[1]).Scan(&next); err != nil {
			t.Fatal(err)
		}
		if next <= maxID {
			t.Errorf("%s: the next ID is %d, taken already (largest %d)", tc[0], next, maxID)
		}
	}
}

// TestDumpSchemaListed holds store.Schema to the PostgreSQL migrations:
// every table and column listed, in order, each kind the column's type.
func TestDumpSchemaListed(t *testing.T) {
	url := testutil.Postgres(t)
	testutil.PostgresStoreAt(t, url, testutil.Keys(t))
	db := rawDB(t, url)
	rows, err := db.Query(`SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	columns := map[string][]string{}
	types := map[string]string{}
	for rows.Next() {
		var table, column, typ string
		if err := rows.Scan(&table, &column, &typ); err != nil {
			t.Fatal(err)
		}
		columns[table] = append(columns[table], column)
		types[table+"."+column] = typ
	}
	rows.Close()
	if err := store.CheckSchema(columns); err != nil {
		t.Fatalf("store.Schema does not match the PostgreSQL schema:\n%v", err)
	}
	fits := map[store.ColumnKind][]string{
		store.KindInt:     {"bigint", "integer"},
		store.KindText:    {"text"},
		store.KindBytes:   {"bytea"},
		store.KindBool:    {"boolean"},
		store.KindInstant: {"timestamp with time zone"},
		store.KindDate:    {"date"},
	}
	for _, st := range store.Schema {
		var order []string
		for _, c := range st.Columns {
			order = append(order, c.Name)
			if typ := types[st.Name+"."+c.Name]; !slices.Contains(fits[c.Kind], typ) {
				t.Errorf("%s.%s is %s, which is no %s", st.Name, c.Name, typ, c.Kind)
			}
		}
		if !slices.Equal(order, columns[st.Name]) {
			t.Errorf("store.Schema lists the columns of %s as %v; the migrations make %v", st.Name, order, columns[st.Name])
		}
	}
}

// TestDumpRefusesUnlistedColumn: a column store.Schema does not know stops
// a dump and a load, rather than being left behind.
func TestDumpRefusesUnlistedColumn(t *testing.T) {
	url := testutil.Postgres(t)
	db := testutil.PostgresStoreAt(t, url, testutil.Keys(t))
	if _, err := rawDB(t, url).Exec(`ALTER TABLE supporters ADD COLUMN nickname text`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err := db.Dump(ctx, func(store.DumpTx) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "supporters.nickname") {
		t.Errorf("dump: %v, want an error naming supporters.nickname", err)
	}
	err = db.Load(ctx, func(store.LoadTx) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "supporters.nickname") {
		t.Errorf("load: %v, want an error naming supporters.nickname", err)
	}
}
