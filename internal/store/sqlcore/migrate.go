package sqlcore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Migrate applies every pending migration in migrations (the adapter's
// folder of .sql files) with goose; name prefixes its errors.
func Migrate(ctx context.Context, db *sql.DB, name string, dialect goose.Dialect, migrations fs.FS, opts ...goose.ProviderOption) error {
	provider, err := goose.NewProvider(dialect, db, migrations, opts...)
	if err != nil {
		return fmt.Errorf("%s: migrations: %w", name, err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("%s: migrate: %w", name, err)
	}
	return nil
}
