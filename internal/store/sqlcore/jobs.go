package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// JobHooks is what the background jobs' queries need of an adapter
// beyond the rest of the Dialect.
type JobHooks struct {
	// Enqueue writes an outbox message inside the job's transaction and
	// sets its ID (the adapter's own insert, until the outbox is shared).
	Enqueue func(ctx context.Context, tx *sql.Tx, m *model.OutboxMessage, now time.Time) error
	// KeyLock follows a SELECT to lock rows that other writers lock too,
	// without blocking the rows that refer to them (" FOR NO KEY UPDATE"):
	// cases before CloseExpired closes their actions, actions before
	// PurgeUnconfirmed deletes from them, supporters before a reminder.
	// "" where one writer at a time makes locks needless.
	KeyLock string
	// TakeTurns, where set, makes the transactions queueing one action's
	// appeals wait for each other across instances, as one writer at a
	// time makes them, so that the cap and the one digest a day hold.
	TakeTurns func(ctx context.Context, tx *sql.Tx, actionID int64) error
}

// CloseExpired closes actions past their deadline; cases left with no open
// action move to monitoring. Where rows are locked, the cases concerned
// are locked before their actions, the order PublishUpdate takes them in.
func (c *Core) CloseExpired(ctx context.Context, now time.Time) (int, error) {
	if now.IsZero() {
		return 0, c.errorf("close expired actions: %w", errNoTime)
	}
	var closed int
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		at := c.instant(now)
		if lock := c.d.Jobs.KeyLock; lock != "" {
			if _, err := tx.ExecContext(ctx, c.rebind(`SELECT 1 FROM cases WHERE id IN (SELECT case_id FROM actions
				WHERE NOT closed AND deadline IS NOT NULL AND deadline <= ?) ORDER BY id`+lock), at); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, c.rebind(`UPDATE actions SET closed = ?, closed_at = deadline
			WHERE NOT closed AND deadline IS NOT NULL AND deadline <= ?`), true, at)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		closed = int(n)
		_, err = tx.ExecContext(ctx, c.rebind(`UPDATE cases SET status = 'monitoring', updated_at = ?
			WHERE status = 'active' AND EXISTS (SELECT 1 FROM actions WHERE case_id = cases.id)
			AND NOT EXISTS (SELECT 1 FROM actions WHERE case_id = cases.id AND NOT closed
				AND (deadline IS NULL OR deadline > ?))`), at, at)
		return err
	})
	if err != nil {
		return 0, c.errorf("close expired actions: %w", c.d.MapErr(err))
	}
	return closed, nil
}

// remindBatch is how many supporters one run of RemindUnconfirmed reminds
// at the most; the next run takes the rest.
const remindBatch = 500

// RemindUnconfirmed queues one reminder per unconfirmed supporter, about
// their oldest pending participation. Each supporter's row is locked and
// read again before they are marked reminded: two instances running the
// job at once send each reminder once.
func (c *Core) RemindUnconfirmed(ctx context.Context, before, now time.Time, compose func(store.Pending) (model.OutboxMessage, error)) (int, error) {
	if before.IsZero() || now.IsZero() {
		return 0, c.errorf("remind unconfirmed: %w", errNoTime)
	}
	var n int
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, c.rebind(`SELECT p.supporter_id, MIN(p.id) FROM participations p
			JOIN supporters s ON s.id = p.supporter_id
			WHERE p.confirmed_at IS NULL AND p.created_at < ? AND s.reminded_at IS NULL
			AND s.confirmed_at IS NULL AND s.unsubscribed_at IS NULL
			GROUP BY p.supporter_id ORDER BY p.supporter_id LIMIT ?`), c.instant(before), remindBatch)
		if err != nil {
			return err
		}
		pairs, err := idPairs(rows)
		if err != nil {
			return err
		}
		for _, pair := range pairs {
			var reminded time.Time
			err := tx.QueryRowContext(ctx, c.rebind(`SELECT reminded_at FROM supporters WHERE id = ?`+c.d.Jobs.KeyLock), pair[0]).
				Scan(at(&reminded))
			if errors.Is(err, sql.ErrNoRows) {
				continue // gone meanwhile
			}
			if err != nil {
				return err
			}
			if !reminded.IsZero() {
				continue // reminded meanwhile, by another instance
			}
			if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE supporters SET reminded_at = ? WHERE id = ?`), c.instant(now), pair[0]); err != nil {
				return err
			}
			// The oldest of their participations that still earns a
			// reminder (one on a closed action does not), or none: marked
			// all the same, one reminder a supporter.
			pending, due, err := c.firstDue(ctx, tx, pair[0], reminded, before, now)
			if err != nil {
				return err
			}
			if !due {
				continue
			}
			m, err := compose(pending)
			if err != nil {
				return err
			}
			if err := c.d.Jobs.Enqueue(ctx, tx, &m, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, c.errorf("remind unconfirmed: %w", c.d.MapErr(err))
	}
	return n, nil
}

// firstDue finds a supporter's oldest unconfirmed participation that
// earns a reminder (model.ReminderDue), with what the reminder needs.
func (c *Core) firstDue(ctx context.Context, tx *sql.Tx, supporterID int64, reminded, before, now time.Time) (store.Pending, bool, error) {
	rows, err := tx.QueryContext(ctx, c.rebind(`SELECT id FROM participations
		WHERE supporter_id = ? AND confirmed_at IS NULL AND created_at < ? ORDER BY id`), supporterID, c.instant(before))
	if err != nil {
		return store.Pending{}, false, err
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return store.Pending{}, false, err
	}
	for _, id := range ids {
		p, err := c.pending(ctx, tx, supporterID, id)
		if err != nil {
			return p, false, err
		}
		if model.ReminderDue(p.Participation, p.Supporter, reminded, p.Action, before, now) {
			return p, true, nil
		}
	}
	return store.Pending{}, false, nil
}

// pending reads what a reminder about one participation needs.
func (c *Core) pending(ctx context.Context, tx *sql.Tx, supporterID, participationID int64) (store.Pending, error) {
	var p store.Pending
	var err error
	if p.Supporter, err = c.supporterTx(ctx, tx, supporterID); err != nil {
		return p, err
	}
	if p.Participation, err = c.participationTx(ctx, tx, participationID); err != nil {
		return p, err
	}
	actions, err := c.QueryActions(ctx, tx, `WHERE a.id = ?`, p.Participation.ActionID)
	if err != nil {
		return p, err
	}
	if len(actions) == 0 {
		return p, model.ErrNotFound
	}
	p.Action = actions[0]
	return p, nil
}

func (c *Core) supporterTx(ctx context.Context, q Querier, id int64) (model.Supporter, error) {
	return c.scanSupporter(q.QueryRowContext(ctx, c.rebind(`SELECT `+staffSupporterColumns+` FROM supporters s WHERE s.id = ?`), id))
}

// Participation returns one participation with its fields opened.
func (c *Core) Participation(ctx context.Context, id int64) (model.Participation, error) {
	p, err := c.participationTx(ctx, c.db, id)
	if err != nil {
		return p, c.errorf("%w", err)
	}
	return p, nil
}

// participationTx reads one participation with its fields opened.
func (c *Core) participationTx(ctx context.Context, q Querier, id int64) (model.Participation, error) {
	var p model.Participation
	var subject, letter, comment []byte
	err := q.QueryRowContext(ctx, c.rebind(`SELECT id, supporter_id, action_id, created_at, confirmed_at, subject_sealed, letter_sealed,
			comment_sealed, referrer, share_code, ip_hash, agent_class, fill_ms FROM participations WHERE id = ?`), id).
		Scan(&p.ID, &p.SupporterID, &p.ActionID, at(&p.Created), at(&p.Confirmed), &subject, &letter, &comment, &p.Referrer,
			&p.ShareCode, &p.IPHash, &p.AgentClass, &p.FillMillis)
	if err != nil {
		return p, fmt.Errorf("participation %d: %w", id, c.d.MapErr(err))
	}
	if p.Subject, err = c.open(subject, "participations", "subject", id); err != nil {
		return p, err
	}
	if p.Letter, err = c.open(letter, "participations", "letter", id); err != nil {
		return p, err
	}
	if p.Comment, err = c.open(comment, "participations", "comment", id); err != nil {
		return p, err
	}
	return p, nil
}

// idPairs reads rows of two ids and closes them.
func idPairs(rows *sql.Rows) ([][2]int64, error) {
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out = append(out, [2]int64{a, b})
	}
	return out, rows.Err()
}

// purgeChunk bounds the ids one DELETE names.
const purgeChunk = 500

// PurgeUnconfirmed deletes old unconfirmed participations, then the
// supporters left with nothing who never confirmed. Where rows are locked,
// it locks the actions (in slug order, as a batch of participations does),
// then the supporters it may delete, before deleting anything: the order
// Participate and RemoveParticipation take them in. A supporter is deleted
// only if, with their row locked, they still have nothing left, so a
// participation added at that moment is never lost with them.
func (c *Core) PurgeUnconfirmed(ctx context.Context, before, now time.Time) (int, error) {
	if before.IsZero() || now.IsZero() {
		return 0, c.errorf("purge unconfirmed: %w", errNoTime)
	}
	var n int
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		n = 0
		at := c.instant(before)
		if lock := c.d.Jobs.KeyLock; lock != "" {
			if _, err := tx.ExecContext(ctx, c.rebind(`SELECT 1 FROM actions WHERE id IN (SELECT action_id FROM participations
				WHERE confirmed_at IS NULL AND created_at < ?) ORDER BY slug`+c.d.CodePointOrder+lock), at); err != nil {
				return err
			}
		}
		participations, err := c.purgeable(ctx, tx, before, `SELECT id, created_at, confirmed_at FROM participations
			WHERE confirmed_at IS NULL AND created_at < ? ORDER BY id`, at)
		if err != nil {
			return err
		}
		// Supporters who never confirmed and will have nothing left.
		supporters, err := c.purgeable(ctx, tx, before, `SELECT id, created_at, confirmed_at FROM supporters s
			WHERE confirmed_at IS NULL AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM participations p WHERE p.supporter_id = s.id
				AND NOT (p.confirmed_at IS NULL AND p.created_at < ?))
			ORDER BY id`+c.d.ForUpdate, at, at)
		if err != nil {
			return err
		}
		// Unconfirmed participations were never counted: the counts stay.
		if n, err = c.deleteIDs(ctx, tx, `DELETE FROM participations WHERE confirmed_at IS NULL AND id IN`, participations); err != nil {
			return err
		}
		if _, err = c.deleteIDs(ctx, tx, `DELETE FROM supporters WHERE confirmed_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM participations WHERE supporter_id = supporters.id) AND id IN`, supporters); err != nil {
			return err
		}
		// Webhook receivers told of their signatures forget them too.
		for _, id := range supporters {
			if err := c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventErasure, SupporterID: id, At: now, Gone: true}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, c.errorf("purge unconfirmed: %w", c.d.MapErr(err))
	}
	return n, nil
}

// purgeable runs a query of (id, created_at, confirmed_at) and keeps the
// ids model.PurgeDue deletes.
func (c *Core) purgeable(ctx context.Context, tx *sql.Tx, before time.Time, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, c.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		var created, confirmed time.Time
		if err := rows.Scan(&id, at(&created), at(&confirmed)); err != nil {
			return nil, err
		}
		if model.PurgeDue(created, confirmed, before) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

// deleteIDs runs a DELETE ending in "id IN" over ids, a chunk at a time,
// and returns how many rows it deleted.
func (c *Core) deleteIDs(ctx context.Context, tx *sql.Tx, query string, ids []int64) (int, error) {
	deleted := 0
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), purgeChunk)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		res, err := tx.ExecContext(ctx, c.rebind(query+" ("+strings.Repeat("?, ", len(chunk)-1)+"?)"), args...)
		if err != nil {
			return deleted, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return deleted, err
		}
		deleted += int(n)
	}
	return deleted, nil
}

// ActionsWithWaitingAppeals lists actions with confirmed appeals not queued.
func (c *Core) ActionsWithWaitingAppeals(ctx context.Context) ([]model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.id IN (SELECT p.action_id FROM appeal_deliveries d
		JOIN participations p ON p.id = d.participation_id
		WHERE d.queued_at IS NULL AND p.confirmed_at IS NOT NULL) ORDER BY a.id`)
	if err != nil {
		return nil, c.errorf("actions with waiting appeals: %w", err)
	}
	return actions, nil
}

// QueueAppeals queues an action's waiting appeals within the daily cap,
// or once a day as a digest (model.AppealRoom, model.DigestDue).
func (c *Core) QueueAppeals(ctx context.Context, q store.QueueAppeals, compose store.ComposeAppeals) (int, error) {
	if q.Now.IsZero() {
		return 0, c.errorf("queue appeals of action %d: %w", q.ActionID, errNoTime)
	}
	var queued int
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		queued = 0
		if c.d.Jobs.TakeTurns != nil {
			if err := c.d.Jobs.TakeTurns(ctx, tx, q.ActionID); err != nil {
				return err
			}
		}
		actions, err := c.QueryActions(ctx, tx, `WHERE a.id = ?`, q.ActionID)
		if err != nil {
			return err
		}
		if len(actions) == 0 {
			return model.ErrNotFound
		}
		a := actions[0]
		for _, t := range a.Targets {
			n, err := c.queueTarget(ctx, tx, q, a, t, compose)
			if err != nil {
				return err
			}
			queued += n
		}
		return nil
	})
	if err != nil {
		return 0, c.errorf("queue appeals of action %d: %w", q.ActionID, c.d.MapErr(err))
	}
	return queued, nil
}

// queueTarget queues what may go today of an action's appeals to one
// target.
func (c *Core) queueTarget(ctx context.Context, tx *sql.Tx, q store.QueueAppeals, a model.Action, t model.Target,
	compose store.ComposeAppeals) (int, error) {
	var today int
	var last time.Time
	if err := tx.QueryRowContext(ctx, c.rebind(`SELECT COUNT(*), MAX(d.queued_at) FROM appeal_deliveries d
		JOIN participations p ON p.id = d.participation_id
		WHERE d.target_id = ? AND p.action_id = ? AND d.queued_at >= ?`),
		t.ID, a.ID, c.instant(q.DayStart)).Scan(&today, at(&last)); err != nil {
		return 0, err
	}
	if q.Digest && !model.DigestDue(last, q.DayStart) {
		return 0, nil
	}
	room := model.AppealRoom(today, q.Cap)
	if room == 0 {
		return 0, nil // the rest waits for tomorrow; nothing is dropped
	}
	rows, err := tx.QueryContext(ctx, c.rebind(`SELECT p.id, p.supporter_id FROM appeal_deliveries d
		JOIN participations p ON p.id = d.participation_id
		WHERE d.target_id = ? AND p.action_id = ? AND d.queued_at IS NULL AND p.confirmed_at IS NOT NULL
		ORDER BY p.confirmed_at, p.id LIMIT ?`), t.ID, a.ID, room)
	if err != nil {
		return 0, err
	}
	pairs, err := idPairs(rows)
	if err != nil || len(pairs) == 0 {
		return 0, err
	}
	letters := make([]store.AppealLetter, 0, len(pairs))
	for _, pair := range pairs {
		part, err := c.participationTx(ctx, tx, pair[0])
		if err != nil {
			return 0, err
		}
		sup, err := c.supporterTx(ctx, tx, pair[1])
		if err != nil {
			return 0, err
		}
		letters = append(letters, store.AppealLetter{Supporter: sup, Participation: part})
	}
	msgs, err := compose(a, t, letters)
	if err != nil {
		return 0, err
	}
	if len(msgs) == 0 {
		return 0, fmt.Errorf("no message composed for %d appeals to target %d", len(letters), t.ID)
	}
	for i := range msgs {
		if err := c.d.Jobs.Enqueue(ctx, tx, &msgs[i], q.Now); err != nil {
			return 0, err
		}
	}
	for i, l := range letters {
		// One message per letter, or one digest for all.
		outboxID := msgs[0].ID
		if len(msgs) == len(letters) {
			outboxID = msgs[i].ID
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE appeal_deliveries SET queued_at = ?, outbox_id = ?
			WHERE participation_id = ? AND target_id = ?`), c.instant(q.Now), outboxID, l.Participation.ID, t.ID); err != nil {
			return 0, err
		}
	}
	return len(letters), nil
}

// AppealDeliveries reports where one appeal stands with each target.
func (c *Core) AppealDeliveries(ctx context.Context, participationID int64) ([]store.AppealDelivery, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT target_id, queued_at, delivered_at FROM appeal_deliveries
		WHERE participation_id = ? ORDER BY target_id`), participationID)
	if err != nil {
		return nil, c.errorf("appeal deliveries: %w", err)
	}
	defer rows.Close()
	var out []store.AppealDelivery
	for rows.Next() {
		var d store.AppealDelivery
		if err := rows.Scan(&d.TargetID, at(&d.Queued), at(&d.Delivered)); err != nil {
			return nil, c.errorf("appeal deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("appeal deliveries: %w", err)
	}
	return out, nil
}
