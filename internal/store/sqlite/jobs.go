package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// CloseExpired closes actions past their deadline; cases left with no open
// action move to monitoring.
func (s *DB) CloseExpired(ctx context.Context, now time.Time) (int, error) {
	var closed int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE actions SET closed = 1, closed_at = deadline
			WHERE closed = 0 AND deadline IS NOT NULL AND deadline <= ?`, formatTime(now))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		closed = int(n)
		_, err = tx.ExecContext(ctx, `UPDATE cases SET status = 'monitoring', updated_at = ?
			WHERE status = 'active' AND EXISTS (SELECT 1 FROM actions WHERE case_id = cases.id)
			AND NOT EXISTS (SELECT 1 FROM actions WHERE case_id = cases.id AND closed = 0
				AND (deadline IS NULL OR deadline > ?))`, formatTime(now), formatTime(now))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: close expired actions: %w", err)
	}
	return closed, nil
}

// RemindUnconfirmed queues one reminder per unconfirmed supporter.
func (s *DB) RemindUnconfirmed(ctx context.Context, before, now time.Time, compose func(store.Pending) (model.OutboxMessage, error)) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The oldest pending participation of each supporter not yet
		// reminded, on an action still open.
		rows, err := tx.QueryContext(ctx, `SELECT p.supporter_id, MIN(p.id) FROM participations p
			JOIN supporters s ON s.id = p.supporter_id
			WHERE p.confirmed_at IS NULL AND p.created_at < ? AND s.reminded_at IS NULL
			AND s.confirmed_at IS NULL AND s.unsubscribed_at IS NULL
			GROUP BY p.supporter_id LIMIT 500`, formatTime(before))
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
			if _, err := tx.ExecContext(ctx, `UPDATE supporters SET reminded_at = ? WHERE id = ?`, formatTime(now), pair[0]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: remind unconfirmed: %w", err)
	}
	return n, nil
}

func (s *DB) pendingTx(ctx context.Context, tx *sql.Tx, supporterID, participationID int64) (store.Pending, error) {
	var p store.Pending
	var err error
	if p.Supporter, err = s.scanSupporter(tx.QueryRowContext(ctx, `SELECT `+supporterColumns+` FROM supporters WHERE id = ?`, supporterID)); err != nil {
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

// PurgeUnconfirmed deletes old unconfirmed participations (never counted).
func (s *DB) PurgeUnconfirmed(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Unconfirmed participations were never counted: the counts stay.
		res, err := tx.ExecContext(ctx, `DELETE FROM participations WHERE confirmed_at IS NULL AND created_at < ?`,
			formatTime(before))
		if err != nil {
			return err
		}
		deleted, err := res.RowsAffected()
		if err != nil {
			return err
		}
		n = int(deleted)
		_, err = tx.ExecContext(ctx, `DELETE FROM supporters WHERE confirmed_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM participations WHERE supporter_id = supporters.id)
			AND created_at < ?`, formatTime(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge unconfirmed: %w", err)
	}
	return n, nil
}

// ActionsWithWaitingAppeals lists actions with confirmed appeals not queued.
func (s *DB) ActionsWithWaitingAppeals(ctx context.Context) ([]model.Action, error) {
	actions, err := s.QueryActions(ctx, s.db, `WHERE a.id IN (SELECT p.action_id FROM appeal_deliveries d
		JOIN participations p ON p.id = d.participation_id
		WHERE d.queued_at IS NULL AND p.confirmed_at IS NOT NULL) ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: actions with waiting appeals: %w", err)
	}
	return actions, nil
}

// QueueAppeals queues an action's waiting appeals within the daily cap.
func (s *DB) QueueAppeals(ctx context.Context, q store.QueueAppeals, compose store.ComposeAppeals) (int, error) {
	var queued int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
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
				WHERE d.target_id = ? AND p.action_id = ? AND d.queued_at >= ?`,
				t.ID, a.ID, formatTime(q.DayStart)).Scan(&today); err != nil {
				return err
			}
			if q.Digest && today > 0 {
				continue // one digest per target per day
			}
			room := -1
			if q.Cap > 0 {
				room = q.Cap - today
				if room <= 0 {
					continue // the rest waits for tomorrow; nothing is dropped
				}
			}
			rows, err := tx.QueryContext(ctx, `SELECT p.id, p.supporter_id FROM appeal_deliveries d
				JOIN participations p ON p.id = d.participation_id
				WHERE d.target_id = ? AND p.action_id = ? AND d.queued_at IS NULL AND p.confirmed_at IS NOT NULL
				ORDER BY p.confirmed_at, p.id LIMIT ?`, t.ID, a.ID, room)
			if err != nil {
				return err
			}
			var ids [][2]int64
			for rows.Next() {
				var pid, sid int64
				if err := rows.Scan(&pid, &sid); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, [2]int64{pid, sid})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(ids) == 0 {
				continue
			}
			letters := make([]store.AppealLetter, 0, len(ids))
			for _, id := range ids {
				part, err := s.participationTx(ctx, tx, id[0])
				if err != nil {
					return err
				}
				sup, err := s.scanSupporter(tx.QueryRowContext(ctx, `SELECT `+supporterColumns+` FROM supporters WHERE id = ?`, id[1]))
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
				if _, err := tx.ExecContext(ctx, `UPDATE appeal_deliveries SET queued_at = ?, outbox_id = ?
					WHERE participation_id = ? AND target_id = ?`, formatTime(q.Now), outboxID, l.Participation.ID, t.ID); err != nil {
					return err
				}
			}
			queued += len(letters)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: queue appeals of action %d: %w", q.ActionID, mapErr(err))
	}
	return queued, nil
}

// AppealDeliveries reports where one appeal stands with each target.
func (s *DB) AppealDeliveries(ctx context.Context, participationID int64) ([]store.AppealDelivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT target_id, queued_at, delivered_at FROM appeal_deliveries
		WHERE participation_id = ? ORDER BY target_id`, participationID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: appeal deliveries: %w", err)
	}
	defer rows.Close()
	var out []store.AppealDelivery
	for rows.Next() {
		var d store.AppealDelivery
		var queued, delivered sql.NullString
		if err := rows.Scan(&d.TargetID, &queued, &delivered); err != nil {
			return nil, err
		}
		d.Queued, d.Delivered = parseTime(queued), parseTime(delivered)
		out = append(out, d)
	}
	return out, rows.Err()
}
