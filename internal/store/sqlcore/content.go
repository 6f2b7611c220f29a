package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// What the content files share (cases.go, actions.go, news.go, images.go):
// the querier, limits, calendar dates, nullable IDs and tags.

// Querier is what *sql.DB and *sql.Tx share.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// noLimit is the LIMIT of "all rows", which both databases take.
const noLimit = 1<<31 - 1

func limitOrAll(limit int) int {
	if limit <= 0 {
		return noLimit
	}
	return limit
}

// dateLayout is how calendar dates are written to both databases (text in
// SQLite, date in PostgreSQL).
const dateLayout = "2006-01-02"

// scanDate reads a calendar date, as text or as a time, at midnight UTC.
type scanDate struct{ t *time.Time }

func (s scanDate) Scan(v any) error {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case string:
		var err error
		if t, err = time.Parse(dateLayout, v); err != nil {
			return err
		}
	case []byte:
		var err error
		if t, err = time.Parse(dateLayout, string(v)); err != nil {
			return err
		}
	case nil:
	default:
		return errors.New("sqlcore: cannot read a date")
	}
	if !t.IsZero() {
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	*s.t = t
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// setTags links the named tags to one row of a link table, creating tags
// that do not exist yet.
func (c *Core) setTags(ctx context.Context, tx *sql.Tx, linkTable, column string, id int64, names []string) error {
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING`), name); err != nil {
			return err
		}
		// linkTable and column are constants chosen by this package.
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO `+linkTable+` (`+column+`, tag_id)
			SELECT ?, id FROM tags WHERE name = ? ON CONFLICT DO NOTHING`), id, name); err != nil {
			return err
		}
	}
	return nil
}

// tagsOf lists the tag names linked to one row in code point order,
// whatever the database's collation.
func (c *Core) tagsOf(ctx context.Context, q Querier, linkTable, column string, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT t.name FROM tags t JOIN `+linkTable+` l ON l.tag_id = t.id
		WHERE l.`+column+` = ? ORDER BY t.name`+c.d.CodePointOrder), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// scanIDs reads a column of ids, closing rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
