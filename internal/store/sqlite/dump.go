package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"vigil/internal/store"
)

// dumpTable is one table of store.Schema as this database has it.
type dumpTable struct {
	name    string
	columns []string // in the database's order
	kinds   []store.ColumnKind
	key     []string // primary key columns, in key order
}

// dumpSchema reads every table's columns and primary key, and checks them
// against store.Schema.
func dumpSchema(ctx context.Context, q querier) (map[string]dumpTable, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.name, c.name, c.pk FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY m.name, c.cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns := map[string][]string{}
	keys := map[string]map[int]string{}
	for rows.Next() {
		var table, column string
		var pk int
		if err := rows.Scan(&table, &column, &pk); err != nil {
			return nil, err
		}
		columns[table] = append(columns[table], column)
		if pk > 0 {
			if keys[table] == nil {
				keys[table] = map[int]string{}
			}
			keys[table][pk] = column
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := store.CheckSchema(columns); err != nil {
		return nil, err
	}
	tables := map[string]dumpTable{}
	for _, st := range store.Schema {
		t := dumpTable{name: st.Name, columns: columns[st.Name]}
		for _, c := range t.columns {
			kind, _ := st.Kind(c)
			t.kinds = append(t.kinds, kind)
		}
		for i := 1; i <= len(keys[st.Name]); i++ {
			t.key = append(t.key, keys[st.Name][i])
		}
		tables[st.Name] = t
	}
	return tables, nil
}

// dumpQuote quotes an identifier (names like key, text and count are columns).
func dumpQuote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func dumpQuoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = dumpQuote(n)
	}
	return strings.Join(q, ", ")
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
	return fn(&dumpTx{tx: tx, tables: tables})
}

type dumpTx struct {
	tx     *sql.Tx
	tables map[string]dumpTable
}

func (d *dumpTx) Tables() []string { return store.SchemaTables() }

func (d *dumpTx) table(name string) (dumpTable, error) {
	t, ok := d.tables[name]
	if !ok {
		return t, fmt.Errorf("sqlite: no table %s in store.Schema", name)
	}
	return t, nil
}

func (d *dumpTx) CountRows(ctx context.Context, table string) (int64, error) {
	t, err := d.table(table)
	if err != nil {
		return 0, err
	}
	var n int64
	err = d.tx.QueryRowContext(ctx, `SELECT count(*) FROM `+dumpQuote(t.name)).Scan(&n)
	return n, err
}

// DumpTable reads the rows in key order. A zero-length BLOB reads back like
// NULL through the driver, so each BLOB column also asks IS NULL to tell
// the two apart.
func (d *dumpTx) DumpTable(ctx context.Context, table string, fn func(store.Row) error) error {
	t, err := d.table(table)
	if err != nil {
		return err
	}
	exprs := dumpQuoteAll(t.columns)
	var blobs []int // indexes of BLOB columns
	for i, k := range t.kinds {
		if k == store.KindBytes {
			exprs += ", " + dumpQuote(t.columns[i]) + " IS NULL"
			blobs = append(blobs, i)
		}
	}
	query := `SELECT ` + exprs + ` FROM ` + dumpQuote(t.name)
	if len(t.key) > 0 {
		query += ` ORDER BY ` + dumpQuoteAll(t.key)
	}
	rows, err := d.tx.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("sqlite: dump %s: %w", t.name, err)
	}
	defer rows.Close()
	values := make([]any, len(t.columns)+len(blobs))
	ptrs := make([]any, len(values))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		clear(values)
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("sqlite: dump %s: %w", t.name, err)
		}
		for j, i := range blobs {
			// The driver gives an empty BLOB as a nil []byte.
			if b, ok := values[i].([]byte); values[i] == nil || ok && b == nil {
				values[i] = nil
				if values[len(t.columns)+j] == int64(0) {
					values[i] = []byte{} // an empty BLOB, not NULL
				}
			}
		}
		row := make(store.Row, len(t.columns))
		for i, c := range t.columns {
			v, err := dumpValue(t.kinds[i], values[i])
			if err != nil {
				return fmt.Errorf("sqlite: dump %s.%s of the row keyed %v: %w", t.name, c, dumpRowKey(t, values), err)
			}
			row[c] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: dump %s: %w", t.name, err)
	}
	return nil
}

// dumpRowKey names a row in an error by its primary key values.
func dumpRowKey(t dumpTable, values []any) string {
	var parts []string
	for _, k := range t.key {
		for i, c := range t.columns {
			if c == k {
				parts = append(parts, fmt.Sprint(values[i]))
			}
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
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

// IsEmpty reports whether no table of store.Schema holds a row.
func (s *DB) IsEmpty(ctx context.Context) (bool, error) {
	return dumpIsEmpty(ctx, s.db)
}

func dumpIsEmpty(ctx context.Context, q querier) (bool, error) {
	for _, t := range store.Schema {
		var found bool
		if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+dumpQuote(t.Name)+`)`).Scan(&found); err != nil {
			return false, fmt.Errorf("sqlite: %s: %w", t.Name, err)
		}
		if found {
			return false, nil
		}
	}
	return true, nil
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
		empty, err := dumpIsEmpty(ctx, tx)
		if err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("sqlite: load: %w", store.ErrNotEmpty)
		}
		return fn(&loadTx{tx: tx, tables: tables})
	})
}

type loadTx struct {
	tx     *sql.Tx
	tables map[string]dumpTable
}

func (l *loadTx) LoadTable(ctx context.Context, table string, rows func(yield func(store.Row) error) error) (int64, error) {
	t, ok := l.tables[table]
	if !ok {
		return 0, fmt.Errorf("sqlite: no table %s in store.Schema", table)
	}
	stmt, err := l.tx.PrepareContext(ctx, `INSERT INTO `+dumpQuote(t.name)+` (`+dumpQuoteAll(t.columns)+`) VALUES (`+placeholders(len(t.columns))+`)`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: load %s: %w", t.name, err)
	}
	defer stmt.Close()
	args := make([]any, len(t.columns))
	var n int64
	err = rows(func(r store.Row) error {
		if err := dumpRowArgs(t, r, args, loadValue); err != nil {
			return fmt.Errorf("sqlite: load %s: %w", t.name, err)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("sqlite: load %s row %d: %w", t.name, n+1, err)
		}
		n++
		return nil
	})
	return n, err
}

// dumpRowArgs fills args with r's values in the table's column order,
// converted; a column missing from r or one r has that the table has not
// is an error.
func dumpRowArgs(t dumpTable, r store.Row, args []any, convert func(store.ColumnKind, any) (any, error)) error {
	for i, c := range t.columns {
		v, ok := r[c]
		if !ok {
			return fmt.Errorf("a row without column %s", c)
		}
		cv, err := convert(t.kinds[i], v)
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
