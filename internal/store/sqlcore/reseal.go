package sqlcore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	{"webhooks", "id", []sealedColumn{{"secret_sealed", "secret"}}},
	{"monthly_gifts", "id", []sealedColumn{{"email_sealed", "email"}, {"name_sealed", "name"}}},
	{"donations", "id", []sealedColumn{{"email_sealed", "email"}, {"name_sealed", "name"}}},
	{"participations", "id", []sealedColumn{{"subject_sealed", "subject"}, {"letter_sealed", "letter"}, {"comment_sealed", "comment"}}},
	{"records", "id", []sealedColumn{{"name_sealed", "name_sealed"}}},
	// Rows still marked legacy_seal are bound to their record: AfterMigrate
	// converts them before anything else runs.
	{"record_events", "id", []sealedColumn{{"place_sealed", "place_sealed"}, {"source_sealed", "source_sealed"},
		{"source_how_sealed", "source_how_sealed"}, {"note_sealed", "note_sealed"}}},
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

// rowRewrite is one row's compare-and-set: set each column to its new
// value where the row still holds what was read. One statement a row, not
// one a value: on PostgreSQL each is a round trip.
type rowRewrite struct {
	id     int64
	set    []columnValue // new values
	where  []columnValue // values read, which must still be there
	values int           // sealed values among set
	index  bool          // the blind index is among set
}

type columnValue struct {
	column string
	value  []byte
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
			var writes []*rowRewrite
			for _, r := range rows {
				if w := c.resealRow(t, r, &rep); w != nil {
					writes = append(writes, w)
				}
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
	reindex := indexed(t.name)
	if reindex {
		cols = append(cols, "email_index")
	}
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+strings.Join(cols, ", ")+` FROM `+t.name+`
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

// indexed reports whether a sealed table keeps the blind index of the
// address in its first sealed column, email_sealed, in email_index.
func indexed(table string) bool {
	return table == "supporters" || table == "donations" || table == "monthly_gifts"
}

// resealRow works out the write one row needs; nil when none.
func (c *Core) resealRow(t sealedTable, r sealedRow, rep *store.ResealReport) *rowRewrite {
	w := &rowRewrite{id: r.id}
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
			w.set = append(w.set, columnValue{col.name, value})
			w.where = append(w.where, columnValue{col.name, old})
			w.values++
		}
	}
	if indexed(t.name) && len(r.values[0]) > 0 {
		// The blind index is of the address as stored (see the writers of
		// supporters), and is written only while that address is the one
		// read.
		email, err := c.keys.OpenString(r.values[0], secret.AD(t.name, "email", r.key))
		if err == nil {
			if index := c.keys.BlindIndex(email); !bytes.Equal(index, r.index) {
				w.set = append(w.set, columnValue{"email_index", index})
				w.where = append(w.where, columnValue{"email_index", r.index})
				if !slices.ContainsFunc(w.where, func(cv columnValue) bool { return cv.column == "email_sealed" }) {
					w.where = append(w.where, columnValue{"email_sealed", r.values[0]})
				}
				w.index = true
			}
		}
	}
	if len(w.set) == 0 {
		return nil
	}
	return w
}

// rewrite runs one batch's writes in one transaction, each only where its
// row still holds what was read.
func (c *Core) rewrite(ctx context.Context, table string, writes []*rowRewrite, rep *store.ResealReport) error {
	if len(writes) == 0 {
		return nil
	}
	var resealed, reindexed, changed int
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		resealed, reindexed, changed = 0, 0, 0
		for _, w := range writes {
			set := make([]string, len(w.set))
			where := []string{"id = ?"}
			args := make([]any, 0, len(w.set)+len(w.where)+1)
			for i, cv := range w.set {
				set[i] = cv.column + " = ?"
				args = append(args, cv.value)
			}
			args = append(args, w.id)
			for _, cv := range w.where {
				where = append(where, cv.column+" = ?")
				args = append(args, cv.value)
			}
			res, err := tx.ExecContext(ctx, c.rebind(`UPDATE `+table+` SET `+strings.Join(set, ", ")+
				` WHERE `+strings.Join(where, " AND ")), args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			switch {
			case err != nil:
				return err
			case n == 0:
				changed += w.values
				if w.index {
					changed++
				}
			default:
				resealed += w.values
				if w.index && table == "supporters" { // the report counts supporters
					reindexed++
				}
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
