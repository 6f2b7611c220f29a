package sqlcore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
)

// Researchers' records of individuals. The name, place and source note are
// sealed, each bound to its row and column; the status and dates stay in
// the clear, so nothing needs opening to count them. Every sealed field is
// sealed even when empty, so the row does not tell which ones were given.

const recordColumns = `id, case_id, name_sealed, status, place_sealed, last_confirmed, source_note_sealed, version,
	created_at, updated_at`

// recordView is what the audit log keeps of a record. The audit log is not
// sealed, so the name, place and source note stay out of it: it names only
// which of them a save changed.
type recordView struct {
	ID            int64
	CaseID        int64
	Status        model.RecordStatus
	LastConfirmed string `json:",omitempty"`
	Version       int
	Changed       []string `json:",omitempty"` // sealed fields this save changed
}

func viewOfRecord(r model.Record) recordView {
	v := recordView{ID: r.ID, CaseID: r.CaseID, Status: r.Status, Version: r.Version}
	if !r.LastConfirmed.IsZero() {
		v.LastConfirmed = r.LastConfirmed.Format(dateLayout)
	}
	return v
}

// sealedChanges names the sealed fields that differ between two versions.
func sealedChanges(before, after model.Record) []string {
	var changed []string
	if before.Name != after.Name {
		changed = append(changed, "name")
	}
	if before.Place != after.Place {
		changed = append(changed, "place")
	}
	if before.SourceNote != after.SourceNote {
		changed = append(changed, "source note")
	}
	return changed
}

func (c *Core) scanRecord(row interface{ Scan(...any) error }) (model.Record, error) {
	var r model.Record
	var name, place, note []byte
	if err := row.Scan(&r.ID, &r.CaseID, &name, &r.Status, &place, scanDate{&r.LastConfirmed}, &note, &r.Version,
		at(&r.Created), at(&r.Updated)); err != nil {
		return r, err
	}
	var err error
	if r.Name, err = c.open(name, "records", "name_sealed", r.ID); err != nil {
		return r, err
	}
	if r.Place, err = c.open(place, "records", "place_sealed", r.ID); err != nil {
		return r, err
	}
	if r.SourceNote, err = c.open(note, "records", "source_note_sealed", r.ID); err != nil {
		return r, err
	}
	return r, nil
}

func (c *Core) recordByID(ctx context.Context, q Querier, id int64) (model.Record, error) {
	r, err := c.scanRecord(q.QueryRowContext(ctx, c.rebind(`SELECT `+recordColumns+` FROM records WHERE id = ?`), id))
	if err != nil {
		return r, c.d.MapErr(err)
	}
	return r, nil
}

// RecordsOfCase lists a case's records by name. The names are sealed, so
// they are sorted here, not by the database.
func (c *Core) RecordsOfCase(ctx context.Context, caseID int64) ([]model.Record, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+recordColumns+` FROM records WHERE case_id = ?`), caseID)
	if err != nil {
		return nil, c.errorf("records of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []model.Record
	for rows.Next() {
		r, err := c.scanRecord(rows)
		if err != nil {
			return nil, c.errorf("records of case %d: %w", caseID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("records of case %d: %w", caseID, err)
	}
	slices.SortFunc(out, func(a, b model.Record) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RecordByID returns one record.
func (c *Core) RecordByID(ctx context.Context, id int64) (model.Record, error) {
	r, err := c.recordByID(ctx, c.db, id)
	if err != nil {
		return r, c.errorf("record %d: %w", id, err)
	}
	return r, nil
}

// sealRecord writes a record's sealed fields, bound to its ID.
func (c *Core) sealRecord(ctx context.Context, tx *sql.Tx, r *model.Record) error {
	seal := func(column, value string) []byte {
		return c.keys.SealString(value, secret.AD("records", column, r.ID))
	}
	_, err := tx.ExecContext(ctx, c.rebind(`UPDATE records SET name_sealed = ?, place_sealed = ?, source_note_sealed = ? WHERE id = ?`),
		seal("name_sealed", r.Name), seal("place_sealed", r.Place), seal("source_note_sealed", r.SourceNote), r.ID)
	return err
}

// lastConfirmed is how a record's date is written: a calendar date, NULL
// when unknown.
func lastConfirmed(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(dateLayout)
}

// SaveRecord creates or saves a record at r.Updated, the caller's time.
func (c *Core) SaveRecord(ctx context.Context, r *model.Record) error {
	now := r.Updated
	if now.IsZero() {
		return c.errorf("save record: %w", errNoTime)
	}
	now = now.UTC().Truncate(time.Millisecond)
	if !r.LastConfirmed.IsZero() {
		d := r.LastConfirmed
		r.LastConfirmed = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	}
	creating := r.ID == 0
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if creating {
			var one int
			if err := tx.QueryRowContext(ctx, c.rebind(`SELECT 1 FROM cases WHERE id = ?`), r.CaseID).Scan(&one); err != nil {
				return c.d.MapErr(err)
			}
			r.Version, r.Created, r.Updated = 1, now, now
			// The row first, for the ID its sealed fields are bound to.
			if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO records (case_id, status, last_confirmed, version, created_at, updated_at)
				VALUES (?, ?, ?, 1, ?, ?) RETURNING id`), r.CaseID, r.Status, lastConfirmed(r.LastConfirmed),
				c.instant(now), c.instant(now)).Scan(&r.ID); err != nil {
				return err
			}
			if err := c.sealRecord(ctx, tx, r); err != nil {
				return err
			}
			return c.audit(ctx, tx, "record.create", "record", r.ID, nil, viewOfRecord(*r))
		}
		// The version first: it locks the row, so what is read next is
		// what this save replaces.
		if err := c.bump(ctx, tx, "records", r.ID, r.Version); err != nil {
			return err
		}
		before, err := c.recordByID(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		before.Version--
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE records SET status = ?, last_confirmed = ?, updated_at = ? WHERE id = ?`),
			r.Status, lastConfirmed(r.LastConfirmed), c.instant(now), r.ID); err != nil {
			return err
		}
		if err := c.sealRecord(ctx, tx, r); err != nil {
			return err
		}
		r.CaseID, r.Created, r.Updated, r.Version = before.CaseID, before.Created, now, before.Version+1
		after := viewOfRecord(*r)
		after.Changed = sealedChanges(before, *r)
		return c.audit(ctx, tx, "record.save", "record", r.ID, viewOfRecord(before), after)
	})
	if err != nil {
		id := r.ID
		if creating {
			r.ID = 0 // rolled back: a retry creates it again
		}
		return c.errorf("save record %d: %w", id, c.d.MapErr(err))
	}
	return nil
}

// DeleteRecord deletes a record at its version.
func (c *Core) DeleteRecord(ctx context.Context, id int64, version int) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		// Raising the version refuses a delete over a save made since the
		// page was read, as a save would be, and locks the row.
		if err := c.bump(ctx, tx, "records", id, version); err != nil {
			return err
		}
		before, err := c.recordByID(ctx, tx, id)
		if err != nil {
			return err
		}
		before.Version--
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM records WHERE id = ?`), id); err != nil {
			return err
		}
		return c.audit(ctx, tx, "record.delete", "record", id, viewOfRecord(before), nil)
	})
	if err != nil {
		return c.errorf("delete record %d: %w", id, c.d.MapErr(err))
	}
	return nil
}
