package postgres

import (
	"context"
	"database/sql"
)

// InTx lets the external tests run a transaction the way the store does.
func (s *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error { return s.inTx(ctx, fn) }
