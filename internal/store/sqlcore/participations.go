package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// Row is one result row to scan, from database/sql or from a driver.
type Row interface{ Scan(dest ...any) error }

// Runner runs the statements of one write, written in the dialect: a
// database/sql transaction (TxRunner), or SQLite's group-commit
// connection, which keeps each statement compiled.
type Runner interface {
	Exec(query string, args ...any) (sql.Result, error)
	QueryRow(query string, args ...any) Row
}

// TxRunner runs statements in tx.
func TxRunner(ctx context.Context, tx *sql.Tx) Runner { return txRunner{ctx, tx} }

type txRunner struct {
	ctx context.Context
	tx  *sql.Tx
}

func (t txRunner) Exec(query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx, query, args...)
}

func (t txRunner) QueryRow(query string, args ...any) Row {
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// runner is the dialect's Runner for tx.
func (c *Core) runner(ctx context.Context, tx *sql.Tx) Runner {
	if c.d.Runner != nil {
		return c.d.Runner(ctx, tx)
	}
	return TxRunner(ctx, tx)
}

// Seal encrypts a personal field bound to its row, for an adapter's own
// write path; an empty value stays NULL so nothing is stored for it.
func (c *Core) Seal(value, table, column string, id int64) any {
	return c.seal(value, table, column, id)
}

// UpsertSupporter finds a supporter by the blind index of their email or
// creates them, and stores the latest name, postal code, country and
// language they gave: a supporter correcting a typo expects it to stick.
//
// Where rows are locked, the supporter's row stays locked until the
// transaction ends, so a purge or a removal running at the same time
// cannot delete them under the participation being added, and a
// confirmation running at the same time is either seen whole or not at
// all. Two first sign-ups with one email at once give one supporter: the
// insert waits for the other and then finds it.
func (c *Core) UpsertSupporter(q Runner, sup model.Supporter, now time.Time) (id int64, created, confirmed bool, err error) {
	index := c.keys.BlindIndex(sup.Email)
	var confirmedAt time.Time
	find := func() error {
		return q.QueryRow(c.rebind(`SELECT id, confirmed_at FROM supporters WHERE email_index = ?`+c.d.KeyLock), index).
			Scan(&id, at(&confirmedAt))
	}
	err = find()
	if errors.Is(err, sql.ErrNoRows) {
		err = q.QueryRow(c.rebind(`INSERT INTO supporters (email_index, country, lang, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (email_index) DO NOTHING RETURNING id`), index, CleanText(sup.Country), CleanText(sup.Lang),
			c.instant(now), c.instant(now)).Scan(&id)
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
	confirmed = !confirmedAt.IsZero()
	if confirmed {
		// Details of a confirmed supporter change only through their own
		// mailbox, not because someone typed their address.
		return id, false, true, nil
	}
	set := `email_sealed = ?, lang = ?, updated_at = ?`
	args := []any{c.seal(sup.Email, "supporters", "email", id), CleanText(sup.Lang), c.instant(now)}
	// A newsletter sign-up may give only an email: keep what we have.
	if sup.Name != "" {
		set += `, name_sealed = ?`
		args = append(args, c.seal(sup.Name, "supporters", "name", id))
	}
	if sup.PostalCode != "" || sup.Country != "" {
		set += `, postal_sealed = ?, country = ?`
		args = append(args, c.seal(sup.PostalCode, "supporters", "postal", id), CleanText(sup.Country))
	}
	args = append(args, id)
	if _, err := q.Exec(c.rebind(`UPDATE supporters SET `+set+` WHERE id = ?`), args...); err != nil {
		return 0, false, false, err
	}
	return id, created, confirmed, nil
}

// EnqueueComposed stores the messages compose gives for what was written,
// each through enqueue; a nil compose gives none.
func EnqueueComposed[R any](compose func(R) ([]model.OutboxMessage, error), written R, enqueue func(m *model.OutboxMessage) error) error {
	if compose == nil {
		return nil
	}
	msgs, err := compose(written)
	if err != nil {
		return err
	}
	for i := range msgs {
		if err := enqueue(&msgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// Subscribe signs a supporter up for the newsletter.
func (c *Core) Subscribe(ctx context.Context, sub store.Subscribe, compose store.ComposeSubscription) (store.Subscribed, error) {
	var res store.Subscribed
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if res.SupporterID, res.NewSupporter, res.Confirmed, err = c.UpsertSupporter(c.runner(ctx, tx), sub.Supporter, sub.Now); err != nil {
			return err
		}
		// A confirmed address: nothing is stored until the link sent to the
		// mailbox is used (ConfirmSupporter).
		if !res.Confirmed {
			consent := sub.Consent
			// Pending until the link sent to the mailbox is used.
			if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO consents (supporter_id, key, text, given, source, at, pending)
				VALUES (?, ?, ?, true, ?, ?, true)`), res.SupporterID, CleanText(consent.Key), CleanText(consent.Text),
				CleanText(consent.Source), c.instant(sub.Now)); err != nil {
				return err
			}
			if err := c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventSubscription, SupporterID: res.SupporterID,
				At: sub.Now}); err != nil {
				return err
			}
		}
		return EnqueueComposed(compose, res, func(m *model.OutboxMessage) error { return c.EnqueueTx(ctx, tx, m, sub.Now) })
	})
	if err != nil {
		return res, c.errorf("subscribe: %w", c.d.MapErr(err))
	}
	return res, nil
}

// lockRow locks one row of table for the transaction with the dialect's
// clause; "" (one writer at a time) locks nothing.
func (c *Core) lockRow(ctx context.Context, tx *sql.Tx, table string, id int64, lock string) error {
	if lock == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, c.rebind(`SELECT 1 FROM `+table+` WHERE id = ?`+lock), id)
	return err
}

// ConfirmParticipation confirms one participation and its supporter, and
// counts it the first time. Where rows are locked, it locks the action
// before the participation and the supporter: the order Participate takes
// them in.
func (c *Core) ConfirmParticipation(ctx context.Context, participationID int64, now time.Time) (model.Supporter, model.Action, error) {
	var supporterID, actionID int64
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT supporter_id, action_id FROM participations WHERE id = ?`),
			participationID).Scan(&supporterID, &actionID); err != nil {
			return err
		}
		if err := c.lockRow(ctx, tx, "actions", actionID, c.d.KeyLock); err != nil {
			return err
		}
		var before time.Time
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT confirmed_at FROM participations WHERE id = ?`+c.d.ForUpdate),
			participationID).Scan(at(&before)); err != nil {
			return err
		}
		if model.Counted(model.Participation{Confirmed: before}) {
			return nil // confirmed and counted already
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE participations SET confirmed_at = ? WHERE id = ?`),
			c.instant(now), participationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE actions SET count = count + 1 WHERE id = ?`), actionID); err != nil {
			return err
		}
		if err := c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventConfirmation, SupporterID: supporterID,
			ParticipationID: participationID, At: now}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE supporters SET updated_at = CASE WHEN confirmed_at IS NULL THEN ? ELSE updated_at END,
			confirmed_at = COALESCE(confirmed_at, ?) WHERE id = ?`), c.instant(now), c.instant(now), supporterID); err != nil {
			return err
		}
		// An appeal on an open action goes to its targets.
		_, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO appeal_deliveries (participation_id, target_id)
			SELECT ?, at.target_id FROM action_targets at JOIN actions a ON a.id = at.action_id
			WHERE at.action_id = ? AND a.kind = 'appeal' AND NOT a.closed AND (a.deadline IS NULL OR a.deadline > ?)
			ON CONFLICT DO NOTHING`), participationID, actionID, c.instant(now))
		return err
	})
	if err != nil {
		return model.Supporter{}, model.Action{}, c.errorf("confirm participation %d: %w", participationID, c.d.MapErr(err))
	}
	sup, err := c.Supporter(ctx, supporterID)
	if err != nil {
		return sup, model.Action{}, err
	}
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.id = ?`, actionID)
	if err != nil || len(actions) == 0 {
		return sup, model.Action{}, c.errorf("confirm participation %d: action: %w", participationID, err)
	}
	return sup, actions[0], nil
}

// RemoveParticipation deletes a participation and uncounts it when it was
// counted (confirmed). Where rows are locked, it locks the action, then
// the supporter, then deletes: the order Participate takes them in, so the
// two never wait on each other in a circle, and no participation can be
// added to the supporter between the check that they have nothing left and
// their deletion.
func (c *Core) RemoveParticipation(ctx context.Context, participationID int64, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var supporterID, actionID int64
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT supporter_id, action_id FROM participations WHERE id = ?`),
			participationID).Scan(&supporterID, &actionID); err != nil {
			return err
		}
		if err := c.lockRow(ctx, tx, "actions", actionID, c.d.KeyLock); err != nil {
			return err
		}
		if err := c.lockRow(ctx, tx, "supporters", supporterID, c.d.ForUpdate); err != nil {
			return err
		}
		// Removed by someone else while we waited: not found, as one writer
		// at a time says to the second of two removals.
		var confirmed time.Time
		if err := tx.QueryRowContext(ctx, c.rebind(`DELETE FROM participations WHERE id = ? RETURNING action_id, confirmed_at`),
			participationID).Scan(&actionID, at(&confirmed)); err != nil {
			return err
		}
		if model.Counted(model.Participation{Confirmed: confirmed}) {
			if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE actions SET count = CASE WHEN count > 0 THEN count - 1 ELSE 0 END
				WHERE id = ?`), actionID); err != nil {
				return err
			}
		}
		// Someone who never confirmed and has nothing left is forgotten,
		// by webhook receivers too.
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM supporters WHERE id = ? AND confirmed_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM participations WHERE supporter_id = supporters.id)`), supporterID); err != nil {
			return err
		}
		return c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventErasure, SupporterID: supporterID, At: now, Gone: true})
	})
	if err != nil {
		return c.errorf("remove participation %d: %w", participationID, c.d.MapErr(err))
	}
	return nil
}

// Unsubscribe records that the supporter wants no more email.
// Receivers of webhooks are told the first time.
func (c *Core) Unsubscribe(ctx context.Context, supporterID int64, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var before time.Time
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT unsubscribed_at FROM supporters WHERE id = ?`+c.d.ForUpdate),
			supporterID).Scan(at(&before)); err != nil {
			return c.d.MapErr(err)
		}
		if !before.IsZero() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE supporters SET updated_at = ?, unsubscribed_at = ? WHERE id = ?`),
			c.instant(now), c.instant(now), supporterID); err != nil {
			return err
		}
		return c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventUnsubscription, SupporterID: supporterID, At: now})
	})
	if err != nil {
		return c.errorf("unsubscribe %d: %w", supporterID, err)
	}
	return nil
}

// Supporter returns a supporter with their fields opened.
func (c *Core) Supporter(ctx context.Context, id int64) (model.Supporter, error) {
	sup, err := c.supporterTx(ctx, c.db, id)
	if err != nil {
		return sup, c.errorf("supporter %d: %w", id, err)
	}
	return sup, nil
}

// SupporterByEmail finds a supporter through the blind index.
func (c *Core) SupporterByEmail(ctx context.Context, normalisedEmail string) (model.Supporter, error) {
	sup, err := c.scanSupporter(c.db.QueryRowContext(ctx, c.rebind(`SELECT `+staffSupporterColumns+`
		FROM supporters s WHERE s.email_index = ?`), c.keys.BlindIndex(normalisedEmail)))
	if err != nil {
		return sup, c.errorf("supporter by email: %w", err)
	}
	return sup, nil
}

// ParticipationsOf lists a supporter's participations, oldest first.
func (c *Core) ParticipationsOf(ctx context.Context, supporterID int64) ([]model.Participation, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT id FROM participations WHERE supporter_id = ? ORDER BY id`), supporterID)
	if err != nil {
		return nil, c.errorf("participations of %d: %w", supporterID, err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, c.errorf("participations of %d: %w", supporterID, err)
	}
	out := make([]model.Participation, 0, len(ids))
	for _, id := range ids {
		p, err := c.Participation(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
