package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// HoldChunk bounds the rows one hold transaction rewrites: holding a wave
// of signatures' emails in one statement kept the write lock for a tenth
// of a second or more, and every signature waited behind it. A variable
// so that a test can cross chunks with a few rows.
var HoldChunk = 500

// HoldQueued marks every queued message held (no SMTP server is
// configured) and returns how many, a few hundred per transaction so that
// writers in between wait little.
func (c *Core) HoldQueued(ctx context.Context) (int, error) {
	total := 0
	for {
		res, err := c.write(ctx, c.q(`UPDATE outbox SET state = 'held'
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
		res, err := c.write(ctx, c.q(`UPDATE outbox SET sealed = ? WHERE id IN (SELECT id FROM outbox
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
			res, err := tx.ExecContext(ctx, c.q(markSent), c.instant(m.At), m.ID)
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

// ActionOfParticipation returns the id, slug, kind and title of a
// participation's action: what its emails say of it, in one small query
// (the worker composes an email from it for every signature).
func (c *Core) ActionOfParticipation(ctx context.Context, participationID int64) (model.Action, error) {
	var a model.Action
	err := c.db.QueryRowContext(ctx, c.q(`SELECT a.id, a.slug, a.kind, a.title FROM participations p
		JOIN actions a ON a.id = p.action_id WHERE p.id = ?`), participationID).Scan(&a.ID, &a.Slug, &a.Kind, &a.Title)
	if err != nil {
		return a, c.errorf("action of participation %d: %w", participationID, c.d.MapErr(err))
	}
	return a, nil
}
