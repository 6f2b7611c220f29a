package sqlcore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

const staffSupporterColumns = `s.id, s.email_sealed, s.name_sealed, s.postal_sealed, s.country, s.lang, s.created_at,
	s.confirmed_at, s.unsubscribed_at, s.erased_at, s.updated_at`

func (c *Core) scanSupporter(row interface{ Scan(...any) error }) (model.Supporter, error) {
	var sup model.Supporter
	var email, name, postal []byte
	err := row.Scan(&sup.ID, &email, &name, &postal, &sup.Country, &sup.Lang, at(&sup.Created), at(&sup.Confirmed),
		at(&sup.Unsubscribed), at(&sup.Erased), at(&sup.Updated))
	if err != nil {
		return sup, c.d.MapErr(err)
	}
	if sup.Email, err = c.open(email, "supporters", "email", sup.ID); err != nil {
		return sup, err
	}
	if sup.Name, err = c.open(name, "supporters", "name", sup.ID); err != nil {
		return sup, err
	}
	sup.PostalCode, err = c.open(postal, "supporters", "postal", sup.ID)
	return sup, err
}

// SupporterForStaff returns a supporter, erased or not.
func (c *Core) SupporterForStaff(ctx context.Context, id int64) (model.Supporter, error) {
	sup, err := c.scanSupporter(c.db.QueryRowContext(ctx, c.rebind(`SELECT `+staffSupporterColumns+` FROM supporters s WHERE s.id = ?`), id))
	if err != nil {
		return sup, c.errorf("supporter %d: %w", id, err)
	}
	return sup, nil
}

// SupporterMessages lists a supporter's emails without their content.
func (c *Core) SupporterMessages(ctx context.Context, supporterID int64, limit int) ([]model.OutboxMessage, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT id, message_id, kind, state, attempts, last_error, created_at, sent_at
		FROM outbox WHERE supporter_id = ? ORDER BY id DESC LIMIT ?`), supporterID, limitOrAll(limit))
	if err != nil {
		return nil, c.errorf("messages of %d: %w", supporterID, err)
	}
	defer rows.Close()
	var out []model.OutboxMessage
	for rows.Next() {
		m := model.OutboxMessage{SupporterID: supporterID}
		var state string
		if err := rows.Scan(&m.ID, &m.MessageID, &m.Kind, &state, &m.Attempts, &m.LastError, at(&m.CreatedAt), at(&m.SentAt)); err != nil {
			return nil, c.errorf("messages of %d: %w", supporterID, err)
		}
		m.State = model.MessageState(state)
		out = append(out, m)
	}
	return out, rows.Err()
}

// EraseSupporter removes everything that names a supporter: their sealed
// details and letters, consents, emails (their own, and their letters in
// digests to officials, see eraseFromDigests), the appeals not yet
// delivered, and the name and address on their donations (eraseDonors),
// whose financial record stays.
func (c *Core) EraseSupporter(ctx context.Context, supporterID int64, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error { return c.eraseTx(ctx, tx, supporterID, now) })
	if err != nil {
		return c.errorf("erase supporter %d: %w", supporterID, err)
	}
	return nil
}

// eraseTx is EraseSupporter inside a transaction.
func (c *Core) eraseTx(ctx context.Context, tx *sql.Tx, supporterID int64, now time.Time) error {
	// A random index: the address finds nobody, and may act again as
	// someone new.
	index := make([]byte, 32)
	rand.Read(index)
	// The address's index, before it is replaced, finds the gifts made
	// with it.
	var known []byte
	if err := tx.QueryRowContext(ctx, c.rebind(`SELECT email_index FROM supporters WHERE id = ?`), supporterID).Scan(&known); err != nil {
		return c.d.MapErr(err)
	}
	if err := c.eraseDonors(ctx, tx, supporterID, known, now); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, c.rebind(`UPDATE supporters SET email_index = ?, email_sealed = NULL, name_sealed = NULL,
		postal_sealed = NULL, erased_at = ?, unsubscribed_at = COALESCE(unsubscribed_at, ?), updated_at = ? WHERE id = ?`),
		index, c.instant(now), c.instant(now), c.instant(now), supporterID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrNotFound
	}
	if err := c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventErasure, SupporterID: supporterID, At: now}); err != nil {
		return err
	}
	if err := c.eraseFromDigests(ctx, tx, supporterID); err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE participations SET subject_sealed = NULL, letter_sealed = NULL, comment_sealed = NULL, ip_hash = NULL,
			referrer = '', share_code = '' WHERE supporter_id = ?`,
		`DELETE FROM consents WHERE supporter_id = ?`,
		`DELETE FROM update_optouts WHERE supporter_id = ?`,
		`DELETE FROM outbox WHERE supporter_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, c.rebind(q), supporterID); err != nil {
			return err
		}
	}
	return c.audit(ctx, tx, "supporter.erase", "supporter", supporterID, nil, map[string]bool{"erased": true})
}

// eraseFromDigests takes a supporter's letters out of the digests that
// carry them (emails to an official holding several supporters' letters,
// sealed whole, with no supporter of their own). A digest not sent yet is
// dropped, and the other letters in it wait again: the next digest is
// composed without the erased one. A digest sent, or given up, keeps its
// row, the record of a delivery, without its body. Then the supporter's
// appeals not delivered are dropped, so that none is sent later with the
// letter erased.
func (c *Core) eraseFromDigests(ctx context.Context, tx *sql.Tx, supporterID int64) error {
	rows, err := tx.QueryContext(ctx, c.rebind(`SELECT DISTINCT o.id, o.state FROM outbox o
		JOIN appeal_deliveries d ON d.outbox_id = o.id JOIN participations p ON p.id = d.participation_id
		WHERE p.supporter_id = ? AND (o.supporter_id IS NULL OR o.supporter_id <> ?)`), supporterID, supporterID)
	if err != nil {
		return err
	}
	type digest struct {
		id    int64
		state model.MessageState
	}
	var digests []digest
	for rows.Next() {
		var d digest
		if err := rows.Scan(&d.id, &d.state); err != nil {
			rows.Close()
			return err
		}
		digests = append(digests, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range digests {
		if d.state == model.MessageSent || d.state == model.MessageFailed {
			if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE outbox SET sealed = ? WHERE id = ?`), []byte{}, d.id); err != nil {
				return err
			}
			continue
		}
		// Queued, held, or being sent (a worker that sends it anyway finds
		// no row to mark).
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE appeal_deliveries SET queued_at = NULL, outbox_id = NULL
			WHERE outbox_id = ?`), d.id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM outbox WHERE id = ?`), d.id); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, c.rebind(`DELETE FROM appeal_deliveries WHERE delivered_at IS NULL
		AND participation_id IN (SELECT id FROM participations WHERE supporter_id = ?)`), supporterID)
	return err
}

// ExportBatch is how many participants one query of an export reads:
// enough that queries are few, few enough that memory stays small. Tests
// lower it to cross batch boundaries with few rows.
var ExportBatch = 5000

// ExportParticipants calls fn with each participant of an action, in the
// order they acted. Each batch picks up after the last row of the one
// before by (created_at, id): the order of the index on (action_id,
// created_at), so a batch reads its rows and sorts nothing, however many
// came before it.
func (c *Core) ExportParticipants(ctx context.Context, actionID int64, fn func(store.Participant) error) error {
	read := func(ctx context.Context, after exportCursor) ([]sealedParticipant, exportCursor, error) {
		rows, err := c.participantsAfter(ctx, actionID, after)
		if err != nil {
			return nil, after, c.errorf("export action %d: %w", actionID, err)
		}
		if len(rows) == 0 {
			return nil, after, nil
		}
		last := rows[len(rows)-1].Participation
		return rows, exportCursor{at: last.Created, id: last.ID}, nil
	}
	return readAhead(ctx, exportCursor{at: time.Unix(0, 0)}, read, func(r *sealedParticipant) error {
		p, err := c.openParticipant(r)
		if err != nil {
			return c.errorf("export action %d: %w", actionID, err)
		}
		return fn(p)
	})
}

// readAhead calls each with every row read returns, batch after batch,
// starting from cursor from: read returns a batch and the cursor after it,
// and an empty batch at the end. The next batch is read while this one is
// handed to each (sealed fields opened, CSV written), so both cores work;
// memory holds three batches at most (handed out, waiting, being read).
// The first error, of read or of
// each, stops the export and is returned as it is. Nothing of the reading
// outlives the call.
func readAhead[R, C any](ctx context.Context, from C, read func(context.Context, C) ([]R, C, error), each func(*R) error) error {
	ctx, cancel := context.WithCancel(ctx)
	type batch struct {
		rows []R
		err  error
	}
	batches := make(chan batch, 1)
	defer func() {
		// Stop the reader, and wait until it has.
		cancel()
		for range batches {
		}
	}()
	go func() {
		defer close(batches)
		cursor := from
		for {
			rows, next, err := read(ctx, cursor)
			select {
			case batches <- batch{rows, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(rows) == 0 {
				return
			}
			cursor = next
		}
	}()
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		if len(b.rows) == 0 {
			return nil
		}
		for i := range b.rows {
			if err := each(&b.rows[i]); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// exportCursor is where the next batch of an export starts.
type exportCursor struct {
	at time.Time
	id int64
}

// sealedParticipant is a participant as read, its personal fields still
// sealed.
type sealedParticipant struct {
	store.Participant
	email, name, postal, comment []byte
}

// openParticipant opens a participant's sealed fields.
func (c *Core) openParticipant(r *sealedParticipant) (store.Participant, error) {
	p, sup := r.Participant, &r.Participant.Supporter
	var err error
	if sup.Email, err = c.open(r.email, "supporters", "email", sup.ID); err != nil {
		return p, err
	}
	if sup.Name, err = c.open(r.name, "supporters", "name", sup.ID); err != nil {
		return p, err
	}
	if sup.PostalCode, err = c.open(r.postal, "supporters", "postal", sup.ID); err != nil {
		return p, err
	}
	if p.Participation.Comment, err = c.open(r.comment, "participations", "comment", p.Participation.ID); err != nil {
		return p, err
	}
	p.Supporter = *sup
	return p, nil
}

func (c *Core) participantsAfter(ctx context.Context, actionID int64, after exportCursor) ([]sealedParticipant, error) {
	// Only what an export writes: every column read costs at a million
	// rows.
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT p.id, p.created_at, p.confirmed_at, p.comment_sealed,
		s.id, s.email_sealed, s.name_sealed, s.postal_sealed, s.country, s.lang
		FROM participations p JOIN supporters s ON s.id = p.supporter_id
		WHERE p.action_id = ? AND (p.created_at, p.id) > (?, ?) AND s.erased_at IS NULL
		ORDER BY p.created_at, p.id LIMIT ?`), actionID, c.instant(after.at), after.id, ExportBatch)
	if err != nil {
		return nil, err
	}
	out := make([]sealedParticipant, 0, ExportBatch)
	for rows.Next() {
		var r sealedParticipant
		p, sup := &r.Participation, &r.Supporter
		if err := rows.Scan(&p.ID, at(&p.Created), at(&p.Confirmed), &r.comment,
			&sup.ID, &r.email, &r.name, &r.postal, &sup.Country, &sup.Lang); err != nil {
			rows.Close()
			return nil, err
		}
		p.ActionID, p.SupporterID = actionID, sup.ID
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	index := make(map[int64]int, len(out))
	args := make([]any, 0, len(out))
	for i := range out {
		index[out[i].Participation.ID] = i
		args = append(args, out[i].Participation.ID)
	}
	crows, err := c.db.QueryContext(ctx, c.rebind(`SELECT participation_id, key, given FROM consents
		WHERE participation_id IN (`+placeholders(len(args))+`)`), args...)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		var id int64
		var a store.ConsentAnswer
		if err := crows.Scan(&id, &a.Key, &a.Given); err != nil {
			return nil, err
		}
		r := &out[index[id]]
		r.Consents = append(r.Consents, a)
	}
	return out, crows.Err()
}

// CountParticipants counts an action's participations not erased.
func (c *Core) CountParticipants(ctx context.Context, actionID int64) (all, confirmed int, err error) {
	err = c.db.QueryRowContext(ctx, c.rebind(`SELECT COUNT(*), COUNT(p.confirmed_at) FROM participations p
		JOIN supporters s ON s.id = p.supporter_id WHERE p.action_id = ? AND s.erased_at IS NULL`), actionID).Scan(&all, &confirmed)
	if err != nil {
		err = c.errorf("count participants of %d: %w", actionID, err)
	}
	return all, confirmed, err
}

// ImportSupporters adds supporters with their consent, in one transaction.
func (c *Core) ImportSupporters(ctx context.Context, rows []store.ImportRow, now time.Time) (added, known int, err error) {
	err = c.d.InTx(ctx, func(tx *sql.Tx) error {
		added, known = 0, 0
		for _, r := range rows {
			sup := r.Supporter
			index := c.keys.BlindIndex(sup.Email)
			var id int64
			var unsubscribed time.Time
			err := tx.QueryRowContext(ctx, c.rebind(`SELECT id, unsubscribed_at FROM supporters WHERE email_index = ?`), index).Scan(&id, at(&unsubscribed))
			switch {
			case err == nil:
				known++
				if !unsubscribed.IsZero() {
					continue // their choice here wins over another tool's list
				}
			case err == sql.ErrNoRows:
				var confirmed any
				if r.Confirmed {
					confirmed = c.instant(now)
				}
				if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO supporters (email_index, country, lang, created_at, confirmed_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), index, sup.Country, sup.Lang, c.instant(now), confirmed, c.instant(now)).Scan(&id); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE supporters SET email_sealed = ?, name_sealed = ?, postal_sealed = ? WHERE id = ?`),
					c.seal(sup.Email, "supporters", "email", id), c.seal(sup.Name, "supporters", "name", id),
					c.seal(sup.PostalCode, "supporters", "postal", id), id); err != nil {
					return err
				}
				added++
			default:
				return err
			}
			if r.Consent.Key != "" {
				if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO consents (supporter_id, key, text, given, source, at)
					VALUES (?, ?, ?, ?, ?, ?)`), id, r.Consent.Key, r.Consent.Text, r.Consent.Given, r.Consent.Source,
					c.instant(now)); err != nil {
					return err
				}
			}
		}
		return c.audit(ctx, tx, "supporters.import", "supporters", 0, nil, map[string]int{"added": added, "known": known})
	})
	if err != nil {
		return 0, 0, c.errorf("import supporters: %w", err)
	}
	return added, known, nil
}

// seal encrypts a personal field bound to its row; "" stays NULL.
func (c *Core) seal(value, table, column string, id int64) any {
	if value == "" {
		return nil
	}
	return c.keys.SealString(value, secret.AD(table, column, id))
}

// ConfirmSupporter confirms a supporter's address for the newsletter, ends
// an earlier unsubscription, and records the consent given through the
// link unless the same yes is on record since they last unsubscribed.
func (c *Core) ConfirmSupporter(ctx context.Context, supporterID int64, now time.Time, consent model.Consent) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var unsubscribed, confirmed time.Time
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT unsubscribed_at, confirmed_at FROM supporters WHERE id = ? AND erased_at IS NULL`),
			supporterID).Scan(at(&unsubscribed), at(&confirmed)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE supporters SET confirmed_at = COALESCE(confirmed_at, ?), unsubscribed_at = NULL,
			updated_at = CASE WHEN confirmed_at IS NULL OR unsubscribed_at IS NOT NULL THEN ? ELSE updated_at END
			WHERE id = ?`), c.instant(now), c.instant(now), supporterID); err != nil {
			return err
		}
		// The sign-ups' answers, waiting for this link, are theirs now.
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE consents SET pending = false WHERE supporter_id = ? AND pending`),
			supporterID); err != nil {
			return err
		}
		if confirmed.IsZero() || !unsubscribed.IsZero() {
			if err := c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventConfirmation, SupporterID: supporterID, At: now}); err != nil {
				return err
			}
		}
		if consent.Key == "" {
			return nil
		}
		since := c.instant(unsubscribed)
		if unsubscribed.IsZero() {
			since = c.instant(time.Unix(0, 0).UTC())
		}
		_, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO consents (supporter_id, key, text, given, source, at)
			SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM consents
				WHERE supporter_id = ? AND key = ? AND given AND at > ?)`),
			supporterID, consent.Key, consent.Text, true, consent.Source, c.instant(now), supporterID, consent.Key, since)
		return err
	})
	if err != nil {
		return c.errorf("confirm supporter %d: %w", supporterID, c.d.MapErr(err))
	}
	return nil
}

// Consents lists the answers on a supporter's record (onRecord), oldest
// first.
func (c *Core) Consents(ctx context.Context, supporterID int64) ([]model.Consent, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT cn.key, cn.text, cn.given, cn.source, cn.at FROM consents cn
		WHERE cn.supporter_id = ? AND `+onRecord+` ORDER BY cn.id`), supporterID)
	if err != nil {
		return nil, c.errorf("consents: %w", err)
	}
	defer rows.Close()
	var out []model.Consent
	for rows.Next() {
		var cn model.Consent
		if err := rows.Scan(&cn.Key, &cn.Text, &cn.Given, &cn.Source, at(&cn.At)); err != nil {
			return nil, c.errorf("consents: %w", err)
		}
		out = append(out, cn)
	}
	return out, rows.Err()
}
