package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

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
