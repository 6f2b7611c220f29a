package sqlcore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// ---- receivers

func webhookView(w model.Webhook) map[string]string {
	return map[string]string{"url": w.URL, "events": strings.Join(w.Events, ",")}
}

// CreateWebhook stores a receiver with its secret sealed.
func (c *Core) CreateWebhook(ctx context.Context, w *model.Webhook) error {
	if w.Created.IsZero() {
		return c.errorf("create webhook: %w", errNoTime)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		// The secret is bound to the row's id: insert, then seal.
		if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO webhooks (url, secret_sealed, events, created_at, created_by)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), w.URL, []byte{}, strings.Join(w.Events, ","), c.instant(w.Created),
			w.CreatedBy).Scan(&w.ID); err != nil {
			return c.d.MapErr(err)
		}
		sealed := c.keys.SealString(w.Secret, secret.AD("webhooks", "secret", w.ID))
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE webhooks SET secret_sealed = ? WHERE id = ?`), sealed, w.ID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "webhook.add", "webhook", w.ID, nil, webhookView(*w))
	})
	if err != nil {
		return c.errorf("create webhook: %w", err)
	}
	return nil
}

// Webhooks lists the receivers not removed, oldest first.
func (c *Core) Webhooks(ctx context.Context) ([]model.Webhook, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT id, url, secret_sealed, events, created_at, created_by FROM webhooks
		WHERE removed_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, c.errorf("webhooks: %w", err)
	}
	defer rows.Close()
	var out []model.Webhook
	for rows.Next() {
		var w model.Webhook
		var sealed []byte
		var events string
		if err := rows.Scan(&w.ID, &w.URL, &sealed, &events, at(&w.Created), &w.CreatedBy); err != nil {
			return nil, c.errorf("webhooks: %w", err)
		}
		if w.Secret, err = c.open(sealed, "webhooks", "secret", w.ID); err != nil {
			return nil, c.errorf("webhooks: %w", err)
		}
		if events != "" {
			w.Events = strings.Split(events, ",")
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// RemoveWebhook stops a receiver.
func (c *Core) RemoveWebhook(ctx context.Context, id int64, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var url string
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT url FROM webhooks WHERE id = ? AND removed_at IS NULL`), id).
			Scan(&url); err != nil {
			return c.d.MapErr(err)
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE webhooks SET removed_at = ? WHERE id = ?`), c.instant(now), id); err != nil {
			return err
		}
		return c.audit(ctx, tx, "webhook.remove", "webhook", id, map[string]string{"url": url}, nil)
	})
	if err != nil {
		return c.errorf("remove webhook %d: %w", id, err)
	}
	return nil
}

// ---- deliveries

// HookEvent is one event to queue for the receivers that want it.
type HookEvent struct {
	Event           string
	SupporterID     int64
	ParticipationID int64 // 0: none
	At              time.Time
	// Gone: only if the supporter's row is gone (deleted in this
	// transaction, by a purge or a removal).
	Gone bool
}

// enqueueHooks is the statement that queues one event for every receiver
// wanting it: none when there is no receiver.
const enqueueHooks = `INSERT INTO webhook_deliveries (webhook_id, event, supporter_id, participation_id, state,
		next_attempt_at, created_at)
	SELECT id, ?, ?, ?, 'queued', ?, ? FROM webhooks
	WHERE removed_at IS NULL AND (events = '' OR instr(',' || events || ',', ?) > 0)`

// EnqueueHooks queues e, in the transaction of the event, through q.
func (c *Core) EnqueueHooks(q Runner, e HookEvent) error {
	var part any
	if e.ParticipationID != 0 {
		part = e.ParticipationID
	}
	query := enqueueHooks
	args := []any{e.Event, e.SupporterID, part, c.instant(e.At), c.instant(e.At), "," + e.Event + ","}
	if e.Gone {
		query += ` AND NOT EXISTS (SELECT 1 FROM supporters WHERE id = ?)`
		args = append(args, e.SupporterID)
	}
	if c.d.Numbered {
		query = strings.Replace(query, "instr(',' || events || ',', ?)", "strpos(',' || events || ',', ?)", 1)
	}
	_, err := q.Exec(c.rebind(query), args...)
	return err
}

const deliveryColumns = `d.id, d.webhook_id, d.event, COALESCE(d.supporter_id, 0), COALESCE(d.participation_id, 0), d.state,
	d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.sent_at`

func scanDeliveries(rows *sql.Rows) ([]model.WebhookDelivery, error) {
	defer rows.Close()
	var out []model.WebhookDelivery
	for rows.Next() {
		var d model.WebhookDelivery
		var state string
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.Event, &d.SupporterID, &d.ParticipationID, &state, &d.Attempts,
			at(&d.NextAttempt), &d.LastStatus, &d.LastError, at(&d.Created), at(&d.Sent)); err != nil {
			return nil, err
		}
		d.State = model.DeliveryState(state)
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimDeliveries leases due deliveries: on PostgreSQL the rows are
// picked with SKIP LOCKED, so claimers in several instances pass over
// each other's; on SQLite the statement runs alone.
func (c *Core) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, n int) ([]model.WebhookDelivery, error) {
	if n <= 0 {
		return nil, nil
	}
	var out []model.WebhookDelivery
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, c.rebind(`UPDATE webhook_deliveries SET state = 'sending', lease_until = ?,
				attempts = attempts + 1
			WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
				WHERE w.removed_at IS NULL AND ((d.state = 'queued' AND d.next_attempt_at <= ?)
					OR (d.state = 'sending' AND d.lease_until < ?))
				ORDER BY d.next_attempt_at, d.id LIMIT ?`+strings.Replace(c.d.SkipLocked, "FOR UPDATE", "FOR UPDATE OF d", 1)+`)
			RETURNING id`), c.instant(leaseUntil), c.instant(now), c.instant(now), n)
		if err != nil {
			return err
		}
		ids, err := scanIDs(rows)
		if err != nil || len(ids) == 0 {
			return err
		}
		args := make([]any, len(ids))
		marks := make([]string, len(ids))
		for i, id := range ids {
			args[i], marks[i] = id, "?"
		}
		rows, err = tx.QueryContext(ctx, c.rebind(`SELECT `+deliveryColumns+` FROM webhook_deliveries d
			WHERE d.id IN (`+strings.Join(marks, ", ")+`) ORDER BY d.next_attempt_at, d.id`), args...)
		if err != nil {
			return err
		}
		out, err = scanDeliveries(rows)
		return err
	})
	if err != nil {
		return nil, c.errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// MarkDelivery records an attempt's outcome.
func (c *Core) MarkDelivery(ctx context.Context, id int64, sent bool, at, next time.Time, status int, lastError string) error {
	state, sentAt, nextAt := string(model.DeliverySent), c.instant(at), c.instant(at)
	switch {
	case sent:
	case next.IsZero():
		state, sentAt = string(model.DeliveryFailed), nil
	default:
		state, sentAt, nextAt = string(model.DeliveryQueued), nil, c.instant(next)
	}
	if len(lastError) > 500 {
		lastError = lastError[:500]
	}
	if _, err := c.write(ctx, c.rebind(`UPDATE webhook_deliveries SET state = ?, sent_at = ?, next_attempt_at = ?,
		lease_until = NULL, last_status = ?, last_error = ? WHERE id = ?`), state, sentAt, nextAt, status, CleanText(lastError), id); err != nil {
		return c.errorf("mark delivery %d: %w", id, err)
	}
	return nil
}

// Deliveries lists a receiver's latest deliveries.
func (c *Core) Deliveries(ctx context.Context, webhookID int64, limit int) ([]model.WebhookDelivery, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+deliveryColumns+` FROM webhook_deliveries d
		WHERE d.webhook_id = ? ORDER BY d.id DESC LIMIT ?`), webhookID, limitOrAll(limit))
	if err != nil {
		return nil, c.errorf("deliveries: %w", err)
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, c.errorf("deliveries: %w", err)
	}
	return out, nil
}

// ResendDelivery queues a delivery again with fresh attempts.
func (c *Core) ResendDelivery(ctx context.Context, id int64, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, c.rebind(`UPDATE webhook_deliveries SET state = 'queued', attempts = 0,
			next_attempt_at = ?, lease_until = NULL WHERE id = ? AND state <> 'sending'`), c.instant(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return model.ErrNotFound
		}
		return c.audit(ctx, tx, "webhook.resend", "delivery", id, nil, nil)
	})
	if err != nil {
		return c.errorf("resend delivery %d: %w", id, err)
	}
	return nil
}

var _ store.Webhooks = (*Core)(nil)
