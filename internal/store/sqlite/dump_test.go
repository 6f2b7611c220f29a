package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/sqlite"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

// sqliteFiles remembers the file of each store the tests open.
type sqliteFiles struct {
	mu    sync.Mutex
	paths map[storetest.DumpStore]string
}

func (f *sqliteFiles) open(t *testing.T, keys *secret.Keys) storetest.DumpStore {
	path := filepath.Join(t.TempDir(), "vigil.db")
	db := testutil.SQLiteAt(t, path, keys)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.paths == nil {
		f.paths = map[storetest.DumpStore]string{}
	}
	f.paths[db] = path
	return db
}

func (f *sqliteFiles) path(s storetest.DumpStore) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.paths[s]
}

func openPostgresDump(t *testing.T, keys *secret.Keys) storetest.DumpStore {
	return testutil.PostgresStoreAt(t, testutil.Postgres(t), keys)
}

// TestDumpRoundTripPostgres copies an SQLite installation to PostgreSQL and
// back, and finds the same rows, byte for byte, in the SQLite file it ends
// in.
func TestDumpRoundTripPostgres(t *testing.T) {
	var files sqliteFiles
	storetest.RunDump(t, files.open, openPostgresDump, func(t *testing.T, a, b, c storetest.DumpStore) {
		compareFiles(t, files.path(a), files.path(c))
	})
}

// TestDumpRoundTripSQLite copies an SQLite installation to another SQLite
// file, and that one to a third.
func TestDumpRoundTripSQLite(t *testing.T) {
	var files sqliteFiles
	storetest.RunDump(t, files.open, files.open, func(t *testing.T, a, b, c storetest.DumpStore) {
		compareFiles(t, files.path(a), files.path(b))
		compareFiles(t, files.path(a), files.path(c))
	})
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", sqlite.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// compareFiles compares two SQLite files value by value, storage class
// included (quote() writes each value as an SQL literal: 'text', 12,
// X'0102', NULL), without going through the dump code.
func compareFiles(t *testing.T, wantPath, gotPath string) {
	t.Helper()
	if wantPath == "" || gotPath == "" {
		t.Fatal("no file for a store")
	}
	want, got := rawDB(t, wantPath), rawDB(t, gotPath)
	for _, st := range store.Schema {
		var cols []string
		for _, c := range st.Columns {
			cols = append(cols, `quote("`+c.Name+`")`)
		}
		query := `SELECT ` + strings.Join(cols, ` || ' | ' || `) + ` FROM "` + st.Name + `" ORDER BY 1`
		w, g := rawRows(t, want, query), rawRows(t, got, query)
		if !slices.Equal(w, g) {
			t.Errorf("table %s differs between %s and %s:\n got %.600q\nwant %.600q", st.Name, wantPath, gotPath, g, w)
		}
		if len(w) == 0 {
			t.Errorf("table %s is empty", st.Name)
		}
	}
}

func rawRows(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDumpSchemaListed holds store.Schema to the SQLite migrations: every
// table and column listed, each kind fitting the declared type, and each
// table after the tables it refers to.
func TestDumpSchemaListed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	testutil.SQLiteAt(t, path, testutil.Keys(t))
	db := rawDB(t, path)
	columns := map[string][]string{}
	types := map[string]string{}
	rows, err := db.Query(`SELECT m.name, c.name, c.type FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'
		AND m.name NOT IN (SELECT name FROM pragma_table_list WHERE type IN ('virtual', 'shadow'))
		ORDER BY m.name, c.cid`)
	if err != nil {
		t.Fatal(err)
	}
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
		t.Fatalf("store.Schema does not match the SQLite schema:\n%v", err)
	}
	declared := map[store.ColumnKind]string{
		store.KindInt: "INTEGER", store.KindBool: "INTEGER", store.KindText: "TEXT",
		store.KindInstant: "TEXT", store.KindDate: "TEXT", store.KindBytes: "BLOB",
	}
	for _, st := range store.Schema {
		var order []string
		for _, c := range st.Columns {
			order = append(order, c.Name)
			if typ := types[st.Name+"."+c.Name]; typ != declared[c.Kind] {
				t.Errorf("%s.%s is declared %s, which does not hold a %s", st.Name, c.Name, typ, c.Kind)
			}
		}
		if !slices.Equal(order, columns[st.Name]) {
			t.Errorf("store.Schema lists the columns of %s as %v; the migrations make %v", st.Name, order, columns[st.Name])
		}
	}

	// Parents first.
	seen := map[string]bool{}
	for _, st := range store.Schema {
		refs := rawRows(t, db, fmt.Sprintf(`SELECT DISTINCT "table" FROM pragma_foreign_key_list('%s')`, st.Name))
		for _, ref := range refs {
			if !seen[ref] && ref != st.Name {
				t.Errorf("store.Schema lists %s before %s, which it refers to", st.Name, ref)
			}
		}
		seen[st.Name] = true
	}
}

// TestDumpRefusesUnlistedColumn: a column store.Schema does not know stops
// a dump and a load, rather than being left behind.
func TestDumpRefusesUnlistedColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	db := testutil.SQLiteAt(t, path, testutil.Keys(t))
	if _, err := rawDB(t, path).Exec(`ALTER TABLE supporters ADD COLUMN nickname TEXT`); err != nil {
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
