package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"vigil/internal/model"
)

// outboxColumns is the column list every outbox read scans with
// scanOutbox, in this order.
const outboxColumns = `id, message_id, kind, state, sealed, supporter_id, participation_id, target_id,
	attempts, next_attempt_at, lease_until, last_error, created_at, sent_at, lang`

type rowScanner interface{ Scan(dest ...any) error }

func scanOutbox(r rowScanner) (model.OutboxMessage, error) {
	var m model.OutboxMessage
	var state string
	var supporter, participation, target sql.NullInt64
	var next, lease, created, sent sql.NullString
	err := r.Scan(&m.ID, &m.MessageID, &m.Kind, &state, &m.Sealed, &supporter, &participation, &target,
		&m.Attempts, &next, &lease, &m.LastError, &created, &sent, &m.Lang)
	if err != nil {
		return m, err
	}
	m.State = model.MessageState(state)
	m.SupporterID = supporter.Int64
	m.ParticipationID = participation.Int64
	m.TargetID = target.Int64
	m.NextAttemptAt = parseTime(next)
	m.LeaseUntil = parseTime(lease)
	m.CreatedAt = parseTime(created)
	m.SentAt = parseTime(sent)
	return m, nil
}

// enqueueTx stores m inside tx, the transaction of the event that causes the
// message, and sets m.ID. Defaults: State queued, CreatedAt now, and
// NextAttemptAt CreatedAt (due at once). A taken MessageID is
// model.ErrConflict (through mapErr).
func enqueueTx(ctx context.Context, tx *sql.Tx, m *model.OutboxMessage, now time.Time) error {
	return enqueueWith(m, now, func(query string, args ...any) (sql.Result, error) {
		return tx.ExecContext(ctx, query, args...)
	})
}

// enqueuePrepared is enqueueTx through a prepared statement, for the hot
// path.
func enqueuePrepared(q runner, m *model.OutboxMessage, now time.Time) error {
	return enqueueWith(m, now, q.exec)
}

func enqueueWith(m *model.OutboxMessage, now time.Time, exec func(query string, args ...any) (sql.Result, error)) error {
	if err := m.Prepare(now); err != nil {
		return err
	}
	res, err := exec(`INSERT INTO outbox (message_id, kind, state, sealed,
			supporter_id, participation_id, target_id, attempts, next_attempt_at, lease_until,
			last_error, created_at, sent_at, lang)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.MessageID, m.Kind, string(m.State), m.Sealed,
		nullID(m.SupporterID), nullID(m.ParticipationID), nullID(m.TargetID), m.Attempts,
		formatTime(m.NextAttemptAt), nullTime(m.LeaseUntil), m.LastError,
		formatTime(m.CreatedAt), nullTime(m.SentAt), m.Lang)
	if err != nil {
		return mapErr(err)
	}
	m.ID, err = res.LastInsertId()
	return err
}

// EnqueueMessage stores a message on its own; see enqueueTx for defaults.
func (s *DB) EnqueueMessage(ctx context.Context, m *model.OutboxMessage) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error { return enqueueTx(ctx, tx, m, time.Time{}) })
	if err != nil {
		return fmt.Errorf("sqlite: enqueue message: %w", mapErr(err))
	}
	return nil
}

// ClaimMessages leases due messages in one immediate transaction (the DSN's
// _txlock), so concurrent claimers, in this process or another, queue on
// SQLite's write lock and never see the same row as claimable. The result is
// ordered by next attempt, then id. Queued rows and rows whose lease ran out
// are picked apart, each in the order of the index on (state,
// next_attempt_at), so a claim reads about n rows however long the queue:
// picked together (state = … OR state = …), every due row was read and
// sorted, and a backlog of a wave's emails made each claim slower.
func (s *DB) ClaimMessages(ctx context.Context, now, leaseUntil time.Time, n int) ([]model.OutboxMessage, error) {
	if n <= 0 {
		return nil, nil
	}
	var out []model.OutboxMessage
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		nowText := formatTime(now)
		rows, err := tx.QueryContext(ctx, `UPDATE outbox
			SET state = 'sending', lease_until = ?, attempts = attempts + 1
			WHERE id IN (
				SELECT id FROM (
					SELECT * FROM (SELECT id, next_attempt_at FROM outbox
						WHERE state = 'queued' AND next_attempt_at <= ?
						ORDER BY next_attempt_at, id LIMIT ?)
					UNION ALL
					SELECT * FROM (SELECT id, next_attempt_at FROM outbox
						WHERE state = 'sending' AND lease_until < ?
						ORDER BY next_attempt_at, id LIMIT ?))
				ORDER BY next_attempt_at, id
				LIMIT ?)
			RETURNING `+outboxColumns,
			formatTime(leaseUntil), nowText, n, nowText, n, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanOutbox(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim messages: %w", mapErr(err))
	}
	// RETURNING gives no order guarantee.
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// MarkRetry puts the message back in the queue. A message already sent (a
// late answer from a worker whose lease had run out while another one
// delivered it) is left as it is.
func (s *DB) MarkRetry(ctx context.Context, id int64, next time.Time, lastError string) error {
	return s.outboxUpdate(ctx, "mark retry", id, `UPDATE outbox
		SET state = 'queued', next_attempt_at = ?, lease_until = NULL, last_error = ?
		WHERE id = ? AND state <> 'sent'`, formatTime(next), lastError, id)
}

// MarkWaiting is MarkRetry giving the claimed attempt back.
func (s *DB) MarkWaiting(ctx context.Context, id int64, next time.Time, lastError string) error {
	return s.outboxUpdate(ctx, "mark waiting", id, `UPDATE outbox
		SET state = 'queued', next_attempt_at = ?, lease_until = NULL, last_error = ?, attempts = MAX(attempts - 1, 0)
		WHERE id = ? AND state <> 'sent'`, formatTime(next), lastError, id)
}

// MarkFailed gives up on the message; a message already sent is left as it
// is.
func (s *DB) MarkFailed(ctx context.Context, id int64, lastError string) error {
	return s.outboxUpdate(ctx, "mark failed", id, `UPDATE outbox
		SET state = 'failed', lease_until = NULL, last_error = ?
		WHERE id = ? AND state <> 'sent'`, lastError, id)
}

// outboxUpdate runs one update of message id; an unknown id is
// model.ErrNotFound.
func (s *DB) outboxUpdate(ctx context.Context, what string, id int64, query string, args ...any) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		return tx.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE id = ?`, id).Scan(&one)
	})
	if err != nil {
		return fmt.Errorf("sqlite: %s %d: %w", what, id, mapErr(err))
	}
	return nil
}

// ReleaseHeld puts held messages back in the queue, due at now.
func (s *DB) ReleaseHeld(ctx context.Context, now time.Time) (int, error) {
	res, err := s.write(ctx, `UPDATE outbox SET state = 'queued', next_attempt_at = ?
		WHERE state = 'held'`, formatTime(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: release held: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// OutboxCounts counts messages by state; every state is present, zero
// included.
func (s *DB) OutboxCounts(ctx context.Context) (map[model.MessageState]int, error) {
	counts := map[model.MessageState]int{
		model.MessageQueued: 0, model.MessageHeld: 0, model.MessageSending: 0,
		model.MessageSent: 0, model.MessageFailed: 0,
	}
	rows, err := s.db.QueryContext(ctx, `SELECT state, count(*) FROM outbox GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: outbox counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("sqlite: outbox counts: %w", err)
		}
		counts[model.MessageState(state)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: outbox counts: %w", err)
	}
	return counts, nil
}

// OutboxMessage returns one message.
func (s *DB) OutboxMessage(ctx context.Context, id int64) (model.OutboxMessage, error) {
	m, err := scanOutbox(s.db.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id))
	if err != nil {
		return m, fmt.Errorf("sqlite: outbox message %d: %w", id, mapErr(err))
	}
	return m, nil
}
