// Package sqlcore holds the SQL that reads the same on SQLite and
// PostgreSQL, written once over database/sql. Each adapter embeds a Core and
// gives it a Dialect: how placeholders are written, how an instant is stored,
// how driver errors map to model sentinels, and how a transaction is run.
// Tables stay in each adapter's own migrations.
package sqlcore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// Dialect is what differs between the databases for the queries here.
type Dialect struct {
	Name string // "sqlite", "postgres": the prefix of error messages
	// Numbered placeholders ($1, $2, …) instead of ?.
	Numbered bool
	// TextTimes stores instants as fixed-width UTC text (SQLite); otherwise
	// as time.Time (timestamptz).
	TextTimes bool
	// Day is the SQL for an instant column's UTC calendar day as
	// 2006-01-02 text.
	Day func(column string) string
	// CodePointOrder follows ORDER BY on text to sort it by code point
	// whatever the database's collation (COLLATE "C"); "" where that is
	// the default.
	CodePointOrder string
	// ForUpdate follows a SELECT to lock its rows for the transaction;
	// "" where one writer at a time makes locks needless.
	ForUpdate string
	// SkipLocked follows a SELECT to lock its rows, passing over those
	// another transaction holds (" FOR UPDATE SKIP LOCKED"); "" where one
	// writer at a time makes locks needless.
	SkipLocked string
	// KeyLock follows a SELECT to lock rows that other writers lock too,
	// without blocking the rows that refer to them (" FOR NO KEY UPDATE"):
	// an action before its participations, a supporter being signed up.
	// "" where one writer at a time makes locks needless.
	KeyLock string
	// Runner, where set, runs a write's statements in tx its own way
	// (SQLite keeps them compiled); otherwise TxRunner.
	Runner func(ctx context.Context, tx *sql.Tx) Runner
	// MapErr turns driver errors into model.ErrNotFound / ErrConflict.
	MapErr func(error) error
	// InTx runs fn in a transaction, committing when it returns nil.
	InTx func(ctx context.Context, fn func(tx *sql.Tx) error) error
	// Jobs is what the background jobs need besides (jobs.go).
	Jobs JobHooks
	// Dump is how the database's values read and write in a dump
	// (dump.go).
	Dump DumpHooks
	// Search is how the database matches and ranks search entries
	// (search.go).
	Search SearchHooks
}

// Core runs the shared queries on one database.
type Core struct {
	db      *sql.DB
	d       Dialect
	keys    *secret.Keys
	rebound sync.Map // query as written -> query in the dialect
}

// New returns the shared queries for a database.
func New(db *sql.DB, d Dialect, keys *secret.Keys) *Core {
	return &Core{db: db, d: d, keys: keys}
}

// timeLayout is SQLite's text form of an instant: text order is time order.
const timeLayout = "2006-01-02T15:04:05.000Z"

// rebind writes a query, written with ? placeholders, in the dialect.
func (c *Core) rebind(query string) string {
	if !c.d.Numbered {
		return query
	}
	if v, ok := c.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	c.rebound.Store(query, b.String())
	return b.String()
}

// instant is how a time is passed to the database: UTC to the
// millisecond, NULL when zero.
func (c *Core) instant(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Millisecond)
	if c.d.TextTimes {
		return t.Format(timeLayout)
	}
	return t
}

// scanTime reads an instant whichever way the database keeps it; NULL is
// the zero time.
type scanTime struct{ t *time.Time }

func (s scanTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("sqlcore: cannot read %T as a time", v)
	}
	return nil
}

func (s scanTime) parse(v string) error {
	if t, ok := parseStored(v); ok {
		*s.t = t
		return nil
	}
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		return fmt.Errorf("sqlcore: time %q: %w", v, err)
	}
	*s.t = t
	return nil
}

// parseStored reads the fixed text form Vigil writes
// (2006-01-02T15:04:05.000Z) without time.Parse's generality: exports
// read millions of them. Anything else is left to time.Parse.
func parseStored(v string) (time.Time, bool) {
	if len(v) != len(timeLayout) || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' ||
		v[19] != '.' || v[23] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			d := v[i] - '0'
			if d > 9 {
				return 0, false
			}
			n = n*10 + int(d)
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	second, ok6 := num(17, 19)
	milli, ok7 := num(20, 23)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month < 1 || month > 12 || day < 1 || day > 31 ||
		hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, milli*int(time.Millisecond), time.UTC)
	if t.Day() != day { // 31 February and the like
		return time.Time{}, false
	}
	return t, true
}

// at is shorthand for scanning into a time.
func at(t *time.Time) scanTime { return scanTime{t} }

// RunTx runs fn in a transaction of db, committing when it returns nil;
// each adapter's InTx wraps it in what its database needs besides.
func RunTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// write runs one statement that changes the database in a transaction of
// its own, through the dialect, so that on SQLite it takes the write lock
// in turn with every other write of the process (store/sqlite/gate.go)
// instead of in SQLite's busy handler.
func (c *Core) write(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// open reads a sealed personal field bound to its row; NULL is "".
func (c *Core) open(sealed []byte, table, column string, id int64) (string, error) {
	if sealed == nil {
		return "", nil
	}
	v, err := c.keys.OpenString(sealed, secret.AD(table, column, id))
	if err != nil {
		return "", fmt.Errorf("open %s.%s of row %d: %w", table, column, id, err)
	}
	return v, nil
}

// errNoTime refuses a write whose time the caller did not give: the store
// stamps nothing with the wall clock, so a test's clock is the only clock.
var errNoTime = errors.New("no time given for the write")

func (c *Core) errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return fmt.Errorf("%s: %w", c.d.Name, err)
}

// audit adds the entry for a write made in tx, when the context names an
// actor: before and after are marshalled to JSON (nil: none).
func (c *Core) audit(ctx context.Context, tx *sql.Tx, action, objectType string, objectID int64, before, after any) error {
	actor, ok := store.ActorFrom(ctx)
	if !ok {
		return nil
	}
	e := model.AuditEntry{At: actor.At, UserID: actor.UserID, UserEmail: actor.Email, IPHash: actor.IPHash,
		Action: action, ObjectType: objectType, ObjectID: objectID}
	var err error
	if e.Before, err = asJSON(before); err != nil {
		return err
	}
	if e.After, err = asJSON(after); err != nil {
		return err
	}
	return c.insertAudit(ctx, tx, e)
}

func asJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	return string(b), nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (c *Core) insertAudit(ctx context.Context, ex execer, e model.AuditEntry) error {
	if e.At.IsZero() {
		return fmt.Errorf("audit entry %s without a time", e.Action)
	}
	var userID any
	if e.UserID != 0 {
		userID = e.UserID
	}
	_, err := ex.ExecContext(ctx, c.rebind(`INSERT INTO audit_log (at, user_id, user_email, action, object_type, object_id, before, after, ip_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		c.instant(e.At), userID, e.UserEmail, e.Action, e.ObjectType, e.ObjectID, e.Before, e.After, e.IPHash)
	return err
}

// RecordAudit adds an entry by itself.
func (c *Core) RecordAudit(ctx context.Context, e model.AuditEntry) error {
	if err := c.insertAudit(ctx, c.db, e); err != nil {
		return c.errorf("record audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditLog lists entries matching f, newest first.
func (c *Core) AuditLog(ctx context.Context, f store.AuditFilter) ([]model.AuditEntry, error) {
	var where []string
	var args []any
	if f.UserEmail != "" {
		where, args = append(where, "user_email = ?"), append(args, strings.ToLower(f.UserEmail))
	}
	if f.Action != "" {
		// A prefix, matched without LIKE so that _ and % mean themselves.
		where, args = append(where, "substr(action, 1, ?) = ?"), append(args, len(f.Action), f.Action)
	}
	if f.ObjectType != "" {
		where, args = append(where, "object_type = ?"), append(args, f.ObjectType)
	}
	if f.ObjectID != 0 {
		where, args = append(where, "object_id = ?"), append(args, f.ObjectID)
	}
	if f.Before != 0 {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT id, at, user_id, user_email, action, object_type, object_id, before, after, ip_hash FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := c.db.QueryContext(ctx, c.rebind(query), args...)
	if err != nil {
		return nil, c.errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []model.AuditEntry
	for rows.Next() {
		var e model.AuditEntry
		var userID sql.NullInt64
		if err := rows.Scan(&e.ID, at(&e.At), &userID, &e.UserEmail, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.Before, &e.After, &e.IPHash); err != nil {
			return nil, c.errorf("audit log: %w", err)
		}
		e.UserID = userID.Int64
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("audit log: %w", err)
	}
	return out, nil
}
