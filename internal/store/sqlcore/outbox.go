package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"vigil/internal/model"
	"vigil/internal/store"
)

// HoldChunk bounds the rows one hold transaction rewrites: holding a wave
// of signatures' emails in one statement kept the write lock far longer
// than a signature's commit, and every signature waited behind it (see
// BENCHMARKS.md, "Holding in chunks"). A variable
// so that a test can cross chunks with a few rows.
var HoldChunk = 500

// HoldQueued marks every queued message held (no SMTP server is
// configured) and returns how many, a few hundred per transaction so that
// writers in between wait little.
func (c *Core) HoldQueued(ctx context.Context) (int, error) {
	total := 0
	for {
		res, err := c.write(ctx, c.rebind(`UPDATE outbox SET state = 'held'
			WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' ORDER BY id LIMIT ?)`), HoldChunk)
		if err != nil {
			return total, c.errorf("hold queued: %w", c.d.MapErr(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, c.errorf("hold queued: %w", err)
		}
		total += int(n)
		if n < int64(HoldChunk) {
			return total, nil
		}
	}
}

// RetentionChunk bounds the rows one retention transaction rewrites, as
// HoldChunk does for holding.
var RetentionChunk = 500

// DropSentBodies empties the sealed body of messages sent before
// sentBefore, a few hundred per transaction. The partial index
// outbox_sent_bodies holds exactly the sent rows that still have a body,
// so the job that runs this every minute reads nothing when there is
// nothing to do.
func (c *Core) DropSentBodies(ctx context.Context, sentBefore time.Time) (int, error) {
	if sentBefore.IsZero() {
		return 0, c.errorf("drop sent bodies: %w", errNoTime)
	}
	total := 0
	for {
		res, err := c.write(ctx, c.rebind(`UPDATE outbox SET sealed = ? WHERE id IN (SELECT id FROM outbox
			WHERE state = 'sent' AND length(sealed) > 0 AND sent_at < ? ORDER BY sent_at LIMIT ?)`),
			[]byte{}, c.instant(sentBefore), RetentionChunk)
		if err != nil {
			return total, c.errorf("drop sent bodies: %w", c.d.MapErr(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, c.errorf("drop sent bodies: %w", err)
		}
		total += int(n)
		if n < int64(RetentionChunk) {
			return total, nil
		}
	}
}

// LastDeliveryError is the error of the queued message retried last: the
// one whose next attempt is the latest.
func (c *Core) LastDeliveryError(ctx context.Context) (store.DeliveryError, error) {
	var e store.DeliveryError
	err := c.db.QueryRowContext(ctx, `SELECT last_error, kind, next_attempt_at FROM outbox
		WHERE state = 'queued' AND last_error <> '' ORDER BY next_attempt_at DESC LIMIT 1`).
		Scan(&e.Error, &e.Kind, at(&e.NextAttempt))
	if errors.Is(err, sql.ErrNoRows) {
		return store.DeliveryError{}, nil
	}
	if err != nil {
		return e, c.errorf("last delivery error: %w", err)
	}
	return e, nil
}

// markSent records one delivery. (On PostgreSQL the
// outbox_sent_delivers_appeals trigger marks the message's appeals
// delivered in the same transaction.)
const markSent = `UPDATE outbox SET state = 'sent', sent_at = ?, lease_until = NULL WHERE id = ?`

// MarkSent records that the SMTP server accepted the message.
func (c *Core) MarkSent(ctx context.Context, id int64, at time.Time) error {
	n, err := c.markAllSent(ctx, []store.Sent{{ID: id, At: at}})
	if err == nil && n == 0 {
		err = model.ErrNotFound
	}
	if err != nil {
		return c.errorf("mark sent %d: %w", id, err)
	}
	return nil
}

// MarkAllSent records several deliveries in one transaction: one commit
// for a worker's batch, not one each.
func (c *Core) MarkAllSent(ctx context.Context, sent []store.Sent) error {
	if _, err := c.markAllSent(ctx, sent); err != nil {
		return c.errorf("mark %d sent: %w", len(sent), err)
	}
	return nil
}

// markAllSent runs markSent for each delivery, in one transaction, and
// returns how many rows it changed (ids no longer there are passed over).
func (c *Core) markAllSent(ctx context.Context, sent []store.Sent) (int64, error) {
	if len(sent) == 0 {
		return 0, nil
	}
	var changed int64
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		changed = 0
		for _, m := range sent {
			res, err := tx.ExecContext(ctx, c.rebind(markSent), c.instant(m.At), m.ID)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			changed += n
		}
		return nil
	})
	return changed, c.d.MapErr(err)
}

// ActionOfParticipation returns the id, slug, language, kind and title of
// a participation's action, with its translations: what its emails say of
// it, in the supporter's language where translated, in two small queries
// (the worker composes an email from it for every signature).
func (c *Core) ActionOfParticipation(ctx context.Context, participationID int64) (model.Action, error) {
	var a model.Action
	err := c.db.QueryRowContext(ctx, c.rebind(`SELECT a.id, a.slug, a.lang, a.kind, a.title FROM participations p
		JOIN actions a ON a.id = p.action_id WHERE p.id = ?`), participationID).Scan(&a.ID, &a.Slug, &a.Lang, &a.Kind, &a.Title)
	if err == nil {
		a.Translations, err = c.translationsOf(ctx, c.db, model.KindAction, a.ID)
	}
	if err != nil {
		return a, c.errorf("action of participation %d: %w", participationID, c.d.MapErr(err))
	}
	return a, nil
}

// OutboxColumns is the column list every outbox read scans with
// ScanOutbox, in this order.
const OutboxColumns = `id, message_id, kind, state, sealed, supporter_id, participation_id, target_id,
	attempts, next_attempt_at, lease_until, last_error, created_at, sent_at, lang`

// ScanOutbox reads a row of OutboxColumns, its instants whichever way the
// database keeps them.
func ScanOutbox(r interface{ Scan(...any) error }) (model.OutboxMessage, error) {
	var m model.OutboxMessage
	var state string
	var supporter, participation, target sql.NullInt64
	err := r.Scan(&m.ID, &m.MessageID, &m.Kind, &state, &m.Sealed, &supporter, &participation, &target,
		&m.Attempts, at(&m.NextAttemptAt), at(&m.LeaseUntil), &m.LastError, at(&m.CreatedAt), at(&m.SentAt), &m.Lang)
	if err != nil {
		return m, err
	}
	m.State = model.MessageState(state)
	m.SupporterID = supporter.Int64
	m.ParticipationID = participation.Int64
	m.TargetID = target.Int64
	return m, nil
}

// CleanText makes a value from outside (a visitor's form, an SMTP server's
// reply) storable in a text column. SQLite keeps any bytes; PostgreSQL
// refuses a NUL and invalid UTF-8 and would fail the whole write, so a NUL
// is dropped and an invalid byte becomes U+FFFD, on both databases, so
// that both give back the same text. Valid text is unchanged. (Sealed
// fields are bytes and need none of this.)
func CleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// OutboxInsert is the one INSERT of a message, written with ? placeholders
// for the values OutboxRow gives.
const OutboxInsert = `INSERT INTO outbox (message_id, kind, state, sealed,
		supporter_id, participation_id, target_id, attempts, next_attempt_at, lease_until,
		last_error, created_at, sent_at, lang)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// OutboxRow prepares m to be stored at now (see model.OutboxMessage.Prepare
// for the defaults: State queued, CreatedAt now, NextAttemptAt CreatedAt,
// due at once) and returns its values for OutboxInsert in the dialect.
func (c *Core) OutboxRow(m *model.OutboxMessage, now time.Time) ([]any, error) {
	if err := m.Prepare(now); err != nil {
		return nil, err
	}
	return []any{m.MessageID, m.Kind, string(m.State), m.Sealed,
		nullID(m.SupporterID), nullID(m.ParticipationID), nullID(m.TargetID), m.Attempts,
		c.instant(m.NextAttemptAt), c.instant(m.LeaseUntil), CleanText(m.LastError),
		c.instant(m.CreatedAt), c.instant(m.SentAt), m.Lang}, nil
}

// EnqueueTx stores m inside tx, the transaction of the event that causes
// the message, and sets m.ID; see OutboxRow for the defaults. A taken
// MessageID is model.ErrConflict (through the dialect's MapErr).
func (c *Core) EnqueueTx(ctx context.Context, tx *sql.Tx, m *model.OutboxMessage, now time.Time) error {
	args, err := c.OutboxRow(m, now)
	if err != nil {
		return err
	}
	return c.d.MapErr(tx.QueryRowContext(ctx, c.rebind(OutboxInsert+` RETURNING id`), args...).Scan(&m.ID))
}

// EnqueueMessage stores a message on its own; see EnqueueTx. It has no
// time of its own to give: the message's CreatedAt is its time.
func (c *Core) EnqueueMessage(ctx context.Context, m *model.OutboxMessage) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error { return c.EnqueueTx(ctx, tx, m, time.Time{}) })
	if err != nil {
		return c.errorf("enqueue message: %w", c.d.MapErr(err))
	}
	return nil
}

// ClaimWith runs claim, an adapter's statement that leases due messages
// and returns them (RETURNING OutboxColumns), in a write transaction, and
// orders them by next attempt, then id: RETURNING gives no order
// guarantee. How rows are picked without two claimers taking the same one
// is what differs between the databases.
func (c *Core) ClaimWith(ctx context.Context, claim func(tx *sql.Tx) (*sql.Rows, error)) ([]model.OutboxMessage, error) {
	var out []model.OutboxMessage
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := claim(tx)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := ScanOutbox(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, c.errorf("claim messages: %w", c.d.MapErr(err))
	}
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
// delivered it) is left as it is. The error, often an SMTP server's reply,
// is made storable (see CleanText) so that recording it cannot fail.
func (c *Core) MarkRetry(ctx context.Context, id int64, next time.Time, lastError string) error {
	return c.outboxUpdate(ctx, "mark retry", id, `UPDATE outbox
		SET state = 'queued', next_attempt_at = ?, lease_until = NULL, last_error = ?
		WHERE id = ? AND state <> 'sent'`, c.instant(next), CleanText(lastError), id)
}

// MarkWaiting is MarkRetry giving the claimed attempt back.
func (c *Core) MarkWaiting(ctx context.Context, id int64, next time.Time, lastError string) error {
	return c.outboxUpdate(ctx, "mark waiting", id, `UPDATE outbox
		SET state = 'queued', next_attempt_at = ?, lease_until = NULL, last_error = ?,
			attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
		WHERE id = ? AND state <> 'sent'`, c.instant(next), CleanText(lastError), id)
}

// MarkFailed gives up on the message; a message already sent is left as it
// is.
func (c *Core) MarkFailed(ctx context.Context, id int64, lastError string) error {
	return c.outboxUpdate(ctx, "mark failed", id, `UPDATE outbox
		SET state = 'failed', lease_until = NULL, last_error = ?
		WHERE id = ? AND state <> 'sent'`, CleanText(lastError), id)
}

// outboxUpdate runs one update of message id, written with ?
// placeholders; an unknown id is model.ErrNotFound.
func (c *Core) outboxUpdate(ctx context.Context, what string, id int64, query string, args ...any) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, c.rebind(query), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		return tx.QueryRowContext(ctx, c.rebind(`SELECT 1 FROM outbox WHERE id = ?`), id).Scan(&one)
	})
	if err != nil {
		return c.errorf("%s %d: %w", what, id, c.d.MapErr(err))
	}
	return nil
}

// ReleaseHeld puts held messages back in the queue, due at now.
func (c *Core) ReleaseHeld(ctx context.Context, now time.Time) (int, error) {
	res, err := c.write(ctx, c.rebind(`UPDATE outbox SET state = 'queued', next_attempt_at = ?
		WHERE state = 'held'`), c.instant(now))
	if err != nil {
		return 0, c.errorf("release held: %w", c.d.MapErr(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// OutboxCounts counts messages by state; every state is present, zero
// included.
func (c *Core) OutboxCounts(ctx context.Context) (map[model.MessageState]int, error) {
	counts := map[model.MessageState]int{
		model.MessageQueued: 0, model.MessageHeld: 0, model.MessageSending: 0,
		model.MessageSent: 0, model.MessageFailed: 0,
	}
	rows, err := c.db.QueryContext(ctx, `SELECT state, count(*) FROM outbox GROUP BY state`)
	if err != nil {
		return nil, c.errorf("outbox counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, c.errorf("outbox counts: %w", err)
		}
		counts[model.MessageState(state)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("outbox counts: %w", err)
	}
	return counts, nil
}

// OutboxMessage returns one message.
func (c *Core) OutboxMessage(ctx context.Context, id int64) (model.OutboxMessage, error) {
	m, err := ScanOutbox(c.db.QueryRowContext(ctx, c.rebind(`SELECT `+OutboxColumns+` FROM outbox WHERE id = ?`), id))
	if err != nil {
		return m, c.errorf("outbox message %d: %w", id, c.d.MapErr(err))
	}
	return m, nil
}
