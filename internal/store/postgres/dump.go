package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
)

// Dumps and loads run on a connection of their own (not the pool's), with
// pgx itself: a load writes each table with COPY, which database/sql has
// no way to ask for.

// dumpHooks are PostgreSQL's forms of the values in a dump.
var dumpHooks = sqlcore.DumpHooks{Value: dumpValue, LoadValue: loadValue}

// pgxSource reads a dump or a load through pgx.
type pgxSource struct{ tx pgx.Tx }

func (p pgxSource) QueryRow(ctx context.Context, query string) sqlcore.Row {
	return p.tx.QueryRow(ctx, query)
}

func (p pgxSource) Query(ctx context.Context, query string) (sqlcore.DumpRows, error) {
	return p.tx.Query(ctx, query)
}

// catalogColumn is a column as the catalogue lists it: of a table, or of
// a table's primary key (Identity false).
type catalogColumn struct {
	Table, Column string
	Identity      bool
}

// dumpSchema reads every table's columns, primary key and identity column
// in the current schema, and checks them against store.Schema. Generated
// columns (search_entries.document) are left out: the target computes
// them again.
func dumpSchema(ctx context.Context, tx pgx.Tx) (map[string]sqlcore.DumpTable, error) {
	rows, err := tx.Query(ctx, `SELECT c.table_name, c.column_name, c.is_identity = 'YES'
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, err
	}
	tableColumns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[catalogColumn])
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT c.relname, a.attname, false
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indrelid
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
		WHERE i.indisprimary AND c.relnamespace = current_schema()::regnamespace
		ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)`)
	if err != nil {
		return nil, err
	}
	keyColumns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[catalogColumn])
	if err != nil {
		return nil, err
	}
	columns, keys, identity := map[string][]string{}, map[string][]string{}, map[string]string{}
	for _, c := range tableColumns {
		columns[c.Table] = append(columns[c.Table], c.Column)
		if c.Identity {
			identity[c.Table] = c.Column
		}
	}
	for _, c := range keyColumns {
		keys[c.Table] = append(keys[c.Table], c.Column)
	}
	return sqlcore.DumpTables(columns, keys, identity)
}

// dumpConn opens a connection of its own to the database.
func (s *DB) dumpConn(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect to %s: %w", redact(s.cfg), err)
	}
	return conn, nil
}

// Dump runs fn on a snapshot of the database: a read-only REPEATABLE READ
// transaction, which sees nothing committed after it began.
func (s *DB) Dump(ctx context.Context, fn func(store.DumpTx) error) error {
	conn, err := s.dumpConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: dump: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tables, err := dumpSchema(ctx, tx)
	if err != nil {
		return fmt.Errorf("postgres: dump: %w", err)
	}
	return fn(s.DumpTx(pgxSource{tx}, tables))
}

// dumpValue turns what pgx read into the neutral type of kind.
func dumpValue(kind store.ColumnKind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case store.KindInt:
		switch n := v.(type) {
		case int64:
			return n, nil
		case int32:
			return int64(n), nil
		case int16:
			return int64(n), nil
		}
	case store.KindText:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case store.KindBytes:
		if b, ok := v.([]byte); ok {
			if b == nil {
				b = []byte{} // not NULL (that is v == nil): empty
			}
			return b, nil
		}
	case store.KindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case store.KindInstant:
		if t, ok := v.(time.Time); ok {
			return t.UTC(), nil
		}
	case store.KindDate:
		if t, ok := v.(time.Time); ok {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	return nil, fmt.Errorf("%T %v is not a %s", v, v, kind)
}

// loadValue turns a neutral value into what pgx writes for kind.
func loadValue(kind store.ColumnKind, v any) (any, error) {
	if err := store.CheckValue(kind, v); err != nil {
		return nil, err
	}
	if b, ok := v.([]byte); ok && b == nil {
		return nil, nil
	}
	if t, ok := v.(time.Time); ok && kind == store.KindDate {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	return v, nil
}

// Load runs fn in one transaction, refusing a database that holds rows.
// The tables are locked against writers first (readers carry on), so
// nothing is stored between the check and the load. Rows go in with COPY,
// which writes the IDs given even into GENERATED ALWAYS identity columns;
// before committing, each identity sequence is set to the largest ID
// loaded, so the next row stored gets a fresh one.
func (s *DB) Load(ctx context.Context, fn func(store.LoadTx) error) error {
	conn, err := s.dumpConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: load: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tables, err := dumpSchema(ctx, tx)
	if err != nil {
		return fmt.Errorf("postgres: load: %w", err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE `+sqlcore.QuoteIdents(store.SchemaTables())+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("postgres: load: %w", err)
	}
	if err := s.LoadWith(ctx, pgxSource{tx}, tables, copyRows(tx), fn); err != nil {
		return err
	}
	for _, st := range store.Schema {
		t := tables[st.Name]
		if t.Identity == "" {
			continue
		}
		// max is NULL for an empty table, and setval(…, NULL) does nothing.
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), max(`+sqlcore.QuoteIdent(t.Identity)+`)) FROM `+sqlcore.QuoteIdent(t.Name),
			sqlcore.QuoteIdent(t.Name), t.Identity); err != nil {
			return fmt.Errorf("postgres: load: advance the IDs of %s: %w", t.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: load: %w", err)
	}
	return nil
}

// Rows go to COPY in batches, so a table of pictures is never all in
// memory at once.
const (
	loadBatchRows  = 1000
	loadBatchBytes = 8 << 20
)

// copyRows writes a table's rows in tx with COPY, in batches.
func copyRows(tx pgx.Tx) sqlcore.LoadRows {
	return func(ctx context.Context, t sqlcore.DumpTable, rows func(yield func(args []any) error) error) (int64, error) {
		var (
			batch [][]any
			size  int
			n     int64
		)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			copied, err := tx.CopyFrom(ctx, pgx.Identifier{t.Name}, t.Columns, pgx.CopyFromRows(batch))
			if err != nil {
				return fmt.Errorf("postgres: load %s rows %d to %d: %w", t.Name, n+1, n+int64(len(batch)), err)
			}
			n += copied
			batch, size = batch[:0], 0
			return nil
		}
		err := rows(func(args []any) error {
			for _, a := range args {
				switch x := a.(type) {
				case []byte:
					size += len(x)
				case string:
					size += len(x)
				}
			}
			batch = append(batch, args)
			if len(batch) >= loadBatchRows || size >= loadBatchBytes {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		return n, err
	}
}

var (
	_ store.Dumper = (*DB)(nil)
	_ store.Loader = (*DB)(nil)
)
