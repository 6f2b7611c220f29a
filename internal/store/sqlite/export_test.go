package sqlite

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// MigrateUpTo applies the migrations up to version only, as a database
// made by an older Vigil has them.
func (s *DB) MigrateUpTo(ctx context.Context, version int64) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db, mustSub(migrations, "migrations"))
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// SQL is the pool, for tests that write rows as an older Vigil did.
func (s *DB) SQL() *sql.DB { return s.db }
