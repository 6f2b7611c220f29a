package sqlcore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// Researchers' records of individuals and their histories. The name, and
// each event's place, source, how the source knows and note, are sealed,
// each bound to its row and column; kinds, dates and verification levels
// stay in the clear, so nothing needs opening to derive a status or count.
// Every sealed field is sealed even when empty, so the row does not tell
// which ones were given.

const recordColumns = `id, case_id, name_sealed, label, version, created_at, updated_at`

const eventColumns = `e.id, e.record_id, e.kind, e.happened_on, e.date_precision, e.place_sealed, e.source_sealed,
	e.source_how_sealed, e.source_date, e.verification, e.note_sealed, e.action_id, e.created_at`

// recordView is what the audit log keeps of a record. The audit log is not
// sealed, so the name stays out of it: it says only whether a save changed
// it.
type recordView struct {
	ID      int64
	CaseID  int64
	Label   string `json:",omitempty"`
	Version int
	Changed []string `json:",omitempty"` // sealed fields this save changed
}

func viewOfRecord(r model.Record) recordView {
	return recordView{ID: r.ID, CaseID: r.CaseID, Label: r.Label, Version: r.Version}
}

// eventView is what the audit log keeps of an event: what is in the
// clear, never its place, source or note.
type eventView struct {
	EventID      int64
	Kind         model.EventKind
	Date         string              `json:",omitempty"`
	Precision    model.DatePrecision `json:",omitempty"`
	SourceDate   string              `json:",omitempty"`
	Verification model.Verification
	ActionID     int64 `json:",omitempty"` // the follow-up action it drafted
}

func viewOfEvent(e model.RecordEvent) eventView {
	v := eventView{EventID: e.ID, Kind: e.Kind, Precision: e.Precision, Verification: e.Verification, ActionID: e.ActionID}
	if !e.Date.IsZero() {
		v.Date = e.Date.Format(dateLayout)
	}
	if !e.SourceDate.IsZero() {
		v.SourceDate = e.SourceDate.Format(dateLayout)
	}
	return v
}

func (c *Core) scanRecord(row interface{ Scan(...any) error }) (model.Record, error) {
	var r model.Record
	var name []byte
	if err := row.Scan(&r.ID, &r.CaseID, &name, &r.Label, &r.Version, at(&r.Created), at(&r.Updated)); err != nil {
		return r, err
	}
	var err error
	r.Name, err = c.open(name, "records", "name_sealed", r.ID)
	return r, err
}

func (c *Core) scanEvent(row interface{ Scan(...any) error }) (model.RecordEvent, error) {
	var e model.RecordEvent
	var place, source, how, note []byte
	var action sql.NullInt64
	if err := row.Scan(&e.ID, &e.RecordID, &e.Kind, scanDate{&e.Date}, &e.Precision, &place, &source, &how,
		scanDate{&e.SourceDate}, &e.Verification, &note, &action, at(&e.Created)); err != nil {
		return e, err
	}
	e.ActionID = action.Int64
	var err error
	for _, f := range []struct {
		column string
		sealed []byte
		into   *string
	}{{"place_sealed", place, &e.Place}, {"source_sealed", source, &e.Source}, {"source_how_sealed", how, &e.SourceHow},
		{"note_sealed", note, &e.Note}} {
		if *f.into, err = c.open(f.sealed, "record_events", f.column, e.ID); err != nil {
			return e, err
		}
	}
	return e, nil
}

// queryEvents reads the events a query names, by record ID.
func (c *Core) queryEvents(ctx context.Context, q Querier, where string, args ...any) (map[int64][]model.RecordEvent, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT `+eventColumns+` FROM record_events e `+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]model.RecordEvent{}
	for rows.Next() {
		e, err := c.scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out[e.RecordID] = append(out[e.RecordID], e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, events := range out {
		model.SortEvents(events)
	}
	return out, nil
}

func (c *Core) recordByID(ctx context.Context, q Querier, id int64) (model.Record, error) {
	r, err := c.scanRecord(q.QueryRowContext(ctx, c.rebind(`SELECT `+recordColumns+` FROM records WHERE id = ?`), id))
	if err != nil {
		return r, c.d.MapErr(err)
	}
	events, err := c.queryEvents(ctx, q, `WHERE e.record_id = ?`, id)
	if err != nil {
		return r, err
	}
	r.Events = events[id]
	return r, nil
}

// RecordsOfCase lists a case's records by label, else name. The names are
// sealed, so they are sorted here, not by the database.
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
	events, err := c.queryEvents(ctx, c.db, `JOIN records r ON r.id = e.record_id WHERE r.case_id = ?`, caseID)
	if err != nil {
		return nil, c.errorf("events of case %d: %w", caseID, err)
	}
	for i := range out {
		out[i].Events = events[out[i].ID]
	}
	slices.SortFunc(out, func(a, b model.Record) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Title()), strings.ToLower(b.Title())), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RecordByID returns one record with its events.
func (c *Core) RecordByID(ctx context.Context, id int64) (model.Record, error) {
	r, err := c.recordByID(ctx, c.db, id)
	if err != nil {
		return r, c.errorf("record %d: %w", id, err)
	}
	return r, nil
}

// sealRecord writes a record's sealed name, bound to its ID.
func (c *Core) sealRecord(ctx context.Context, tx *sql.Tx, r *model.Record) error {
	return c.sealRecordWith(ctx, c.txStatements(tx), r)
}

func (c *Core) sealRecordWith(ctx context.Context, st *txStatements, r *model.Record) error {
	_, err := st.exec(ctx, `UPDATE records SET name_sealed = ? WHERE id = ?`,
		c.keys.SealString(r.Name, secret.AD("records", "name_sealed", r.ID)), r.ID)
	return err
}

// txStatements prepares each statement of a transaction once, for the
// writes that repeat the same few statements many times (a batch of
// records and their events).
type txStatements struct {
	c    *Core
	tx   *sql.Tx
	prep map[string]*sql.Stmt
}

func (c *Core) txStatements(tx *sql.Tx) *txStatements {
	return &txStatements{c: c, tx: tx, prep: map[string]*sql.Stmt{}}
}

func (st *txStatements) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := st.prep[query]; ok {
		return s, nil
	}
	s, err := st.tx.PrepareContext(ctx, st.c.rebind(query))
	if err != nil {
		return nil, err
	}
	st.prep[query] = s
	return s, nil
}

func (st *txStatements) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := st.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (st *txStatements) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	s, err := st.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

// close closes the statements prepared; the transaction would at its end.
func (st *txStatements) close() {
	for _, s := range st.prep {
		s.Close()
	}
}

// SaveRecord creates or saves a record at r.Updated, the caller's time.
func (c *Core) SaveRecord(ctx context.Context, r *model.Record) error {
	now := r.Updated
	if now.IsZero() {
		return c.errorf("save record: %w", errNoTime)
	}
	now = now.UTC().Truncate(time.Millisecond)
	creating := r.ID == 0
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if creating {
			var one int
			if err := tx.QueryRowContext(ctx, c.rebind(`SELECT 1 FROM cases WHERE id = ?`), r.CaseID).Scan(&one); err != nil {
				return c.d.MapErr(err)
			}
			r.Version, r.Created, r.Updated, r.Events = 1, now, now, nil
			// The row first, for the ID its sealed fields are bound to.
			if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO records (case_id, label, version, created_at, updated_at)
				VALUES (?, ?, 1, ?, ?) RETURNING id`), r.CaseID, r.Label, c.instant(now), c.instant(now)).Scan(&r.ID); err != nil {
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
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE records SET label = ?, updated_at = ? WHERE id = ?`),
			r.Label, c.instant(now), r.ID); err != nil {
			return err
		}
		if err := c.sealRecord(ctx, tx, r); err != nil {
			return err
		}
		r.CaseID, r.Created, r.Updated, r.Version, r.Events = before.CaseID, before.Created, now, before.Version+1, before.Events
		after := viewOfRecord(*r)
		if before.Name != r.Name {
			after.Changed = []string{"name"}
		}
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

// DeleteRecord deletes a record and its events at its version.
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
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM record_events WHERE record_id = ?`), id); err != nil {
			return err
		}
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

// checkEvent refuses an event no form should let through.
func checkEvent(e *model.RecordEvent) error {
	switch {
	case !e.Kind.Valid():
		return fmt.Errorf("event kind %q: %w", e.Kind, model.ErrInvalidEvent)
	case !e.Verification.Valid():
		return fmt.Errorf("verification %q: %w", e.Verification, model.ErrInvalidEvent)
	case e.Date.IsZero() != (e.Precision == model.PrecisionNone):
		return fmt.Errorf("a date needs its precision, and a precision its date: %w", model.ErrInvalidEvent)
	case e.Precision != model.PrecisionNone && !e.Precision.Valid():
		return fmt.Errorf("date precision %q: %w", e.Precision, model.ErrInvalidEvent)
	case e.Created.IsZero():
		return errNoTime
	}
	e.Date = e.Precision.Truncate(e.Date)
	if !e.SourceDate.IsZero() {
		e.SourceDate = model.PrecisionDay.Truncate(e.SourceDate)
	}
	e.Created = e.Created.UTC().Truncate(time.Millisecond)
	return nil
}

// insertEvent writes an event of a record known to exist, sealed, and
// sets its ID.
func (c *Core) insertEvent(ctx context.Context, tx *sql.Tx, e *model.RecordEvent) error {
	st := c.txStatements(tx)
	defer st.close()
	return c.insertEventWith(ctx, st, e)
}

func (c *Core) insertEventWith(ctx context.Context, st *txStatements, e *model.RecordEvent) error {
	row, err := st.queryRow(ctx, `INSERT INTO record_events (record_id, kind, happened_on, date_precision,
			source_date, verification, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.RecordID, e.Kind, calendarDay(e.Date), e.Precision, calendarDay(e.SourceDate), e.Verification,
		c.instant(e.Created))
	if err != nil {
		return err
	}
	if err := row.Scan(&e.ID); err != nil {
		return err
	}
	seal := func(column, value string) []byte {
		return c.keys.SealString(value, secret.AD("record_events", column, e.ID))
	}
	_, err = st.exec(ctx, `UPDATE record_events SET place_sealed = ?, source_sealed = ?, source_how_sealed = ?,
		note_sealed = ? WHERE id = ?`, seal("place_sealed", e.Place), seal("source_sealed", e.Source),
		seal("source_how_sealed", e.SourceHow), seal("note_sealed", e.Note), e.ID)
	return err
}

// calendarDay is how a date is written: a calendar date, NULL when
// unknown.
func calendarDay(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(dateLayout)
}

// AddRecordEvent adds an event to a record's history, and drafts its
// follow-up action in the same transaction when it calls for one.
func (c *Core) AddRecordEvent(ctx context.Context, e *model.RecordEvent, followUp *store.FollowUp) error {
	if err := checkEvent(e); err != nil {
		return c.errorf("add event to record %d: %w", e.RecordID, err)
	}
	if followUp != nil && !followUp.Action.Published.IsZero() {
		return c.errorf("add event to record %d: a follow-up action is a draft: %w", e.RecordID, model.ErrInvalidEvent)
	}
	e.ActionID = 0
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		// The record's row is locked (its time raised) before the event
		// is added, so that two researchers' events come in turn.
		res, err := tx.ExecContext(ctx, c.rebind(`UPDATE records SET updated_at = ? WHERE id = ?`), c.instant(e.Created), e.RecordID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return model.ErrNotFound
		}
		if err := c.insertEvent(ctx, tx, e); err != nil {
			return err
		}
		if followUp != nil && e.Kind.Urgent() && e.Verification.Verified() {
			if err := c.draftFollowUp(ctx, tx, e, followUp); err != nil {
				return err
			}
		}
		return c.audit(ctx, tx, "record.event.add", "record", e.RecordID, nil, viewOfEvent(*e))
	})
	if err != nil {
		e.ID, e.ActionID = 0, 0
		return c.errorf("add event to record %d: %w", e.RecordID, c.d.MapErr(err))
	}
	return nil
}

// draftFollowUp stores the draft action an urgent event calls for, links
// the event to it and queues its messages. The link is unique: an event
// drafts one action at most.
func (c *Core) draftFollowUp(ctx context.Context, tx *sql.Tx, e *model.RecordEvent, f *store.FollowUp) error {
	// The same fact recorded again (a form sent twice, a second
	// researcher) drafts nothing more: one draft per fact.
	var one int
	err := tx.QueryRowContext(ctx, c.rebind(`SELECT 1 FROM record_events WHERE record_id = ? AND kind = ? AND happened_on = ?
		AND action_id IS NOT NULL AND id <> ?`), e.RecordID, e.Kind, calendarDay(e.Date), e.ID).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	a := f.Action
	a.Published = time.Time{}
	if err := c.createAction(ctx, tx, &a); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, c.rebind(`UPDATE record_events SET action_id = ? WHERE id = ? AND action_id IS NULL`), a.ID, e.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("event %d drafted an action already: %w", e.ID, model.ErrConflict)
	}
	e.ActionID = a.ID
	f.Action = a
	for i := range f.Messages {
		if err := c.EnqueueTx(ctx, tx, &f.Messages[i], e.Created); err != nil {
			return err
		}
	}
	return nil
}

// SetEventVerification changes an event's level, drafting its follow-up
// when it becomes verified and urgent.
func (c *Core) SetEventVerification(ctx context.Context, recordID, eventID int64, level model.Verification, at time.Time,
	followUp *store.FollowUp) (model.RecordEvent, error) {
	var e model.RecordEvent
	if !level.Valid() {
		return e, c.errorf("verify event %d: level %q: %w", eventID, level, model.ErrInvalidEvent)
	}
	if at.IsZero() {
		return e, c.errorf("verify event %d: %w", eventID, errNoTime)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		// The record's row first: events of one record change in turn.
		res, err := tx.ExecContext(ctx, c.rebind(`UPDATE records SET updated_at = ? WHERE id = ?`), c.instant(at), recordID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return model.ErrNotFound
		}
		events, err := c.queryEvents(ctx, tx, `WHERE e.id = ? AND e.record_id = ?`, eventID, recordID)
		if err != nil {
			return err
		}
		if len(events[recordID]) != 1 {
			return model.ErrNotFound
		}
		before := events[recordID][0]
		e = before
		e.Verification = level
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE record_events SET verification = ? WHERE id = ?`), level, eventID); err != nil {
			return err
		}
		if followUp != nil && e.ActionID == 0 && e.Kind.Urgent() && level.Verified() {
			if err := c.draftFollowUp(ctx, tx, &e, followUp); err != nil {
				return err
			}
		}
		return c.audit(ctx, tx, "record.event.verify", "record", recordID, viewOfEvent(before), viewOfEvent(e))
	})
	if err != nil {
		return e, c.errorf("verify event %d of record %d: %w", eventID, recordID, c.d.MapErr(err))
	}
	return e, nil
}

// DeleteRecordEvent deletes one event of a record.
func (c *Core) DeleteRecordEvent(ctx context.Context, recordID, eventID int64) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		events, err := c.queryEvents(ctx, tx, `WHERE e.id = ? AND e.record_id = ?`, eventID, recordID)
		if err != nil {
			return err
		}
		if len(events[recordID]) != 1 {
			return model.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM record_events WHERE id = ?`), eventID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "record.event.delete", "record", recordID, viewOfEvent(events[recordID][0]), nil)
	})
	if err != nil {
		return c.errorf("delete event %d of record %d: %w", eventID, recordID, c.d.MapErr(err))
	}
	return nil
}

// AddRecords stores records and their events in one transaction.
func (c *Core) AddRecords(ctx context.Context, records []model.Record, at time.Time) error {
	if at.IsZero() {
		return c.errorf("add records: %w", errNoTime)
	}
	now := at.UTC().Truncate(time.Millisecond)
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		st := c.txStatements(tx)
		defer st.close()
		for i := range records {
			r := &records[i]
			r.Version, r.Created, r.Updated = 1, now, now
			row, err := st.queryRow(ctx, `INSERT INTO records (case_id, label, name_sealed, version, created_at, updated_at)
				VALUES (?, ?, NULL, 1, ?, ?) RETURNING id`, r.CaseID, r.Label, c.instant(now), c.instant(now))
			if err != nil {
				return err
			}
			if err := row.Scan(&r.ID); err != nil {
				return err
			}
			if err := c.sealRecordWith(ctx, st, r); err != nil {
				return err
			}
			for j := range r.Events {
				e := &r.Events[j]
				e.RecordID = r.ID
				if e.Created.IsZero() {
					e.Created = now
				}
				if err := checkEvent(e); err != nil {
					return err
				}
				if err := c.insertEventWith(ctx, st, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return c.errorf("add %d records: %w", len(records), c.d.MapErr(err))
	}
	return nil
}

// CaseFigures counts a case's individuals by the status their verified
// events give. Only what is in the clear is read: nothing is opened.
func (c *Core) CaseFigures(ctx context.Context, caseID int64) (model.FigureCounts, error) {
	counts := model.FigureCounts{ByStatus: map[model.RecordStatus]int{}}
	var ids []int64
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT id FROM records WHERE case_id = ?`), caseID)
	if err != nil {
		return counts, c.errorf("figures of case %d: %w", caseID, err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return counts, c.errorf("figures of case %d: %w", caseID, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return counts, c.errorf("figures of case %d: %w", caseID, err)
	}
	events := map[int64][]model.RecordEvent{}
	rows, err = c.db.QueryContext(ctx, c.rebind(`SELECT e.id, e.record_id, e.kind, e.happened_on FROM record_events e
		JOIN records r ON r.id = e.record_id WHERE r.case_id = ? AND e.verification IN ('corroborated', 'confirmed')`), caseID)
	if err != nil {
		return counts, c.errorf("figures of case %d: %w", caseID, err)
	}
	defer rows.Close()
	for rows.Next() {
		e := model.RecordEvent{Verification: model.VerifiedCorroborated}
		if err := rows.Scan(&e.ID, &e.RecordID, &e.Kind, scanDate{&e.Date}); err != nil {
			return counts, c.errorf("figures of case %d: %w", caseID, err)
		}
		events[e.RecordID] = append(events[e.RecordID], e)
	}
	if err := rows.Err(); err != nil {
		return counts, c.errorf("figures of case %d: %w", caseID, err)
	}
	counts.Total = len(ids)
	for _, id := range ids {
		counts.ByStatus[model.VerifiedStatus(events[id])]++
	}
	return counts, nil
}

// FollowUpDrafts lists the unpublished actions events drafted.
func (c *Core) FollowUpDrafts(ctx context.Context) ([]model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.published_at IS NULL
		AND a.id IN (SELECT action_id FROM record_events WHERE action_id IS NOT NULL) ORDER BY a.id DESC`)
	if err != nil {
		return nil, c.errorf("follow-up drafts: %w", err)
	}
	return actions, nil
}

// convertLegacySeals seals again, for their own rows, the values the
// migration to events copied from records (see docs/decisions.md): each
// opened under its record's binding, sealed under the event's, the mark
// cleared where it still stands. Nothing to do once done.
func (c *Core) convertLegacySeals(ctx context.Context) error {
	type legacy struct {
		id, record    int64
		place, source []byte
	}
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT id, record_id, place_sealed, source_sealed FROM record_events
		WHERE legacy_seal = ?`), true)
	if err != nil {
		return err
	}
	var todo []legacy
	for rows.Next() {
		var l legacy
		if err := rows.Scan(&l.id, &l.record, &l.place, &l.source); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(todo) == 0 {
		return err
	}
	return c.d.InTx(ctx, func(tx *sql.Tx) error {
		for _, l := range todo {
			place, err := c.open(l.place, "records", "place_sealed", l.record)
			if err != nil {
				return err
			}
			source, err := c.open(l.source, "records", "source_note_sealed", l.record)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE record_events SET place_sealed = ?, source_sealed = ?,
				source_how_sealed = ?, note_sealed = ?, legacy_seal = ? WHERE id = ? AND legacy_seal = ?`),
				c.keys.SealString(place, secret.AD("record_events", "place_sealed", l.id)),
				c.keys.SealString(source, secret.AD("record_events", "source_sealed", l.id)),
				c.keys.SealString("", secret.AD("record_events", "source_how_sealed", l.id)),
				c.keys.SealString("", secret.AD("record_events", "note_sealed", l.id)), false, l.id, true); err != nil {
				return err
			}
		}
		return nil
	})
}

// AfterMigrate finishes, in Go, what a migration's SQL cannot do alone:
// each adapter's Migrate calls it once the SQL migrations have run.
func (c *Core) AfterMigrate(ctx context.Context) error {
	if err := c.convertLegacySeals(ctx); err != nil {
		return c.errorf("migrate: seal the events made from records: %w", err)
	}
	return nil
}
