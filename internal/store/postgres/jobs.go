package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// CloseExpired closes actions past their deadline; cases left with no open
// action move to monitoring. The cases concerned are locked before their
// actions, the order PublishUpdate takes them in.
func (s *DB) CloseExpired(ctx context.Context, now time.Time) (int, error) {
	var closed int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		at := instant(now)
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM cases WHERE id IN (SELECT case_id FROM actions
			WHERE NOT closed AND deadline IS NOT NULL AND deadline <= $1) ORDER BY id FOR NO KEY UPDATE`, at); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE actions SET closed = true, closed_at = deadline
			WHERE NOT closed AND deadline IS NOT NULL AND deadline <= $1`, at)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		closed = int(n)
		_, err = tx.ExecContext(ctx, `UPDATE cases SET status = 'monitoring', updated_at = $1
			WHERE status = 'active' AND EXISTS (SELECT 1 FROM actions WHERE case_id = cases.id)
			AND NOT EXISTS (SELECT 1 FROM actions WHERE case_id = cases.id AND NOT closed
				AND (deadline IS NULL OR deadline > $1))`, at)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: close expired actions: %w", err)
	}
	return closed, nil
}

// RemindUnconfirmed queues one reminder per unconfirmed supporter. Each
// supporter is marked reminded before their reminder is written, and only
// if nobody has marked them since: two instances running the job at once
// send each reminder once.
func (s *DB) RemindUnconfirmed(ctx context.Context, before, now time.Time, compose func(store.Pending) (model.OutboxMessage, error)) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		// The oldest pending participation of each supporter not yet
		// reminded, on an action still open.
		rows, err := tx.QueryContext(ctx, `SELECT p.supporter_id, MIN(p.id) FROM participations p
			JOIN supporters s ON s.id = p.supporter_id
			WHERE p.confirmed_at IS NULL AND p.created_at < $1 AND s.reminded_at IS NULL
			AND s.confirmed_at IS NULL AND s.unsubscribed_at IS NULL
			GROUP BY p.supporter_id ORDER BY p.supporter_id LIMIT 500`, instant(before))
		if err != nil {
			return err
		}
		var pairs [][2]int64
		for rows.Next() {
			var sid, pid int64
			if err := rows.Scan(&sid, &pid); err != nil {
				rows.Close()
				return err
			}
			pairs = append(pairs, [2]int64{sid, pid})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, pair := range pairs {
			res, err := tx.ExecContext(ctx, `UPDATE supporters SET reminded_at = $1
				WHERE id = $2 AND reminded_at IS NULL AND confirmed_at IS NULL AND unsubscribed_at IS NULL`,
				instant(now), pair[0])
			if err != nil {
				return err
			}
			if marked, _ := res.RowsAffected(); marked == 0 {
				continue // reminded, confirmed, unsubscribed or gone meanwhile
			}
			pending, err := s.pendingTx(ctx, tx, pair[0], pair[1])
			if err != nil {
				return err
			}
			if pending.Action.IsOpen(now) {
				m, err := compose(pending)
				if err != nil {
					return err
				}
				if err := enqueueTx(ctx, tx, &m, now); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: remind unconfirmed: %w", err)
	}
	return n, nil
}

func (s *DB) pendingTx(ctx context.Context, tx *sql.Tx, supporterID, participationID int64) (store.Pending, error) {
	var p store.Pending
	var err error
	if p.Supporter, err = s.scanSupporter(tx.QueryRowContext(ctx, `SELECT `+supporterColumns+` FROM supporters WHERE id = $1`, supporterID)); err != nil {
		return p, err
	}
	if p.Participation, err = s.participationTx(ctx, tx, participationID); err != nil {
		return p, err
	}
	actions, err := s.QueryActions(ctx, tx, `WHERE a.id = ?`, p.Participation.ActionID)
	if err != nil {
		return p, err
	}
	if len(actions) == 0 {
		return p, model.ErrNotFound
	}
	p.Action = actions[0]
	return p, nil
}

// PurgeUnconfirmed deletes old unconfirmed participations. It locks the actions (in slug order, as a batch of participations
// does), then the supporters it may delete, before deleting anything: the
// order Participate and RemoveParticipation take them in. A supporter is
// deleted only if, with their row locked, they still have nothing left, so
// a participation added at that moment is never lost with them.
func (s *DB) PurgeUnconfirmed(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		at := instant(before)
		actionIDs, err := idList(ctx, tx, `SELECT id FROM actions WHERE id IN (SELECT action_id FROM participations
			WHERE confirmed_at IS NULL AND created_at < $1) ORDER BY slug COLLATE "C" FOR NO KEY UPDATE`, at)
		if err != nil {
			return err
		}
		// Supporters who never confirmed and will have nothing left.
		supporterIDs, err := idList(ctx, tx, `SELECT id FROM supporters s WHERE confirmed_at IS NULL AND created_at < $1
			AND NOT EXISTS (SELECT 1 FROM participations p WHERE p.supporter_id = s.id
				AND NOT (p.confirmed_at IS NULL AND p.created_at < $1))
			ORDER BY id FOR UPDATE`, at)
		if err != nil {
			return err
		}
		// Unconfirmed participations were never counted: the counts stay.
		res, err := tx.ExecContext(ctx, `DELETE FROM participations WHERE confirmed_at IS NULL AND created_at < $1
			AND action_id = ANY($2)`, at, actionIDs)
		if err != nil {
			return err
		}
		deleted, err := res.RowsAffected()
		if err != nil {
			return err
		}
		n = int(deleted)
		_, err = tx.ExecContext(ctx, `DELETE FROM supporters WHERE id = ANY($1) AND confirmed_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM participations WHERE supporter_id = supporters.id)
			AND created_at < $2`, supporterIDs, at)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: purge unconfirmed: %w", err)
	}
	return n, nil
}

// idList runs a query of one bigint column and returns its values.
func idList(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{} // an empty array, not NULL, for = ANY
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ActionsWithWaitingAppeals lists actions with confirmed appeals not queued.
func (s *DB) ActionsWithWaitingAppeals(ctx context.Context) ([]model.Action, error) {
	actions, err := s.QueryActions(ctx, s.db, `WHERE a.id IN (SELECT p.action_id FROM appeal_deliveries d
		JOIN participations p ON p.id = d.participation_id
		WHERE d.queued_at IS NULL AND p.confirmed_at IS NOT NULL) ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: actions with waiting appeals: %w", err)
	}
	return actions, nil
}

// queueAppealsLock is the first key of the transaction-level advisory lock
// QueueAppeals holds per action; the second is the action id.
const queueAppealsLock = 0x76676c31 // "vgl1"

// QueueAppeals queues an action's waiting appeals within the daily cap.
// Instances queueing the same action take turns through an advisory lock,
// as SQLite's single writer makes them, so the cap and the one digest a
// day hold across instances; the lock does not block participations.
func (s *DB) QueueAppeals(ctx context.Context, q store.QueueAppeals, compose store.ComposeAppeals) (int, error) {
	var queued int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		queued = 0
		// Two int4 keys; an id beyond int4 shares a lock with another
		// action, which only makes them wait for each other.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, ($2::bigint % 2147483647)::int)`,
			queueAppealsLock, q.ActionID); err != nil {
			return err
		}
		actions, err := s.QueryActions(ctx, tx, `WHERE a.id = ?`, q.ActionID)
		if err != nil {
			return err
		}
		if len(actions) == 0 {
			return model.ErrNotFound
		}
		a := actions[0]
		for _, t := range a.Targets {
			var today int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeal_deliveries d
				JOIN participations p ON p.id = d.participation_id
				WHERE d.target_id = $1 AND p.action_id = $2 AND d.queued_at >= $3`,
				t.ID, a.ID, instant(q.DayStart)).Scan(&today); err != nil {
				return err
			}
			if q.Digest && today > 0 {
				continue // one digest per target per day
			}
			var room any // NULL: no limit
			if q.Cap > 0 {
				left := q.Cap - today
				if left <= 0 {
					continue // the rest waits for tomorrow; nothing is dropped
				}
				room = left
			}
			rows, err := tx.QueryContext(ctx, `SELECT p.id, p.supporter_id FROM appeal_deliveries d
				JOIN participations p ON p.id = d.participation_id
				WHERE d.target_id = $1 AND p.action_id = $2 AND d.queued_at IS NULL AND p.confirmed_at IS NOT NULL
				ORDER BY p.confirmed_at, p.id LIMIT $3`, t.ID, a.ID, room)
			if err != nil {
				return err
			}
			var pairs [][2]int64
			for rows.Next() {
				var pid, sid int64
				if err := rows.Scan(&pid, &sid); err != nil {
					rows.Close()
					return err
				}
				pairs = append(pairs, [2]int64{pid, sid})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(pairs) == 0 {
				continue
			}
			letters := make([]store.AppealLetter, 0, len(pairs))
			for _, id := range pairs {
				part, err := s.participationTx(ctx, tx, id[0])
				if err != nil {
					return err
				}
				sup, err := s.scanSupporter(tx.QueryRowContext(ctx, `SELECT `+supporterColumns+` FROM supporters WHERE id = $1`, id[1]))
				if err != nil {
					return err
				}
				letters = append(letters, store.AppealLetter{Supporter: sup, Participation: part})
			}
			msgs, err := compose(a, t, letters)
			if err != nil {
				return err
			}
			for i := range msgs {
				if err := enqueueTx(ctx, tx, &msgs[i], q.Now); err != nil {
					return err
				}
			}
			for i, l := range letters {
				// One message per letter, or one digest for all.
				outboxID := msgs[0].ID
				if len(msgs) == len(letters) {
					outboxID = msgs[i].ID
				}
				if _, err := tx.ExecContext(ctx, `UPDATE appeal_deliveries SET queued_at = $1, outbox_id = $2
					WHERE participation_id = $3 AND target_id = $4`, instant(q.Now), outboxID, l.Participation.ID, t.ID); err != nil {
					return err
				}
			}
			queued += len(letters)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: queue appeals of action %d: %w", q.ActionID, mapErr(err))
	}
	return queued, nil
}

// AppealDeliveries reports where one appeal stands with each target.
func (s *DB) AppealDeliveries(ctx context.Context, participationID int64) ([]store.AppealDelivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT target_id, queued_at, delivered_at FROM appeal_deliveries
		WHERE participation_id = $1 ORDER BY target_id`, participationID)
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal deliveries: %w", err)
	}
	defer rows.Close()
	var out []store.AppealDelivery
	for rows.Next() {
		var d store.AppealDelivery
		var queued, delivered sql.NullTime
		if err := rows.Scan(&d.TargetID, &queued, &delivered); err != nil {
			return nil, err
		}
		d.Queued, d.Delivered = fromNull(queued), fromNull(delivered)
		out = append(out, d)
	}
	return out, rows.Err()
}
