package sqlcore

import (
	"context"
	"database/sql"

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

// MarkAllSent records several deliveries in one transaction: one commit
// for a worker's batch, not one each.
func (c *Core) MarkAllSent(ctx context.Context, sent []store.Sent) error {
	if len(sent) == 0 {
		return nil
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		for _, m := range sent {
			if _, err := tx.ExecContext(ctx, c.q(`UPDATE outbox SET state = 'sent', sent_at = ?, lease_until = NULL
				WHERE id = ?`), c.instant(m.At), m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c.errorf("mark %d sent: %w", len(sent), c.d.MapErr(err))
	}
	return nil
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
