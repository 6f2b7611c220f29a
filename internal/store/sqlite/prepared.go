package sqlite

import (
	"context"
	"database/sql"
)

// Statements on the hot write path (a signature) are prepared once and
// reused on every connection: compiling SQL was a third of the writer's
// time per signature. Queries are cached by their text, so a query built
// from a few variants is prepared once per variant.

func (s *DB) prepared(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if actual, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = actual.(*sql.Stmt)
	}
	return tx.StmtContext(ctx, st), nil
}

// execTx runs a prepared statement in tx.
func (s *DB) execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// rowScan is a single-row result whose error may come from preparing.
type rowScan struct {
	row *sql.Row
	err error
}

func (r rowScan) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// queryRowTx runs a prepared single-row query in tx.
func (s *DB) queryRowTx(ctx context.Context, tx *sql.Tx, query string, args ...any) rowScan {
	st, err := s.prepared(ctx, tx, query)
	if err != nil {
		return rowScan{err: err}
	}
	return rowScan{row: st.QueryRowContext(ctx, args...)}
}

// closeStatements releases the prepared statements.
func (s *DB) closeStatements() {
	s.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}
