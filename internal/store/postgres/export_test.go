package postgres

import (
	"context"
	"database/sql"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// InTx lets the external tests run a transaction the way the store does.
func (s *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error { return s.inTx(ctx, fn) }

// MigrateUpTo applies the migrations up to version only, as a database
// made by an older Vigil has them.
func (s *DB) MigrateUpTo(ctx context.Context, version int64) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.db, sub)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// SQL is the pool, for tests that write rows as an older Vigil did.
func (s *DB) SQL() *sql.DB { return s.db }
