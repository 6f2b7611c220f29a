package sqlcore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"vigil/internal/store"
)

// Dumps and loads walk the tables of store.Schema the same way on both
// databases. What differs stays in each adapter: how the snapshot or the
// load's transaction is opened and on which connection, how its catalogue
// names columns and keys, how values are stored (DumpHooks), and how a
// table's rows are written (LoadRows: one INSERT a row on SQLite, COPY on
// PostgreSQL).

// DumpHooks is how a database's values read and write in a dump.
type DumpHooks struct {
	// Value turns what the driver read into the neutral type of kind,
	// refusing a value stored in another form than the adapter writes.
	Value func(kind store.ColumnKind, v any) (any, error)
	// LoadValue turns a neutral value into what the adapter stores for
	// kind.
	LoadValue func(kind store.ColumnKind, v any) (any, error)
	// EmptyBlobReadsNull says the driver reads a zero-length BLOB like
	// NULL, so each BLOB column also asks IS NULL to tell the two apart.
	EmptyBlobReadsNull bool
}

// DumpTable is one table of store.Schema as a database has it.
type DumpTable struct {
	Name     string
	Columns  []string // in the database's order
	Kinds    []store.ColumnKind
	Key      []string // primary key columns, in key order
	Identity string   // the identity column (id), where the database has one
}

// DumpTables checks the columns a database's catalogue lists, table by
// table, against store.Schema, and gives each table of it with its primary
// key (keys) and identity column (identity, may be nil).
func DumpTables(columns, keys map[string][]string, identity map[string]string) (map[string]DumpTable, error) {
	if err := store.CheckSchema(columns); err != nil {
		return nil, err
	}
	tables := map[string]DumpTable{}
	for _, st := range store.Schema {
		t := DumpTable{Name: st.Name, Columns: columns[st.Name], Key: keys[st.Name], Identity: identity[st.Name]}
		for _, c := range t.Columns {
			kind, _ := st.Kind(c)
			t.Kinds = append(t.Kinds, kind)
		}
		tables[st.Name] = t
	}
	return tables, nil
}

// QuoteIdent quotes an identifier (names like key, text and count are
// columns).
func QuoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// QuoteIdents quotes identifiers and lists them, separated by commas.
func QuoteIdents(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = QuoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// DumpSource is the snapshot a dump reads, or the transaction a load
// writes in, through the adapter's driver.
type DumpSource interface {
	QueryRow(ctx context.Context, query string) Row
	Query(ctx context.Context, query string) (DumpRows, error)
}

// DumpRows are a query's rows, each as the values the driver read.
type DumpRows interface {
	Next() bool
	// Values are the current row's; the caller may change them but keeps
	// none of them past the next call.
	Values() ([]any, error)
	Err() error
	Close()
}

// SQLSource reads a dump or a load through a database/sql transaction.
func SQLSource(tx *sql.Tx) DumpSource { return sqlSource{tx} }

type sqlSource struct{ tx *sql.Tx }

func (s sqlSource) QueryRow(ctx context.Context, query string) Row {
	return s.tx.QueryRowContext(ctx, query)
}

func (s sqlSource) Query(ctx context.Context, query string) (DumpRows, error) {
	rows, err := s.tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	columns, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	r := &sqlRows{rows: rows, values: make([]any, len(columns)), ptrs: make([]any, len(columns))}
	for i := range r.values {
		r.ptrs[i] = &r.values[i]
	}
	return r, nil
}

// sqlRows scans each row into the same values: database/sql copies the
// bytes it gives into an any, so they outlive the next row.
type sqlRows struct {
	rows   *sql.Rows
	values []any
	ptrs   []any
}

func (r *sqlRows) Next() bool { return r.rows.Next() }
func (r *sqlRows) Err() error { return r.rows.Err() }
func (r *sqlRows) Close()     { r.rows.Close() }

func (r *sqlRows) Values() ([]any, error) {
	clear(r.values)
	if err := r.rows.Scan(r.ptrs...); err != nil {
		return nil, err
	}
	return r.values, nil
}

// DumpTx is the store.DumpTx of a snapshot read through src.
func (c *Core) DumpTx(src DumpSource, tables map[string]DumpTable) store.DumpTx {
	return &dumpTx{c: c, src: src, tables: tables}
}

type dumpTx struct {
	c      *Core
	src    DumpSource
	tables map[string]DumpTable
}

func (d *dumpTx) Tables() []string { return store.SchemaTables() }

func (c *Core) dumpTable(tables map[string]DumpTable, name string) (DumpTable, error) {
	t, ok := tables[name]
	if !ok {
		return t, c.errorf("no table %s in store.Schema", name)
	}
	return t, nil
}

func (d *dumpTx) CountRows(ctx context.Context, table string) (int64, error) {
	t, err := d.c.dumpTable(d.tables, table)
	if err != nil {
		return 0, err
	}
	var n int64
	err = d.src.QueryRow(ctx, `SELECT count(*) FROM `+QuoteIdent(t.Name)).Scan(&n)
	return n, err
}

// DumpTable reads the rows in key order.
func (d *dumpTx) DumpTable(ctx context.Context, table string, fn func(store.Row) error) error {
	t, err := d.c.dumpTable(d.tables, table)
	if err != nil {
		return err
	}
	exprs := QuoteIdents(t.Columns)
	var blobs []int // indexes of BLOB columns asked IS NULL
	if d.c.d.Dump.EmptyBlobReadsNull {
		for i, k := range t.Kinds {
			if k == store.KindBytes {
				exprs += ", " + QuoteIdent(t.Columns[i]) + " IS NULL"
				blobs = append(blobs, i)
			}
		}
	}
	query := `SELECT ` + exprs + ` FROM ` + QuoteIdent(t.Name)
	if len(t.Key) > 0 {
		query += ` ORDER BY ` + QuoteIdents(t.Key)
	}
	rows, err := d.src.Query(ctx, query)
	if err != nil {
		return d.c.errorf("dump %s: %w", t.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return d.c.errorf("dump %s: %w", t.Name, err)
		}
		for j, i := range blobs {
			// The driver gives an empty BLOB as a nil []byte.
			if b, ok := values[i].([]byte); values[i] == nil || ok && b == nil {
				values[i] = nil
				if isNull := values[len(t.Columns)+j]; isNull == int64(0) || isNull == false {
					values[i] = []byte{} // an empty BLOB, not NULL
				}
			}
		}
		row := make(store.Row, len(t.Columns))
		for i, col := range t.Columns {
			v, err := d.c.d.Dump.Value(t.Kinds[i], values[i])
			if err != nil {
				return d.c.errorf("dump %s.%s of the row keyed %v: %w", t.Name, col, dumpRowKey(t, values), err)
			}
			row[col] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return d.c.errorf("dump %s: %w", t.Name, err)
	}
	return nil
}

// dumpRowKey names a row in an error by its primary key values.
func dumpRowKey(t DumpTable, values []any) string {
	var parts []string
	for _, k := range t.Key {
		if i := slices.Index(t.Columns, k); i >= 0 {
			parts = append(parts, fmt.Sprint(values[i]))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// IsEmpty reports whether no table of store.Schema holds a row.
func (c *Core) IsEmpty(ctx context.Context) (bool, error) {
	return c.isEmpty(func(query string) Row { return c.db.QueryRowContext(ctx, query) })
}

func (c *Core) isEmpty(queryRow func(query string) Row) (bool, error) {
	for _, t := range store.Schema {
		var found bool
		if err := queryRow(`SELECT EXISTS (SELECT 1 FROM ` + QuoteIdent(t.Name) + `)`).Scan(&found); err != nil {
			return false, c.errorf("%s: %w", t.Name, err)
		}
		if found {
			return false, nil
		}
	}
	return true, nil
}

// LoadRows writes the rows that rows yields into t, each as its values in
// t's column order (the callee's to keep), and returns how many.
type LoadRows func(ctx context.Context, t DumpTable, rows func(yield func(args []any) error) error) (int64, error)

// LoadWith refuses a database that holds rows, checked through src (the
// load's transaction), then runs fn with a store.LoadTx that writes each
// table through write.
func (c *Core) LoadWith(ctx context.Context, src DumpSource, tables map[string]DumpTable, write LoadRows,
	fn func(store.LoadTx) error) error {
	empty, err := c.isEmpty(func(query string) Row { return src.QueryRow(ctx, query) })
	if err != nil {
		return err
	}
	if !empty {
		return c.errorf("load: %w", store.ErrNotEmpty)
	}
	return fn(&loadTx{c: c, tables: tables, write: write})
}

type loadTx struct {
	c      *Core
	tables map[string]DumpTable
	write  LoadRows
}

func (l *loadTx) LoadTable(ctx context.Context, table string, rows func(yield func(store.Row) error) error) (int64, error) {
	t, err := l.c.dumpTable(l.tables, table)
	if err != nil {
		return 0, err
	}
	return l.write(ctx, t, func(yield func(args []any) error) error {
		return rows(func(r store.Row) error {
			args := make([]any, len(t.Columns))
			if err := l.c.loadArgs(t, r, args); err != nil {
				return l.c.errorf("load %s: %w", t.Name, err)
			}
			return yield(args)
		})
	})
}

// loadArgs fills args with r's values in the table's column order,
// converted; a column missing from r or one r has that the table has not
// is an error.
func (c *Core) loadArgs(t DumpTable, r store.Row, args []any) error {
	for i, col := range t.Columns {
		v, ok := r[col]
		if !ok {
			return fmt.Errorf("a row without column %s", col)
		}
		cv, err := c.d.Dump.LoadValue(t.Kinds[i], v)
		if err != nil {
			return fmt.Errorf("column %s: %w", col, err)
		}
		args[i] = cv
	}
	if len(r) != len(t.Columns) {
		for col := range r {
			if !slices.Contains(t.Columns, col) {
				return fmt.Errorf("a row with column %s, which the table has not", col)
			}
		}
	}
	return nil
}
