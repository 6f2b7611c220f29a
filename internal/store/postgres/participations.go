package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

func (s *DB) participateTx(ctx context.Context, tx *sql.Tx, p store.Participate, compose store.Compose) (store.Participated, error) {
	var res store.Participated
	// The action row is locked from the start (the count update would
	// lock it anyway): an action closed by another transaction is seen
	// closed here, and the count read is the one this participation adds to.
	actions, err := s.QueryActions(ctx, tx, `WHERE a.slug = ? AND a.published_at IS NOT NULL FOR NO KEY UPDATE OF a`, p.ActionSlug)
	if err != nil {
		return res, err
	}
	if len(actions) == 0 {
		return res, model.ErrNotFound
	}
	res.Action = actions[0]
	if !res.Action.IsOpen(p.Now) {
		return res, model.ErrClosed
	}
	now := instant(p.Now)

	if res.SupporterID, res.NewSupporter, res.Confirmed, err = s.upsertSupporterTx(ctx, tx, p.Supporter, p.Now); err != nil {
		return res, err
	}

	// The participation, once per supporter and action. It waits for its
	// confirmation from the mailbox before it counts (see
	// ConfirmParticipation).
	part := p.Participation
	err = tx.QueryRowContext(ctx, `INSERT INTO participations (supporter_id, action_id, created_at, referrer,
			share_code, ip_hash, agent_class, fill_ms)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (supporter_id, action_id) DO NOTHING RETURNING id`,
		res.SupporterID, res.Action.ID, now, cleanText(part.Referrer), cleanText(part.ShareCode), part.IPHash,
		cleanText(part.AgentClass), part.FillMillis).
		Scan(&res.ParticipationID)
	if errors.Is(err, sql.ErrNoRows) {
		res.Duplicate = true
		if err := tx.QueryRowContext(ctx, `SELECT id FROM participations WHERE supporter_id = $1 AND action_id = $2`,
			res.SupporterID, res.Action.ID).Scan(&res.ParticipationID); err != nil {
			return res, err
		}
	} else if err != nil {
		return res, err
	}
	res.Count = res.Action.Count
	if res.Duplicate {
		// What the repeat is, is what was stored the first time.
		var confirmedAt sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT confirmed_at FROM participations WHERE id = $1`, res.ParticipationID).
			Scan(&confirmedAt); err != nil {
			return res, err
		}
		res.ParticipationConfirmed = confirmedAt.Valid
	}
	if !res.Duplicate {
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET subject_sealed = $1, letter_sealed = $2, comment_sealed = $3 WHERE id = $4`,
			s.seal(part.Subject, "participations", "subject", res.ParticipationID),
			s.seal(part.Letter, "participations", "letter", res.ParticipationID),
			s.seal(part.Comment, "participations", "comment", res.ParticipationID),
			res.ParticipationID); err != nil {
			return res, err
		}
	}
	for _, c := range store.ConsentsToRecord(p, res) {
		at := c.At
		if at.IsZero() {
			at = p.Now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consents (supporter_id, participation_id, key, text, given, source, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, res.SupporterID, res.ParticipationID, cleanText(c.Key), cleanText(c.Text), c.Given,
			cleanText(c.Source), instant(at)); err != nil {
			return res, err
		}
	}
	if compose != nil {
		msgs, err := compose(res)
		if err != nil {
			return res, err
		}
		for i := range msgs {
			if err := s.EnqueueTx(ctx, tx, &msgs[i], p.Now); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// upsertSupporterTx finds a supporter by the blind index of their email or
// creates them, and stores the latest name, postal code, country and
// language they gave: a supporter correcting a typo expects it to stick.
//
// The supporter's row stays locked until the transaction ends, so a purge
// or a removal running at the same time cannot delete them under the
// participation being added, and a confirmation running at the same time
// is either seen whole or not at all. Two first sign-ups with one email at
// once give one supporter: the insert waits for the other and then finds it.
func (s *DB) upsertSupporterTx(ctx context.Context, tx *sql.Tx, sup model.Supporter, now time.Time) (id int64, created, confirmed bool, err error) {
	index := s.keys.BlindIndex(sup.Email)
	var confirmedAt sql.NullTime
	find := func() error {
		return tx.QueryRowContext(ctx, `SELECT id, confirmed_at FROM supporters WHERE email_index = $1 FOR NO KEY UPDATE`, index).
			Scan(&id, &confirmedAt)
	}
	err = find()
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO supporters (email_index, country, lang, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (email_index) DO NOTHING RETURNING id`, index, cleanText(sup.Country), cleanText(sup.Lang), instant(now)).Scan(&id)
		switch {
		case err == nil:
			created = true
		case errors.Is(err, sql.ErrNoRows):
			err = find() // created by another transaction since
		}
	}
	if err != nil {
		return 0, false, false, err
	}
	confirmed = confirmedAt.Valid
	if confirmed {
		// Details of a confirmed supporter change only through their own
		// mailbox, not because someone typed their address.
		return id, false, true, nil
	}
	set := `email_sealed = $1, lang = $2`
	args := []any{s.seal(sup.Email, "supporters", "email", id), cleanText(sup.Lang)}
	// A newsletter sign-up may give only an email: keep what we have.
	if sup.Name != "" {
		args = append(args, s.seal(sup.Name, "supporters", "name", id))
		set += fmt.Sprintf(`, name_sealed = $%d`, len(args))
	}
	if sup.PostalCode != "" || sup.Country != "" {
		args = append(args, s.seal(sup.PostalCode, "supporters", "postal", id), cleanText(sup.Country))
		set += fmt.Sprintf(`, postal_sealed = $%d, country = $%d`, len(args)-1, len(args))
	}
	args = append(args, id)
	if _, err := tx.ExecContext(ctx, `UPDATE supporters SET `+set+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...); err != nil {
		return 0, false, false, err
	}
	return id, created, confirmed, nil
}

// Subscribe signs a supporter up for the newsletter.
func (s *DB) Subscribe(ctx context.Context, sub store.Subscribe, compose store.ComposeSubscription) (store.Subscribed, error) {
	var res store.Subscribed
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if res.SupporterID, res.NewSupporter, res.Confirmed, err = s.upsertSupporterTx(ctx, tx, sub.Supporter, sub.Now); err != nil {
			return err
		}
		// A confirmed address: nothing is stored until the link sent to the
		// mailbox is used (ConfirmSupporter).
		if !res.Confirmed {
			c := sub.Consent
			if _, err := tx.ExecContext(ctx, `INSERT INTO consents (supporter_id, key, text, given, source, at)
				VALUES ($1, $2, $3, true, $4, $5)`, res.SupporterID, cleanText(c.Key), cleanText(c.Text), cleanText(c.Source), instant(sub.Now)); err != nil {
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
		return res, fmt.Errorf("postgres: subscribe: %w", mapErr(err))
	}
	return res, nil
}

// ConfirmParticipation confirms one participation and its supporter, and
// counts it the first time. It locks the action before the participation
// and the supporter: the order Participate takes them in.
func (s *DB) ConfirmParticipation(ctx context.Context, participationID int64, now time.Time) (model.Supporter, model.Action, error) {
	var supporterID, actionID int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT supporter_id, action_id FROM participations WHERE id = $1`, participationID).
			Scan(&supporterID, &actionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM actions WHERE id = $1 FOR NO KEY UPDATE`, actionID); err != nil {
			return err
		}
		var before sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT confirmed_at FROM participations WHERE id = $1 FOR UPDATE`, participationID).
			Scan(&before); err != nil {
			return err
		}
		if before.Valid {
			return nil // confirmed and counted already
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET confirmed_at = $1 WHERE id = $2`,
			instant(now), participationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE actions SET count = count + 1 WHERE id = $1`, actionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supporters SET confirmed_at = COALESCE(confirmed_at, $1) WHERE id = $2`,
			instant(now), supporterID); err != nil {
			return err
		}
		// An appeal on an open action goes to its targets.
		_, err := tx.ExecContext(ctx, `INSERT INTO appeal_deliveries (participation_id, target_id)
			SELECT $1, at.target_id FROM action_targets at JOIN actions a ON a.id = at.action_id
			WHERE at.action_id = $2 AND a.kind = 'appeal' AND NOT a.closed AND (a.deadline IS NULL OR a.deadline > $3)
			ON CONFLICT DO NOTHING`, participationID, actionID, instant(now))
		return err
	})
	if err != nil {
		return model.Supporter{}, model.Action{}, fmt.Errorf("postgres: confirm participation %d: %w", participationID, mapErr(err))
	}
	sup, err := s.Supporter(ctx, supporterID)
	if err != nil {
		return sup, model.Action{}, err
	}
	actions, err := s.QueryActions(ctx, s.db, `WHERE a.id = ?`, actionID)
	if err != nil || len(actions) == 0 {
		return sup, model.Action{}, fmt.Errorf("postgres: confirm participation %d: action: %w", participationID, err)
	}
	return sup, actions[0], nil
}

// RemoveParticipation deletes a participation and uncounts it when it was
// counted (confirmed). It locks
// the action, then the supporter, then deletes: the order Participate
// takes them in, so the two never wait on each other in a circle, and no
// participation can be added to the supporter between the check that
// they have nothing left and their deletion.
func (s *DB) RemoveParticipation(ctx context.Context, participationID int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var supporterID, actionID int64
		if err := tx.QueryRowContext(ctx, `SELECT supporter_id, action_id FROM participations WHERE id = $1`, participationID).
			Scan(&supporterID, &actionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM actions WHERE id = $1 FOR NO KEY UPDATE`, actionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM supporters WHERE id = $1 FOR UPDATE`, supporterID); err != nil {
			return err
		}
		// Removed by someone else while we waited: not found, as SQLite
		// says to the second of two removals.
		var confirmed sql.NullTime
		if err := tx.QueryRowContext(ctx, `DELETE FROM participations WHERE id = $1 RETURNING action_id, confirmed_at`, participationID).
			Scan(&actionID, &confirmed); err != nil {
			return err
		}
		if confirmed.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE actions SET count = GREATEST(count - 1, 0) WHERE id = $1`, actionID); err != nil {
				return err
			}
		}
		// Someone who never confirmed and has nothing left is forgotten.
		_, err := tx.ExecContext(ctx, `DELETE FROM supporters WHERE id = $1 AND confirmed_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM participations WHERE supporter_id = supporters.id)`, supporterID)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: remove participation %d: %w", participationID, mapErr(err))
	}
	return nil
}

// Unsubscribe records that the supporter wants no more email.
func (s *DB) Unsubscribe(ctx context.Context, supporterID int64, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE supporters SET unsubscribed_at = COALESCE(unsubscribed_at, $1) WHERE id = $2`,
		instant(now), supporterID)
	if err != nil {
		return fmt.Errorf("postgres: unsubscribe %d: %w", supporterID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("postgres: unsubscribe %d: %w", supporterID, model.ErrNotFound)
	}
	return nil
}

const supporterColumns = `id, email_sealed, name_sealed, postal_sealed, country, lang, created_at, confirmed_at, unsubscribed_at`

func (s *DB) scanSupporter(row interface{ Scan(...any) error }) (model.Supporter, error) {
	var sup model.Supporter
	var email, name, postal []byte
	var created, confirmed, unsubscribed sql.NullTime
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
	sup.Created, sup.Confirmed, sup.Unsubscribed = fromNull(created), fromNull(confirmed), fromNull(unsubscribed)
	return sup, nil
}

// Supporter returns a supporter with their fields opened.
func (s *DB) Supporter(ctx context.Context, id int64) (model.Supporter, error) {
	sup, err := s.scanSupporter(s.db.QueryRowContext(ctx, `SELECT `+supporterColumns+` FROM supporters WHERE id = $1`, id))
	if err != nil {
		return sup, fmt.Errorf("postgres: supporter %d: %w", id, err)
	}
	return sup, nil
}

// SupporterByEmail finds a supporter through the blind index.
func (s *DB) SupporterByEmail(ctx context.Context, normalisedEmail string) (model.Supporter, error) {
	sup, err := s.scanSupporter(s.db.QueryRowContext(ctx, `SELECT `+supporterColumns+` FROM supporters WHERE email_index = $1`,
		s.keys.BlindIndex(normalisedEmail)))
	if err != nil {
		return sup, fmt.Errorf("postgres: supporter by email: %w", err)
	}
	return sup, nil
}

// ParticipationsOf lists a supporter's participations, oldest first.
func (s *DB) ParticipationsOf(ctx context.Context, supporterID int64) ([]model.Participation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM participations WHERE supporter_id = $1 ORDER BY id`, supporterID)
	if err != nil {
		return nil, fmt.Errorf("postgres: participations of %d: %w", supporterID, err)
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: participations of %d: %w", supporterID, err)
	}
	out := make([]model.Participation, 0, len(ids))
	for _, id := range ids {
		p, err := s.Participation(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// cleanText makes a value from outside (a visitor's form, an SMTP server's
// reply) storable in a text column. SQLite keeps any bytes; PostgreSQL
// refuses a NUL and invalid UTF-8 and would fail the whole write, so a NUL
// is dropped and an invalid byte becomes U+FFFD. Valid text is unchanged.
// (Sealed fields are bytea and need none of this.)
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
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
		return "", fmt.Errorf("postgres: open %s.%s of row %d: %w", table, column, id, err)
	}
	return v, nil
}
