// Package postgres is Vigil's PostgreSQL adapter of store.Store, built on
// pgx through database/sql with migrations embedded. It passes the same
// conformance suite as the SQLite adapter; what differs between the two
// databases stays in here.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store/groupcommit"
	"vigil/internal/store/sqlcore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the PostgreSQL store.
type DB struct {
	db    *sql.DB
	cfg   *pgx.ConnConfig    // for the dedicated LISTEN connection
	keys  *secret.Keys       // seals personal data; see internal/secret
	batch *groupcommit.Queue // group commit of participations; see batch.go

	// The queries written once for both databases: staff, audit, editing.
	*sqlcore.Core
}

// Open connects to the PostgreSQL database at url (postgres://…, or any
// connection string pgx accepts). Personal data is sealed and opened with
// keys. It does not migrate; call Migrate.
func Open(ctx context.Context, url string, keys *secret.Keys) (*DB, error) {
	if keys == nil {
		return nil, errors.New("postgres: no keys")
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database URL: %s", unquoted(err))
	}
	// Instants are timestamptz and come back in UTC whatever the session
	// says; a UTC session keeps any text rendering of them the same too.
	cfg.RuntimeParams["timezone"] = "UTC"
	db := stdlib.OpenDB(*cfg)
	// One pool per process. Several instances share the server, so each
	// keeps a modest number of connections.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", redact(cfg), err)
	}
	s := &DB{db: db, cfg: cfg, keys: keys}
	s.Core = sqlcore.New(db, sqlcore.Dialect{Name: "postgres", Numbered: true,
		Day:            func(col string) string { return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')" },
		CodePointOrder: ` COLLATE "C"`, ForUpdate: " FOR UPDATE", SkipLocked: " FOR UPDATE SKIP LOCKED", KeyLock: " FOR NO KEY UPDATE", MapErr: mapErr, InTx: s.inTx,
		Jobs: jobHooks, Dump: dumpHooks, Search: searchHooks}, keys)
	s.batch = groupcommit.Start(maxBatch, s.commitBatch)
	return s, nil
}

// unquoted is pgx's reason for refusing a connection string without the
// string itself, which it quotes between backquotes with the password
// masked as well as it can find it: "best effort", says pgx.
func unquoted(err error) string {
	msg := err.Error()
	if open := strings.IndexByte(msg, '`'); open >= 0 {
		if end := strings.LastIndexByte(msg, '`'); end > open {
			msg = msg[:open] + "(the URL)" + msg[end+1:]
		}
	}
	return msg
}

// redact names the server and database without the password.
func redact(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// Migrate applies every pending migration. Instances started together take
// turns through an advisory lock, so each migration runs once.
func (s *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if err := sqlcore.Migrate(ctx, s.db, "postgres", goose.DialectPostgres, sub, goose.WithSessionLocker(locker)); err != nil {
		return err
	}
	if err := s.AfterMigrate(ctx); err != nil {
		return err
	}
	return s.IndexForSearch(ctx)
}

// Ping answers nil once the database is reachable.
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close answers the participations already queued, then closes the pool.
func (s *DB) Close() error {
	s.batch.Stop()
	return s.db.Close()
}

// Keys are the keys the store seals personal data with.
func (s *DB) Keys() *secret.Keys { return s.keys }

// inTx runs fn in a transaction (READ COMMITTED), committing when it
// returns nil. Where SQLite's single writer serialises two transactions,
// the methods here keep the same outcome with ON CONFLICT instead of
// read-then-insert, row locks taken in one order (cases, then actions by
// slug, supporters, participations, outbox), or an advisory lock; each
// says which. Should two transactions still deadlock, PostgreSQL aborts one and
// it is run again: fn only touches the database and calls compose
// functions, which do no I/O, so running it twice is safe.
func (s *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := sqlcore.RunTx(ctx, s.db, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

// maxAttempts bounds how often a deadlocked transaction is run again.
const maxAttempts = 3

// retryable reports a deadlock or a serialisation failure: the transaction
// was rolled back and may simply be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// uniqueViolation is PostgreSQL's SQLSTATE for a broken unique constraint.
const uniqueViolation = "23505"

// mapErr turns driver errors into model sentinels.
func mapErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return model.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == uniqueViolation {
		return fmt.Errorf("%w: %v", model.ErrConflict, err)
	}
	return err
}

// instant is how a time is stored: in UTC, to the millisecond, as the
// SQLite adapter keeps it, so both databases give back the same value.
func instant(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// fromNull reads a nullable instant; NULL is the zero time.
func fromNull(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// seal and cleanText are sqlcore's Seal and CleanText, for the
// signature's write path (write.go).
func (s *DB) seal(value, table, column string, id int64) any { return s.Seal(value, table, column, id) }

func cleanText(s string) string { return sqlcore.CleanText(s) }
