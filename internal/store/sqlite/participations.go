package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// batchState is what one group-commit transaction knows across its
// participations: SQLite lets no other writer in while it is open, so it
// can read each action once and hand out row ids itself, which lets a row
// be inserted with its sealed fields (bound to its id) in one statement.
type batchState struct {
	actions           map[string]*batchAction
	nextSupporter     int64 // last id handed out; 0: not read yet
	nextParticipation int64
}

type batchAction struct {
	action model.Action
}

func newBatchState() *batchState { return &batchState{actions: map[string]*batchAction{}} }

func (b *batchState) action(q runner, slug string) (*batchAction, error) {
	if ba, ok := b.actions[slug]; ok {
		return ba, nil
	}
	a, err := actionToActOn(q, slug)
	if err != nil {
		return nil, err
	}
	ba := &batchAction{action: a}
	b.actions[slug] = ba
	return ba, nil
}

// newID hands out the next id of a table (supporters or participations).
// Both are AUTOINCREMENT: ids of deleted rows are never reused, so tokens
// in old emails cannot point at someone new. sqlite_sequence holds the
// largest id ever given, and moves up with the explicit ids inserted here.
func (b *batchState) newID(q runner, table string, last *int64) (int64, error) {
	if *last == 0 {
		if err := q.queryRow(`SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)`, table).
			Scan(last); err != nil {
			return 0, err
		}
	}
	return *last + 1, nil
}

// participateTx writes one participation on an open action of the batch,
// and what it causes.
func (s *DB) participateTx(q runner, b *batchState, ba *batchAction, p store.Participate, compose store.Compose) (store.Participated, error) {
	res := store.Participated{Action: ba.action}
	now := formatTime(p.Now)
	var err error

	if res.SupporterID, res.NewSupporter, res.Confirmed, err = s.findOrAddSupporterTx(q, b, p.Supporter, p.Now); err != nil {
		return res, err
	}

	// The participation, once per supporter and action, inserted with its
	// sealed letter under the id this batch hands out. It waits for its
	// confirmation from the mailbox before it counts (see
	// ConfirmParticipation).
	part := p.Participation
	id, err := b.newID(q, "participations", &b.nextParticipation)
	if err != nil {
		return res, err
	}
	err = q.queryRow(`INSERT INTO participations (id, supporter_id, action_id, created_at,
			subject_sealed, letter_sealed, comment_sealed, referrer, share_code, ip_hash, agent_class, fill_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (supporter_id, action_id) DO NOTHING RETURNING id`,
		id, res.SupporterID, res.Action.ID, now,
		s.seal(part.Subject, "participations", "subject", id),
		s.seal(part.Letter, "participations", "letter", id),
		s.seal(part.Comment, "participations", "comment", id),
		part.Referrer, part.ShareCode, part.IPHash, part.AgentClass, part.FillMillis).
		Scan(&id) // into id, not res: res would then be allocated on the heap
	if errors.Is(err, sql.ErrNoRows) {
		res.Duplicate = true
		if err := q.queryRow(`SELECT id FROM participations WHERE supporter_id = ? AND action_id = ?`,
			res.SupporterID, res.Action.ID).Scan(&id); err != nil {
			return res, err
		}
	} else if err != nil {
		return res, err
	} else {
		b.nextParticipation = id
	}
	res.ParticipationID = id
	res.Count = ba.action.Count
	if res.Duplicate {
		// What the repeat is, is what was stored the first time; its
		// consents stay as they were given (see store.Participate).
		var confirmedAt sql.NullString
		if err := q.queryRow(`SELECT confirmed_at FROM participations WHERE id = ?`, res.ParticipationID).
			Scan(&confirmedAt); err != nil {
			return res, err
		}
		res.ParticipationConfirmed = confirmedAt.Valid
	}
	for _, c := range store.ConsentsToRecord(p, res) {
		at := c.At
		if at.IsZero() {
			at = p.Now
		}
		if _, err := q.exec(`INSERT INTO consents (supporter_id, participation_id, key, text, given, source, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, res.SupporterID, res.ParticipationID, c.Key, c.Text, boolInt(c.Given), c.Source,
			formatTime(at)); err != nil {
			return res, err
		}
	}
	if compose != nil {
		msgs, err := compose(res)
		if err != nil {
			return res, err
		}
		for i := range msgs {
			if err := s.enqueuePrepared(q, &msgs[i], p.Now); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// actionToActOn reads what taking part needs to know of an action: its
// identity, kind, title and whether it is open; not its targets, tags or
// picture.
func actionToActOn(q runner, slug string) (model.Action, error) {
	var a model.Action
	var deadline sql.NullString
	err := q.queryRow(`SELECT a.id, a.slug, COALESCE(a.case_id, 0), a.lang, a.kind, a.title, a.count, a.deadline,
			a.closed, a.delivery FROM actions a WHERE a.slug = ? AND a.published_at IS NOT NULL`, slug).
		Scan(&a.ID, &a.Slug, &a.CaseID, &a.Lang, &a.Kind, &a.Title, &a.Count, &deadline, &a.Closed, &a.Delivery)
	if err != nil {
		return a, mapErr(err)
	}
	a.Deadline = parseTime(deadline)
	return a, nil
}

// findOrAddSupporterTx is upsertSupporterTx inside a batch: a new supporter
// is inserted whole, with the id the batch hands out.
func (s *DB) findOrAddSupporterTx(q runner, b *batchState, sup model.Supporter, now time.Time) (id int64, created, confirmed bool, err error) {
	index := s.keys.BlindIndex(sup.Email)
	// Most people signing are new: try the insert first.
	if id, err = b.newID(q, "supporters", &b.nextSupporter); err != nil {
		return 0, false, false, err
	}
	err = q.queryRow(`INSERT INTO supporters (id, email_index, email_sealed, name_sealed, postal_sealed,
			country, lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email_index) DO NOTHING RETURNING id`,
		id, index, s.seal(sup.Email, "supporters", "email", id), s.seal(sup.Name, "supporters", "name", id),
		s.seal(sup.PostalCode, "supporters", "postal", id), sup.Country, sup.Lang, formatTime(now)).Scan(&id)
	if err == nil {
		b.nextSupporter = id
		return id, true, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, false, err
	}
	return s.upsertSupporterTx(q, sup, now)
}

// upsertSupporterTx finds a supporter by the blind index of their email or
// creates them, and stores the latest name, postal code, country and
// language they gave: a supporter correcting a typo expects it to stick.
func (s *DB) upsertSupporterTx(q runner, sup model.Supporter, now time.Time) (id int64, created, confirmed bool, err error) {
	index := s.keys.BlindIndex(sup.Email)
	var confirmedAt sql.NullString
	err = q.queryRow(`SELECT id, confirmed_at FROM supporters WHERE email_index = ?`, index).Scan(&id, &confirmedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		created = true
		if err := q.queryRow(`INSERT INTO supporters (email_index, country, lang, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			index, sup.Country, sup.Lang, formatTime(now)).Scan(&id); err != nil {
			return 0, false, false, err
		}
	case err != nil:
		return 0, false, false, err
	}
	confirmed = confirmedAt.Valid
	if confirmed {
		// Details of a confirmed supporter change only through their own
		// mailbox, not because someone typed their address.
		return id, false, true, nil
	}
	set := `email_sealed = ?, lang = ?`
	args := []any{s.seal(sup.Email, "supporters", "email", id), sup.Lang}
	// A newsletter sign-up may give only an email: keep what we have.
	if sup.Name != "" {
		set += `, name_sealed = ?`
		args = append(args, s.seal(sup.Name, "supporters", "name", id))
	}
	if sup.PostalCode != "" || sup.Country != "" {
		set += `, postal_sealed = ?, country = ?`
		args = append(args, s.seal(sup.PostalCode, "supporters", "postal", id), sup.Country)
	}
	args = append(args, id)
	if _, err := q.exec(`UPDATE supporters SET `+set+` WHERE id = ?`, args...); err != nil {
		return 0, false, false, err
	}
	return id, created, confirmed, nil
}

// Subscribe signs a supporter up for the newsletter.
func (s *DB) Subscribe(ctx context.Context, sub store.Subscribe, compose store.ComposeSubscription) (store.Subscribed, error) {
	var res store.Subscribed
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if res.SupporterID, res.NewSupporter, res.Confirmed, err = s.upsertSupporterTx(s.inTxRunner(ctx, tx), sub.Supporter, sub.Now); err != nil {
			return err
		}
		// A confirmed address: nothing is stored until the link sent to the
		// mailbox is used (ConfirmSupporter).
		if !res.Confirmed {
			c := sub.Consent
			if _, err := tx.ExecContext(ctx, `INSERT INTO consents (supporter_id, key, text, given, source, at)
				VALUES (?, ?, ?, 1, ?, ?)`, res.SupporterID, c.Key, c.Text, c.Source, formatTime(sub.Now)); err != nil {
				return err
			}
		}
		msgs, err := compose(res)
		if err != nil {
			return err
		}
		for i := range msgs {
			if err := s.EnqueueTx(ctx, tx, &msgs[i], sub.Now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("sqlite: subscribe: %w", mapErr(err))
	}
	return res, nil
}

// ConfirmParticipation confirms one participation and its supporter.
func (s *DB) ConfirmParticipation(ctx context.Context, participationID int64, now time.Time) (model.Supporter, model.Action, error) {
	var supporterID, actionID int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var before sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT supporter_id, action_id, confirmed_at FROM participations WHERE id = ?`,
			participationID).Scan(&supporterID, &actionID, &before); err != nil {
			return err
		}
		if before.Valid {
			return nil // confirmed and counted already
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET confirmed_at = ? WHERE id = ?`,
			formatTime(now), participationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE actions SET count = count + 1 WHERE id = ?`, actionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supporters SET confirmed_at = COALESCE(confirmed_at, ?) WHERE id = ?`,
			formatTime(now), supporterID); err != nil {
			return err
		}
		// An appeal on an open action goes to its targets.
		_, err := tx.ExecContext(ctx, `INSERT INTO appeal_deliveries (participation_id, target_id)
			SELECT ?, at.target_id FROM action_targets at JOIN actions a ON a.id = at.action_id
			WHERE at.action_id = ? AND a.kind = 'appeal' AND a.closed = 0 AND (a.deadline IS NULL OR a.deadline > ?)
			ON CONFLICT DO NOTHING`, participationID, actionID, formatTime(now))
		return err
	})
	if err != nil {
		return model.Supporter{}, model.Action{}, fmt.Errorf("sqlite: confirm participation %d: %w", participationID, mapErr(err))
	}
	sup, err := s.Supporter(ctx, supporterID)
	if err != nil {
		return sup, model.Action{}, err
	}
	actions, err := s.QueryActions(ctx, s.db, `WHERE a.id = ?`, actionID)
	if err != nil || len(actions) == 0 {
		return sup, model.Action{}, fmt.Errorf("sqlite: confirm participation %d: action: %w", participationID, err)
	}
	return sup, actions[0], nil
}

// RemoveParticipation deletes a participation and uncounts it.
func (s *DB) RemoveParticipation(ctx context.Context, participationID int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var supporterID, actionID int64
		var confirmed sql.NullString
		err := tx.QueryRowContext(ctx, `DELETE FROM participations WHERE id = ? RETURNING supporter_id, action_id, confirmed_at`,
			participationID).Scan(&supporterID, &actionID, &confirmed)
		if err != nil {
			return err
		}
		if confirmed.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE actions SET count = MAX(count - 1, 0) WHERE id = ?`, actionID); err != nil {
				return err
			}
		}
		// Someone who never confirmed and has nothing left is forgotten.
		_, err = tx.ExecContext(ctx, `DELETE FROM supporters WHERE id = ? AND confirmed_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM participations WHERE supporter_id = supporters.id)`, supporterID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: remove participation %d: %w", participationID, mapErr(err))
	}
	return nil
}

// Unsubscribe records that the supporter wants no more email.
func (s *DB) Unsubscribe(ctx context.Context, supporterID int64, now time.Time) error {
	res, err := s.write(ctx, `UPDATE supporters SET unsubscribed_at = COALESCE(unsubscribed_at, ?) WHERE id = ?`,
		formatTime(now), supporterID)
	if err != nil {
		return fmt.Errorf("sqlite: unsubscribe %d: %w", supporterID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("sqlite: unsubscribe %d: %w", supporterID, model.ErrNotFound)
	}
	return nil
}

const supporterColumns = `id, email_sealed, name_sealed, postal_sealed, country, lang, created_at, confirmed_at, unsubscribed_at`

func (s *DB) scanSupporter(row interface{ Scan(...any) error }) (model.Supporter, error) {
	var sup model.Supporter
	var email, name, postal []byte
	var created, confirmed, unsubscribed sql.NullString
	if err := row.Scan(&sup.ID, &email, &name, &postal, &sup.Country, &sup.Lang, &created, &confirmed, &unsubscribed); err != nil {
		return sup, mapErr(err)
	}
	var err error
	if sup.Email, err = s.open(email, "supporters", "email", sup.ID); err != nil {
		return sup, err
	}
	if sup.Name, err = s.open(name, "supporters", "name", sup.ID); err != nil {
		return sup, err
	}
	if sup.PostalCode, err = s.open(postal, "supporters", "postal", sup.ID); err != nil {
		return sup, err
	}
	sup.Created, sup.Confirmed, sup.Unsubscribed = parseTime(created), parseTime(confirmed), parseTime(unsubscribed)
	return sup, nil
}

// Supporter returns a supporter with their fields opened.
func (s *DB) Supporter(ctx context.Context, id int64) (model.Supporter, error) {
	sup, err := s.scanSupporter(s.db.QueryRowContext(ctx, `SELECT `+supporterColumns+` FROM supporters WHERE id = ?`, id))
	if err != nil {
		return sup, fmt.Errorf("sqlite: supporter %d: %w", id, err)
	}
	return sup, nil
}

// SupporterByEmail finds a supporter through the blind index.
func (s *DB) SupporterByEmail(ctx context.Context, normalisedEmail string) (model.Supporter, error) {
	sup, err := s.scanSupporter(s.db.QueryRowContext(ctx, `SELECT `+supporterColumns+` FROM supporters WHERE email_index = ?`,
		s.keys.BlindIndex(normalisedEmail)))
	if err != nil {
		return sup, fmt.Errorf("sqlite: supporter by email: %w", err)
	}
	return sup, nil
}

// ParticipationsOf lists a supporter's participations, oldest first.
func (s *DB) ParticipationsOf(ctx context.Context, supporterID int64) ([]model.Participation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM participations WHERE supporter_id = ? ORDER BY id`, supporterID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: participations of %d: %w", supporterID, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]model.Participation, 0, len(ids))
	for _, id := range ids {
		p, err := s.Participation(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// seal encrypts a personal field bound to its row; an empty value stays
// NULL so nothing is stored for it.
func (s *DB) seal(value, table, column string, id int64) any {
	if value == "" {
		return nil
	}
	return s.keys.SealString(value, secret.AD(table, column, id))
}

func (s *DB) open(sealed []byte, table, column string, id int64) (string, error) {
	if sealed == nil {
		return "", nil
	}
	v, err := s.keys.OpenString(sealed, secret.AD(table, column, id))
	if err != nil {
		return "", fmt.Errorf("sqlite: open %s.%s of row %d: %w", table, column, id, err)
	}
	return v, nil
}
