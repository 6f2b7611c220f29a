package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"vigil/internal/store"
)

// Dumps and loads run on a connection of their own (not the pool's), with
// pgx itself: a load writes each table with COPY, which database/sql has
// no way to ask for.

// dumpTable is one table of store.Schema as this database has it.
type dumpTable struct {
	name     string
	columns  []string // in the database's order
	kinds    []store.ColumnKind
	key      []string // primary key columns, in key order
	identity string   // the identity column (id), if any
}

// dumpSchema reads every table's columns, primary key and identity column
// in the current schema, and checks them against store.Schema.
func dumpSchema(ctx context.Context, tx pgx.Tx) (map[string]dumpTable, error) {
	rows, err := tx.Query(ctx, `SELECT c.table_name, c.column_name, c.is_identity = 'YES'
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, err
	}
	columns := map[string][]string{}
	identity := map[string]string{}
	for rows.Next() {
		var table, column string
		var ident bool
		if err := rows.Scan(&table, &column, &ident); err != nil {
			return nil, err
		}
		columns[table] = append(columns[table], column)
		if ident {
			identity[table] = column
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := store.CheckSchema(columns); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT c.relname, a.attname
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indrelid
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
		WHERE i.indisprimary AND c.relnamespace = current_schema()::regnamespace
		ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)`)
	if err != nil {
		return nil, err
	}
	keys := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return nil, err
		}
		keys[table] = append(keys[table], column)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tables := map[string]dumpTable{}
	for _, st := range store.Schema {
		t := dumpTable{name: st.Name, columns: columns[st.Name], key: keys[st.Name], identity: identity[st.Name]}
		for _, c := range t.columns {
			kind, _ := st.Kind(c)
			t.kinds = append(t.kinds, kind)
		}
		tables[st.Name] = t
	}
	return tables, nil
}

func dumpQuote(name string) string { return pgx.Identifier{name}.Sanitize() }

func dumpQuoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = dumpQuote(n)
	}
	return strings.Join(q, ", ")
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
	return fn(&dumpTx{tx: tx, tables: tables})
}

type dumpTx struct {
	tx     pgx.Tx
	tables map[string]dumpTable
}

func (d *dumpTx) Tables() []string { return store.SchemaTables() }

func (d *dumpTx) table(name string) (dumpTable, error) {
	t, ok := d.tables[name]
	if !ok {
		return t, fmt.Errorf("postgres: no table %s in store.Schema", name)
	}
	return t, nil
}

func (d *dumpTx) CountRows(ctx context.Context, table string) (int64, error) {
	t, err := d.table(table)
	if err != nil {
		return 0, err
	}
	var n int64
	err = d.tx.QueryRow(ctx, `SELECT count(*) FROM `+dumpQuote(t.name)).Scan(&n)
	return n, err
}

func (d *dumpTx) DumpTable(ctx context.Context, table string, fn func(store.Row) error) error {
	t, err := d.table(table)
	if err != nil {
		return err
	}
	query := `SELECT ` + dumpQuoteAll(t.columns) + ` FROM ` + dumpQuote(t.name)
	if len(t.key) > 0 {
		query += ` ORDER BY ` + dumpQuoteAll(t.key)
	}
	rows, err := d.tx.Query(ctx, query)
	if err != nil {
		return fmt.Errorf("postgres: dump %s: %w", t.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return fmt.Errorf("postgres: dump %s: %w", t.name, err)
		}
		row := make(store.Row, len(t.columns))
		for i, c := range t.columns {
			v, err := dumpValue(t.kinds[i], values[i])
			if err != nil {
				return fmt.Errorf("postgres: dump %s.%s of the row keyed %v: %w", t.name, c, dumpRowKey(t, values), err)
			}
			row[c] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: dump %s: %w", t.name, err)
	}
	return nil
}

// dumpRowKey names a row in an error by its primary key values.
func dumpRowKey(t dumpTable, values []any) string {
	var parts []string
	for _, k := range t.key {
		if i := slices.Index(t.columns, k); i >= 0 {
			parts = append(parts, fmt.Sprint(values[i]))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
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

// IsEmpty reports whether no table of store.Schema holds a row.
func (s *DB) IsEmpty(ctx context.Context) (bool, error) {
	return dumpIsEmpty(ctx, func(query string) (bool, error) {
		var found bool
		err := s.db.QueryRowContext(ctx, query).Scan(&found)
		return found, err
	})
}

func dumpIsEmpty(ctx context.Context, exists func(query string) (bool, error)) (bool, error) {
	for _, t := range store.Schema {
		found, err := exists(`SELECT EXISTS (SELECT 1 FROM ` + dumpQuote(t.Name) + `)`)
		if err != nil {
			return false, fmt.Errorf("postgres: %s: %w", t.Name, err)
		}
		if found {
			return false, nil
		}
	}
	return true, nil
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
	var names []string
	for _, t := range store.Schema {
		names = append(names, dumpQuote(t.Name))
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(names, ", ")+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("postgres: load: %w", err)
	}
	empty, err := dumpIsEmpty(ctx, func(query string) (bool, error) {
		var found bool
		err := tx.QueryRow(ctx, query).Scan(&found)
		return found, err
	})
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("postgres: load: %w", store.ErrNotEmpty)
	}
	if err := fn(&loadTx{tx: tx, tables: tables}); err != nil {
		return err
	}
	for _, st := range store.Schema {
		t := tables[st.Name]
		if t.identity == "" {
			continue
		}
		// max is NULL for an empty table, and setval(…, NULL) does nothing.
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), max(`+dumpQuote(t.identity)+`)) FROM `+dumpQuote(t.name),
			dumpQuote(t.name), t.identity); err != nil {
			return fmt.Errorf("postgres: load: advance the IDs of %s: %w", t.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: load: %w", err)
	}
	return nil
}

type loadTx struct {
	tx     pgx.Tx
	tables map[string]dumpTable
}

// Rows go to COPY in batches, so a table of pictures is never all in
// memory at once.
const (
	loadBatchRows  = 1000
	loadBatchBytes = 8 << 20
)

func (l *loadTx) LoadTable(ctx context.Context, table string, rows func(yield func(store.Row) error) error) (int64, error) {
	t, ok := l.tables[table]
	if !ok {
		return 0, fmt.Errorf("postgres: no table %s in store.Schema", table)
	}
	var (
		batch [][]any
		size  int
		n     int64
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		copied, err := l.tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, pgx.CopyFromRows(batch))
		if err != nil {
			return fmt.Errorf("postgres: load %s rows %d to %d: %w", t.name, n+1, n+int64(len(batch)), err)
		}
		n += copied
		batch, size = batch[:0], 0
		return nil
	}
	err := rows(func(r store.Row) error {
		args := make([]any, len(t.columns))
		if err := dumpRowArgs(t, r, args); err != nil {
			return fmt.Errorf("postgres: load %s: %w", t.name, err)
		}
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

// dumpRowArgs fills args with r's values in the table's column order,
// converted; a column missing from r or one r has that the table has not
// is an error.
func dumpRowArgs(t dumpTable, r store.Row, args []any) error {
	for i, c := range t.columns {
		v, ok := r[c]
		if !ok {
			return fmt.Errorf("a row without column %s", c)
		}
		cv, err := loadValue(t.kinds[i], v)
		if err != nil {
			return fmt.Errorf("column %s: %w", c, err)
		}
		args[i] = cv
	}
	if len(r) != len(t.columns) {
		for c := range r {
			if !slices.Contains(t.columns, c) {
				return fmt.Errorf("a row with column %s, which the table has not", c)
			}
		}
	}
	return nil
}

var (
	_ store.Dumper = (*DB)(nil)
	_ store.Loader = (*DB)(nil)
)
