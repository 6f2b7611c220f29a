package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
)

// Dumps and loads are sqlcore's (sqlcore/dump.go); what SQLite does its
// own way stays here: its catalogue, the forms its values are stored in,
// and writing rows one INSERT at a time.

// dumpHooks are SQLite's forms of the values in a dump. The driver reads a
// zero-length BLOB like NULL.
var dumpHooks = sqlcore.DumpHooks{Value: dumpValue, LoadValue: loadValue, EmptyBlobReadsNull: true}

// dumpSchema reads every table's columns and primary key, and checks them
// against store.Schema. The full-text index (a virtual table and its
// shadow tables) is left out: loading search_entries fills it again
// through its triggers.
func dumpSchema(ctx context.Context, tx *sql.Tx) (map[string]sqlcore.DumpTable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.name, c.name, c.pk FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'
		AND m.name NOT IN (SELECT name FROM pragma_table_list WHERE type IN ('virtual', 'shadow'))
		ORDER BY m.name, c.cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns := map[string][]string{}
	keyAt := map[string]map[int]string{} // table -> position in the key -> column
	for rows.Next() {
		var table, column string
		var pk int
		if err := rows.Scan(&table, &column, &pk); err != nil {
			return nil, err
		}
		columns[table] = append(columns[table], column)
		if pk > 0 {
			if keyAt[table] == nil {
				keyAt[table] = map[int]string{}
			}
			keyAt[table][pk] = column
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	keys := map[string][]string{}
	for table, at := range keyAt {
		for i := 1; i <= len(at); i++ {
			keys[table] = append(keys[table], at[i])
		}
	}
	return sqlcore.DumpTables(columns, keys, nil)
}

// Dump runs fn on a snapshot of the database: a read-only transaction,
// which in WAL mode neither blocks the writer nor sees its later commits.
func (s *DB) Dump(ctx context.Context, fn func(store.DumpTx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: dump: %w", err)
	}
	defer tx.Rollback()
	tables, err := dumpSchema(ctx, tx)
	if err != nil {
		return fmt.Errorf("sqlite: dump: %w", err)
	}
	return fn(s.DumpTx(sqlcore.SQLSource(tx), tables))
}

// dumpValue turns what the driver read into the neutral type of kind,
// refusing a value stored in another form than the adapter writes.
func dumpValue(kind store.ColumnKind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case store.KindInt:
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case store.KindText:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case store.KindBytes:
		if b, ok := v.([]byte); ok {
			return b, nil
		}
	case store.KindBool:
		if n, ok := v.(int64); ok && (n == 0 || n == 1) {
			return n == 1, nil
		}
	case store.KindInstant:
		if s, ok := v.(string); ok {
			t, err := time.Parse(timeLayout, s)
			if err != nil {
				// Not the adapter's layout but an instant still.
				t, err = time.Parse(time.RFC3339Nano, s)
			}
			if err == nil {
				return t.UTC(), nil
			}
		}
	case store.KindDate:
		if s, ok := v.(string); ok {
			if t, err := time.Parse(dateLayout, s); err == nil {
				return t, nil
			}
		}
	}
	return nil, fmt.Errorf("%T %v is not a %s as stored here", v, v, kind)
}

// loadValue turns a neutral value into what the adapter stores for kind.
func loadValue(kind store.ColumnKind, v any) (any, error) {
	if err := store.CheckValue(kind, v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case bool:
		return boolInt(x), nil
	case []byte:
		if x == nil {
			return nil, nil
		}
		return x, nil
	case time.Time:
		if kind == store.KindDate {
			return x.Format(dateLayout), nil
		}
		return formatTime(x), nil
	}
	return v, nil
}

// Load runs fn in one write transaction, refusing a database that holds
// rows. SQLite gives the next row the largest ID in use plus one, so IDs
// loaded need no further step.
func (s *DB) Load(ctx context.Context, fn func(store.LoadTx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		tables, err := dumpSchema(ctx, tx)
		if err != nil {
			return fmt.Errorf("sqlite: load: %w", err)
		}
		return s.LoadWith(ctx, sqlcore.SQLSource(tx), tables, insertRows(tx), fn)
	})
}

// insertRows writes a table's rows in tx through one prepared INSERT.
func insertRows(tx *sql.Tx) sqlcore.LoadRows {
	return func(ctx context.Context, t sqlcore.DumpTable, rows func(yield func(args []any) error) error) (int64, error) {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO `+sqlcore.QuoteIdent(t.Name)+` (`+sqlcore.QuoteIdents(t.Columns)+`)
			VALUES (`+placeholders(len(t.Columns))+`)`)
		if err != nil {
			return 0, fmt.Errorf("sqlite: load %s: %w", t.Name, err)
		}
		defer stmt.Close()
		var n int64
		err = rows(func(args []any) error {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("sqlite: load %s row %d: %w", t.Name, n+1, err)
			}
			n++
			return nil
		})
		return n, err
	}
}

var (
	_ store.Dumper = (*DB)(nil)
	_ store.Loader = (*DB)(nil)
)
