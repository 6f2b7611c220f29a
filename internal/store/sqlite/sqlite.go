// Package sqlite is Vigil's SQLite adapter of store.Store, built on
// modernc.org/sqlite in WAL mode with migrations embedded.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store/groupcommit"
	"vigil/internal/store/sqlcore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// timeLayout stores instants as fixed-width UTC text, so text order is time
// order.
const timeLayout = "2006-01-02T15:04:05.000Z"

// dateLayout stores calendar dates.
const dateLayout = "2006-01-02"

// DB is the SQLite store.
type DB struct {
	db    *sql.DB
	keys  *secret.Keys       // seals personal data; see internal/secret
	batch *groupcommit.Queue // group commit of participations; see batch.go
	// writer is the group commit's own connection; see prepared.go.
	writer *writerConn
	coord  coordination // in-process announcements and job locks
	writes writeGate    // one write transaction at a time; see gate.go
	stmts  sync.Map     // query text -> *sql.Stmt; see prepared.go

	stopCheckpoints chan struct{} // closed by Close
	closeOnce       sync.Once
	closeErr        error
	checkpointsDone chan struct{}
	file            *dbFile // the database file, for the checkpointer's writeback

	// The queries written once for both databases: staff, audit, editing.
	*sqlcore.Core
}

// DSN turns a file path into a modernc DSN whose pragmas every pooled
// connection receives: WAL, full fsync on commit, a busy timeout, and
// foreign keys.
func DSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()), "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// In a file: URI, %, ? and # in the path would be read as escapes,
	// the query and a fragment.
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + q.Encode()
}

// Open opens (creating if needed) the SQLite database at path. Personal
// data is sealed and opened with keys. It does not migrate; call Migrate.
func Open(path string, keys *secret.Keys) (*DB, error) {
	if keys == nil {
		return nil, errors.New("sqlite: no keys")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create folder: %w", err)
		}
	}
	// Checkpoints run in the background (see checkpoints); a connection
	// copies the log itself only if that falls far behind.
	dsn := DSN(path) + "&_pragma=" + url.QueryEscape(fmt.Sprintf("wal_autocheckpoint(%d)", walPagesBehind))
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// A small pool: SQLite has one writer, and readers in WAL mode do not
	// block it.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	file, err := openDBFile(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := &DB{db: db, keys: keys, writes: newWriteGate(), stopCheckpoints: make(chan struct{}),
		checkpointsDone: make(chan struct{}), file: file}
	s.Core = sqlcore.New(db, sqlcore.Dialect{Name: "sqlite", TextTimes: true,
		Day:    func(col string) string { return "substr(" + col + ", 1, 10)" },
		MapErr: mapErr, InTx: s.inTx, Jobs: jobHooks, Dump: dumpHooks, Search: searchHooks,
		Runner: func(ctx context.Context, tx *sql.Tx) sqlcore.Runner { return coreRunner{s.inTxRunner(ctx, tx)} }}, keys)
	if s.writer, err = openWriter(dsn); err != nil {
		db.Close()
		file.release()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.batch = groupcommit.Start(maxBatch, s.commitBatch)
	go s.checkpoints(checkpointEvery)
	return s, nil
}

// How the write-ahead log is copied back into the database file. By
// default SQLite does it in the commit that takes the log past 1,000
// pages, so the writer that happens to commit then also copies the pages
// and waits for the database file's fsync: under a wave of signatures,
// that was a twelfth of the group-commit writer's time. Vigil checkpoints
// from another connection instead, twice a second, without blocking
// writers or readers (PASSIVE). The log then holds at most about half a
// second of writes; a page written many times in that half second is
// copied once. After each checkpoint the kernel is asked to start
// writing the copied pages out (writeback.go).
const (
	checkpointEvery = 500 * time.Millisecond
	walPagesBehind  = 20000 // ~80 MB of log: then a committing connection checkpoints itself
)

func (s *DB) checkpoints(every time.Duration) {
	defer close(s.checkpointsDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stopCheckpoints:
			return
		case <-t.C:
		}
		// A checkpoint that cannot finish (a reader still needs old
		// pages) copies what it can; the next one goes on.
		s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		s.file.writeback()
	}
}

// Migrate applies every pending migration.
func (s *DB) Migrate(ctx context.Context) error {
	if err := sqlcore.Migrate(ctx, s.db, "sqlite", goose.DialectSQLite3, mustSub(migrations, "migrations")); err != nil {
		return err
	}
	if err := s.AfterMigrate(ctx); err != nil {
		return err
	}
	return s.IndexForSearch(ctx)
}

// Ping answers nil once the database is reachable.
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the database.
func (s *DB) Close() error {
	s.closeOnce.Do(func() {
		s.batch.Stop()
		close(s.stopCheckpoints)
		<-s.checkpointsDone
		s.closeStatements()
		s.writer.close()
		s.closeErr = s.db.Close()
		s.file.release() // after SQLite's connections: see writeback.go
	})
	return s.closeErr
}

// inTx runs fn in a write transaction, committing when it returns nil.
// Transactions begin IMMEDIATE (the DSN's _txlock), taking the write lock
// at once, so they go through the write gate.
func (s *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := s.writes.enter(ctx); err != nil {
		return err
	}
	defer s.writes.leave()
	return sqlcore.RunTx(ctx, s.db, fn)
}

// mapErr turns driver errors into model sentinels.
func mapErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return model.ErrNotFound
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", model.ErrConflict, err)
		}
	}
	return err
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s sql.NullString) time.Time {
	if !s.Valid || s.String == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s.String)
	if err != nil {
		return time.Time{}
	}
	return t
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// JournalMode reports SQLite's journal mode ("wal" once open).
func (s *DB) JournalMode(ctx context.Context) (string, error) {
	var mode string
	err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode)
	return mode, err
}

// Keys are the keys the store seals personal data with.
func (s *DB) Keys() *secret.Keys { return s.keys }
