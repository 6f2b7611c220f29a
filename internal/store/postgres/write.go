package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vigil/internal/model"
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
