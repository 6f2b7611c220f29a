package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"time"

	sqlite3 "modernc.org/sqlite"
)

// The statements of a signature run on a runner: the group commit's own
// connection (writerConn), or a database/sql transaction for the rare
// writes that share them (a newsletter sign-up). Either way each statement
// is compiled once and kept: compiling SQL was a large share of the
// writer's time per signature (see BENCHMARKS.md, "Prepared statements").
type runner interface {
	exec(query string, args ...any) (sql.Result, error)
	queryRow(query string, args ...any) scanner
}

type scanner interface{ Scan(dest ...any) error }

// txRunner runs statements prepared once for the whole pool in one
// database/sql transaction.
type txRunner struct {
	s   *DB
	ctx context.Context
	tx  *sql.Tx
}

func (s *DB) inTxRunner(ctx context.Context, tx *sql.Tx) txRunner { return txRunner{s, ctx, tx} }

func (t txRunner) prepared(query string) (*sql.Stmt, error) {
	if st, ok := t.s.stmts.Load(query); ok {
		return t.tx.StmtContext(t.ctx, st.(*sql.Stmt)), nil
	}
	st, err := t.s.db.PrepareContext(t.ctx, query)
	if err != nil {
		return nil, err
	}
	if actual, loaded := t.s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = actual.(*sql.Stmt)
	}
	return t.tx.StmtContext(t.ctx, st), nil
}

func (t txRunner) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

func (t txRunner) queryRow(query string, args ...any) scanner {
	st, err := t.prepared(query)
	if err != nil {
		return errScanner{err}
	}
	return st.QueryRowContext(t.ctx, args...)
}

type errScanner struct{ err error }

func (e errScanner) Scan(...any) error { return e.err }

// closeStatements releases the pool's prepared statements.
func (s *DB) closeStatements() {
	s.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}

// writerConn is the group commit's own connection, driven through the
// SQLite driver directly. Only the writer goroutine uses it, so it needs
// no locks; database/sql's per-call work (taking a connection, wrapping
// the statement for the transaction, converting arguments through
// reflection, wrapping rows) was a share of the writer's time worth
// saving on the path every signature takes (see BENCHMARKS.md, "Prepared
// statements").
// Transactions are plain BEGIN IMMEDIATE / COMMIT / ROLLBACK statements.
type writerConn struct {
	conn  driver.Conn
	stmts map[string]driver.Stmt
	args  []driver.NamedValue // reused by each call
}

func openWriter(dsn string) (*writerConn, error) {
	c, err := (&sqlite3.Driver{}).Open(dsn)
	if err != nil {
		return nil, err
	}
	return &writerConn{conn: c, stmts: map[string]driver.Stmt{}}, nil
}

func (w *writerConn) close() error {
	for q, st := range w.stmts {
		st.Close()
		delete(w.stmts, q)
	}
	return w.conn.Close()
}

func (w *writerConn) stmt(query string, args []any) (driver.Stmt, []driver.NamedValue, error) {
	st, ok := w.stmts[query]
	if !ok {
		var err error
		if st, err = w.conn.(driver.ConnPrepareContext).PrepareContext(context.Background(), query); err != nil {
			return nil, nil, err
		}
		w.stmts[query] = st
	}
	w.args = w.args[:0]
	for i, a := range args {
		v, err := driverValue(a)
		if err != nil {
			return nil, nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		w.args = append(w.args, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	return st, w.args, nil
}

func driverValue(a any) (driver.Value, error) {
	switch v := a.(type) {
	case nil, int64, float64, bool, []byte, string, time.Time:
		return v, nil
	case int:
		return int64(v), nil
	}
	return driver.DefaultParameterConverter.ConvertValue(a)
}

func (w *writerConn) exec(query string, args ...any) (sql.Result, error) {
	st, nv, err := w.stmt(query, args)
	if err != nil {
		return nil, err
	}
	return st.(driver.StmtExecContext).ExecContext(context.Background(), nv)
}

func (w *writerConn) queryRow(query string, args ...any) scanner {
	st, nv, err := w.stmt(query, args)
	if err != nil {
		return errScanner{err}
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(context.Background(), nv)
	if err != nil {
		return errScanner{err}
	}
	defer rows.Close()
	row := make(driverRow, len(rows.Columns()))
	if err := rows.Next(row); err != nil {
		if errors.Is(err, io.EOF) {
			err = sql.ErrNoRows
		}
		return errScanner{err}
	}
	// Text and blobs are copied out of SQLite's memory by the driver,
	// so the values outlive the statement's reset.
	return row
}

// driverRow is one row as the driver gives it, scanned like database/sql
// does for the types the writer reads.
type driverRow []driver.Value

func (r driverRow) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("sqlite: scan %d columns into %d values", len(r), len(dest))
	}
	for i, d := range dest {
		if err := assign(d, r[i]); err != nil {
			return fmt.Errorf("sqlite: scan column %d: %w", i, err)
		}
	}
	return nil
}

func assign(dest any, v driver.Value) error {
	if sc, ok := dest.(sql.Scanner); ok {
		return sc.Scan(v)
	}
	switch d := dest.(type) {
	case *int64:
		if n, ok := v.(int64); ok {
			*d = n
			return nil
		}
	case *string:
		switch s := v.(type) {
		case string:
			*d = s
			return nil
		case []byte:
			*d = string(s)
			return nil
		case int64:
			*d = strconv.FormatInt(s, 10)
			return nil
		}
	case *[]byte:
		switch b := v.(type) {
		case nil:
			*d = nil
			return nil
		case []byte:
			*d = append([]byte(nil), b...)
			return nil
		case string:
			*d = []byte(b)
			return nil
		}
	}
	// Named types (an action's kind) and other widths, by their kind.
	rv := reflect.ValueOf(dest)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("destination %T is not a pointer", dest)
	}
	e := rv.Elem()
	switch x := v.(type) {
	case int64:
		switch e.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			e.SetInt(x)
			return nil
		case reflect.Bool:
			e.SetBool(x != 0)
			return nil
		}
	case string:
		if e.Kind() == reflect.String {
			e.SetString(x)
			return nil
		}
	case []byte:
		if e.Kind() == reflect.String {
			e.SetString(string(x))
			return nil
		}
	}
	return fmt.Errorf("cannot store %T in %T", v, dest)
}
