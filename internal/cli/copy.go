package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"vigil/internal/config"
	"vigil/internal/delivery"
	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/postgres"
	"vigil/internal/store/sqlite"
)

// copySummary is the help of `vigil copy`.
const copySummary = "Copy a whole installation, supporters included, into a new, empty database: " +
	"vigil copy [flags] FROM TO (or -- --from FROM --to TO), each an SQLite file or a postgres:// URL. " +
	"The copy opens with the same key file. Stop Vigil on FROM first."

// copyEnd is a database a copy reads or writes.
type copyEnd interface {
	database
	store.Dumper
	store.Loader
}

// copyInstallation is `vigil copy`: it moves every row, IDs and sealed
// bytes as they are, from one database into an empty one (migrated first),
// in one transaction, then checks the copy: the same number of rows in
// every table, and personal data that opens with the keys on the other side.
func copyInstallation(ctx context.Context, env *environment) error {
	from, to, err := copyEnds(env.cfg.From, env.cfg.To, env.args)
	if err != nil {
		return err
	}
	if sameDatabase(from, to) {
		return fmt.Errorf("copy: FROM and TO are the same database (%s)", showDB(from))
	}
	keyPath := env.cfg.KeyFile
	if keyPath == "" {
		if isPostgres(from) {
			return errors.New("copy: --key-file is required when copying from PostgreSQL")
		}
		keyPath = filepath.Join(filepath.Dir(from), "vigil.key")
	}
	keys, err := readKeys(keyPath)
	if err != nil {
		return err
	}

	if !isPostgres(from) {
		// sqlite.Open would make an empty database of a wrong path.
		if _, err := os.Stat(from); err != nil {
			return fmt.Errorf("copy: no SQLite database at %s: %w", from, err)
		}
	}
	// The source is read as it is, not migrated: a copy changes nothing
	// there. One on an older version fails the schema check, naming what
	// it lacks.
	src, err := openCopyEnd(ctx, from, keys)
	if err != nil {
		return fmt.Errorf("copy: open FROM: %w", err)
	}
	defer src.Close()
	// Refuse a wrong key file before writing anything.
	if err := spotCheck(ctx, src, keys); err != nil {
		return fmt.Errorf("copy: FROM with the key file %s: %w", keyPath, err)
	}

	dst, err := openCopyEnd(ctx, to, keys)
	if err != nil {
		return fmt.Errorf("copy: open TO: %w", err)
	}
	defer dst.Close()
	if err := dst.Migrate(ctx); err != nil {
		return fmt.Errorf("copy: migrate TO: %w", err)
	}
	empty, err := dst.IsEmpty(ctx)
	if err != nil {
		return fmt.Errorf("copy: TO: %w", err)
	}
	if !empty {
		return fmt.Errorf("copy: %s holds data already: a copy goes into a new, empty database only", showDB(to))
	}

	env.log.Info("copying", "from", showDB(from), "to", showDB(to), "key_file", keyPath,
		"note", "what Vigil stores on FROM after the copy begins is not copied: stop it first")
	start := time.Now()
	copied := map[string]int64{}
	err = store.Copy(ctx, dst, src, func(table string, rows int64, took time.Duration) {
		copied[table] = rows
		env.log.Info("table copied", "table", table, "rows", rows, "took", took.Round(time.Millisecond))
	})
	if errors.Is(err, store.ErrNotEmpty) {
		return fmt.Errorf("copy: %s holds data already: a copy goes into a new, empty database only", showDB(to))
	}
	if err != nil {
		return fmt.Errorf("copy: %w (nothing was copied into TO)", err)
	}
	took := time.Since(start)

	if err := verifyCopy(ctx, env, src, dst, keys, copied); err != nil {
		return fmt.Errorf("copy: the copy in %s is not sound: %w", showDB(to), err)
	}
	var total int64
	for _, n := range copied {
		total += n
	}
	env.log.Info("copy complete", "from", showDB(from), "to", showDB(to), "tables", len(copied), "rows", total,
		"took", took.Round(time.Millisecond))
	if !isPostgres(to) {
		beside := filepath.Join(filepath.Dir(to), "vigil.key")
		if !sameFile(beside, keyPath) {
			env.log.Warn("serve the copy with --key-file: without it Vigil would create a new key file beside it and could read no supporter",
				"db", to, "key_file", keyPath)
		}
	}
	return nil
}

// copyEnds reads FROM and TO: --from and --to, or two arguments.
func copyEnds(from, to string, args []string) (string, string, error) {
	usage := errors.New("copy: name the database to copy and the empty one to copy into: " +
		"vigil copy --key-file vigil.key --from data/vigil.db --to postgres://vigil@db.example.org/vigil")
	rest := args
	if from == "" && len(rest) > 0 {
		from, rest = rest[0], rest[1:]
	}
	if to == "" && len(rest) > 0 {
		to, rest = rest[0], rest[1:]
	}
	if from == "" || to == "" || len(rest) > 0 {
		return "", "", usage
	}
	return from, to, nil
}

func isPostgres(db string) bool { return config.Config{DB: db}.IsPostgres() }

// showDB names a database for a log line: a URL without its password.
func showDB(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	return redactURL(u)
}

func sameDatabase(a, b string) bool {
	if isPostgres(a) || isPostgres(b) {
		return a == b
	}
	return sameFile(a, b)
}

// sameFile reports whether two paths name one file, existing or not.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// readKeys reads an existing key file; a copy never makes one, since new
// keys would open nothing that was copied.
func readKeys(path string) (*secret.Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("copy: key file: %w (the copy needs the key file of FROM: --key-file)", err)
	}
	keys, err := secret.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("copy: key file %s: %w", path, err)
	}
	return keys, nil
}

func openCopyEnd(ctx context.Context, db string, keys *secret.Keys) (copyEnd, error) {
	if isPostgres(db) {
		pg, err := postgres.Open(ctx, db, keys)
		if err != nil {
			return nil, err
		}
		return pg, nil
	}
	lite, err := sqlite.Open(db, keys)
	if err != nil {
		return nil, err
	}
	return lite, nil
}

// errFirst stops a dump after its first row.
var errFirst = errors.New("first row read")

// firstID returns the id of the first row of a table, if it has one.
func firstID(ctx context.Context, d store.Dumper, table string) (id int64, found bool, err error) {
	err = d.Dump(ctx, func(tx store.DumpTx) error {
		return tx.DumpTable(ctx, table, func(r store.Row) error {
			id, found = r["id"].(int64)
			return errFirst
		})
	})
	if errors.Is(err, errFirst) {
		err = nil
	}
	return id, found, err
}

// spotCheck opens the sealed fields of the first supporter and the first
// outbox message with the keys.
func spotCheck(ctx context.Context, s copyEnd, keys *secret.Keys) error {
	id, found, err := firstID(ctx, s, "supporters")
	if err != nil {
		return err
	}
	if found {
		if _, err := s.Supporter(ctx, id); err != nil {
			return fmt.Errorf("supporter %d: %w", id, err)
		}
	}
	id, found, err = firstID(ctx, s, "outbox")
	if err != nil {
		return err
	}
	if found {
		m, err := s.OutboxMessage(ctx, id)
		if err != nil {
			return fmt.Errorf("outbox message %d: %w", id, err)
		}
		if !m.Intent() {
			if _, err := delivery.Open(keys, m.MessageID, m.Sealed); err != nil {
				return fmt.Errorf("outbox message %d: %w", id, err)
			}
		}
	}
	return nil
}

// verifyCopy counts the rows of every table in the copy against those
// copied, opens the first supporter there and compares them with FROM, and
// warns when FROM changed meanwhile.
func verifyCopy(ctx context.Context, env *environment, src, dst copyEnd, keys *secret.Keys, copied map[string]int64) error {
	counts, err := store.CountAll(ctx, dst)
	if err != nil {
		return err
	}
	var errs []error
	for _, table := range store.SchemaTables() {
		if counts[table] != copied[table] {
			errs = append(errs, fmt.Errorf("table %s has %d rows, %d were copied", table, counts[table], copied[table]))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	env.log.Info("row counts match", "tables", len(counts))

	if err := spotCheck(ctx, dst, keys); err != nil {
		return err
	}
	id, found, err := firstID(ctx, dst, "supporters")
	if err != nil {
		return err
	}
	if found {
		want, err := src.Supporter(ctx, id)
		if err != nil {
			return err
		}
		got, err := dst.Supporter(ctx, id)
		if err != nil {
			return err
		}
		if got.Email != want.Email || got.Name != want.Name || got.PostalCode != want.PostalCode {
			return fmt.Errorf("supporter %d reads differently in the copy", id)
		}
		env.log.Info("personal data opens in the copy", "supporter_id", id)
	}

	now, err := store.CountAll(ctx, src)
	if err != nil {
		return err
	}
	for _, table := range store.SchemaTables() {
		if now[table] != copied[table] {
			env.log.Warn("FROM changed during the copy: its latest changes are not in the copy; stop Vigil and copy again into a new database",
				"table", table, "copied", copied[table], "rows_now", now[table])
		}
	}
	return nil
}
