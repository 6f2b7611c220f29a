package sqlcore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"vigil/internal/secret"
	"vigil/internal/store"
)

// sealedColumn is a column of sealed values and the column name its values
// are bound to (secret.AD), which is not always its own.
type sealedColumn struct{ name, ad string }

// sealedTable is a table with sealed columns, and the column whose value
// binds each row's sealed values to it (secret.AD's row).
type sealedTable struct {
	name    string
	row     string
	columns []sealedColumn
}

// sealedTables is every sealed value Vigil stores. A test compares it with
// store.Schema: a new column named *sealed must be added here, or Reseal
// would leave it under a key about to be retired.
var sealedTables = []sealedTable{
	{"supporters", "id", []sealedColumn{{"email_sealed", "email"}, {"name_sealed", "name"}, {"postal_sealed", "postal"}}},
	{"participations", "id", []sealedColumn{{"subject_sealed", "subject"}, {"letter_sealed", "letter"}, {"comment_sealed", "comment"}}},
	{"records", "id", []sealedColumn{{"name_sealed", "name_sealed"}, {"place_sealed", "place_sealed"},
		{"source_note_sealed", "source_note_sealed"}}},
	{"staff_users", "id", []sealedColumn{{"totp_sealed", "totp_sealed"}}},
	// Bound to the Message-ID (see mail.Seal). An intent, or a sent message
	// past its retention, holds no value.
	{"outbox", "message_id", []sealedColumn{{"sealed", "sealed"}}},
}

// ResealBatch is how many rows Reseal reads at a time, and so the most it
// rewrites in one transaction: short enough that writers in between wait
// little. A variable so that a test can cross batches with a few rows.
var ResealBatch = 500

// maxUnopened bounds the values a report names.
const maxUnopened = 20

// sealedRow is one row as Reseal reads it.
type sealedRow struct {
	id     int64
	key    string   // the AD's row
	values [][]byte // in the order of the table's columns
	index  []byte   // supporters: the blind index
}

// rewrite is one compare-and-set: set column to value where it still holds
// old.
type rewrite struct {
	id         int64
	column     string
	value, old []byte
	// And where alsoWhere holds alsoValue: a supporter's index is written
	// only while their address is the one it was computed from.
	alsoWhere string
	alsoValue []byte
}

// Reseal moves every sealed value to the current seal key, and every blind
// index to the current index key; see store.Rekeying.
func (c *Core) Reseal(ctx context.Context, progress func(store.ResealProgress)) (store.ResealReport, error) {
	var rep store.ResealReport
	for _, t := range sealedTables {
		var after int64
		read := 0
		for {
			rows, err := c.sealedRows(ctx, t, after)
			if err != nil {
				return rep, c.errorf("reseal %s: %w", t.name, err)
			}
			if len(rows) == 0 {
				break
			}
			// Opening and sealing is done before the transaction: it only
			// holds the writes.
			var writes []rewrite
			for _, r := range rows {
				writes = append(writes, c.resealRow(t, r, &rep)...)
			}
			if err := c.rewrite(ctx, t.name, writes, &rep); err != nil {
				return rep, c.errorf("reseal %s: %w", t.name, err)
			}
			after = rows[len(rows)-1].id
			read += len(rows)
			if progress != nil {
				progress(store.ResealProgress{Table: t.name, Rows: read})
			}
		}
	}
	return rep, nil
}

// sealedRows reads the rows of t after the id after, with their sealed
// values.
func (c *Core) sealedRows(ctx context.Context, t sealedTable, after int64) ([]sealedRow, error) {
	cols := make([]string, 0, len(t.columns)+3)
	cols = append(cols, "id", "CAST("+t.row+" AS TEXT) AS ad_row")
	for _, col := range t.columns {
		cols = append(cols, col.name)
	}
	reindex := t.name == "supporters"
	if reindex {
		cols = append(cols, "email_index")
	}
	rows, err := c.db.QueryContext(ctx, c.q(`SELECT `+strings.Join(cols, ", ")+` FROM `+t.name+`
		WHERE id > ? ORDER BY id LIMIT ?`), after, ResealBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sealedRow
	for rows.Next() {
		r := sealedRow{values: make([][]byte, len(t.columns))}
		dest := []any{&r.id, &r.key}
		for i := range r.values {
			dest = append(dest, &r.values[i])
		}
		if reindex {
			dest = append(dest, &r.index)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// resealRow works out the writes one row needs.
func (c *Core) resealRow(t sealedTable, r sealedRow, rep *store.ResealReport) []rewrite {
	var writes []rewrite
	for i, col := range t.columns {
		old := r.values[i]
		if len(old) == 0 {
			continue // NULL, or an empty outbox body
		}
		value, changed, err := c.keys.Reseal(old, secret.AD(t.name, col.ad, r.key))
		switch {
		case err != nil:
			rep.Unreadable++
			if len(rep.Unopened) < maxUnopened {
				rep.Unopened = append(rep.Unopened, fmt.Sprintf("%s.%s of row %d: %v", t.name, col.name, r.id, err))
			}
		case changed:
			writes = append(writes, rewrite{id: r.id, column: col.name, value: value, old: old})
			r.values[i] = value
		}
	}
	if t.name == "supporters" && len(r.values[0]) > 0 {
		// The blind index is of the address as stored (see the writers of
		// supporters): opened from the value just written, or as read.
		email, err := c.keys.OpenString(r.values[0], secret.AD("supporters", "email", r.key))
		if err == nil {
			if index := c.keys.BlindIndex(email); !bytes.Equal(index, r.index) {
				writes = append(writes, rewrite{id: r.id, column: "email_index", value: index, old: r.index,
					alsoWhere: "email_sealed", alsoValue: r.values[0]})
			}
		}
	}
	return writes
}

// rewrite runs one batch's writes in one transaction, each only where the
// row still holds what was read.
func (c *Core) rewrite(ctx context.Context, table string, writes []rewrite, rep *store.ResealReport) error {
	if len(writes) == 0 {
		return nil
	}
	var resealed, reindexed, changed int
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		resealed, reindexed, changed = 0, 0, 0
		for _, w := range writes {
			query := `UPDATE ` + table + ` SET ` + w.column + ` = ? WHERE id = ? AND ` + w.column + ` = ?`
			args := []any{w.value, w.id, w.old}
			if w.alsoWhere != "" {
				query += ` AND ` + w.alsoWhere + ` = ?`
				args = append(args, w.alsoValue)
			}
			res, err := tx.ExecContext(ctx, c.q(query), args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			switch {
			case err != nil:
				return err
			case n == 0:
				changed++
			case w.column == "email_index":
				reindexed++
			default:
				resealed++
			}
		}
		return nil
	})
	if err != nil {
		return c.d.MapErr(err)
	}
	rep.Resealed += resealed
	rep.Reindexed += reindexed
	rep.Changed += changed
	return nil
}

// SealedKeyIDs counts sealed values by the id of the key that sealed them:
// the first byte of each (see secret.Keys.Seal), read without opening
// anything.
func (c *Core) SealedKeyIDs(ctx context.Context) (map[byte]int, error) {
	counts := map[byte]int{}
	for _, t := range sealedTables {
		for _, col := range t.columns {
			rows, err := c.db.QueryContext(ctx, `SELECT substr(`+col.name+`, 1, 1), COUNT(*) FROM `+t.name+`
				WHERE length(`+col.name+`) > 0 GROUP BY substr(`+col.name+`, 1, 1)`)
			if err != nil {
				return nil, c.errorf("sealed key ids of %s.%s: %w", t.name, col.name, err)
			}
			for rows.Next() {
				var id []byte
				var n int
				if err := rows.Scan(&id, &n); err != nil {
					rows.Close()
					return nil, c.errorf("sealed key ids of %s.%s: %w", t.name, col.name, err)
				}
				if len(id) != 1 {
					rows.Close()
					return nil, c.errorf("sealed key ids of %s.%s: a key id of %d bytes", t.name, col.name, len(id))
				}
				counts[id[0]] += n
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, c.errorf("sealed key ids of %s.%s: %w", t.name, col.name, err)
			}
		}
	}
	return counts, nil
}

// errUnsealedColumn is returned by checkSealedColumns.
var errUnsealedColumn = errors.New("a sealed column Reseal does not know")

// checkSealedColumns compares sealedTables with the schema: every column
// named *sealed is known, and every known one exists.
func checkSealedColumns(schema []store.SchemaTable) error {
	known := map[string]bool{}
	for _, t := range sealedTables {
		for _, col := range t.columns {
			known[t.name+"."+col.name] = true
		}
	}
	var errs []error
	for _, t := range schema {
		for _, col := range t.Columns {
			name := t.Name + "." + col.Name
			if strings.HasSuffix(col.Name, "sealed") && !known[name] {
				errs = append(errs, fmt.Errorf("%w: %s", errUnsealedColumn, name))
			}
			delete(known, name)
		}
	}
	for name := range known {
		errs = append(errs, fmt.Errorf("sealedTables names %s, which is not in store.Schema", name))
	}
	return errors.Join(errs...)
}
