package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"vigil/internal/model"
)

// ErrUpdateHidden stops queuing an update that was taken down.
var ErrUpdateHidden = errors.New("the update was unpublished")

// UpdateByID returns one update, with its case's language and its
// translations.
func (c *Core) UpdateByID(ctx context.Context, id int64) (model.Update, error) {
	u := model.Update{ID: id}
	err := c.db.QueryRowContext(ctx, c.rebind(`SELECT u.case_id, u.number, u.title, u.body, u.final, u.published_at,
		u.close_actions, u.new_status, u.hidden_at, c.lang FROM updates u JOIN cases c ON c.id = u.case_id WHERE u.id = ?`), id).
		Scan(&u.CaseID, &u.Number, &u.Title, &u.Body, &u.Final, at(&u.Published), &u.CloseActions, &u.Status, at(&u.Hidden), &u.Lang)
	if err == nil {
		u.Translations, err = c.translationsOf(ctx, c.db, model.KindUpdate, u.ID)
	}
	if err != nil {
		return u, c.errorf("update %d: %w", id, c.d.MapErr(err))
	}
	return u, nil
}

// audience selects the supporters an update of a case reaches, as
// model.ReceivesUpdates says for one: neither unsubscribed nor erased, with
// a confirmed participation in one of the case's actions and no "updates"
// consent declined with it, and no opt-out of this case's updates. The rule is applied here in the database, which
// holds far more supporters than a job could read; rules_test.go checks
// that both pick the same supporters.
const audience = `FROM supporters s WHERE s.unsubscribed_at IS NULL AND s.erased_at IS NULL AND EXISTS (
	SELECT 1 FROM participations p JOIN actions a ON a.id = p.action_id
	WHERE p.supporter_id = s.id AND a.case_id = ? AND p.confirmed_at IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM consents cn WHERE cn.participation_id = p.id
		AND cn.key = '` + model.ConsentUpdates + `' AND NOT cn.given)
	AND NOT EXISTS (SELECT 1 FROM update_optouts o WHERE o.supporter_id = s.id AND o.case_id = a.case_id))`

// UpdateAudience counts an update's audience by language.
func (c *Core) UpdateAudience(ctx context.Context, caseID int64) (map[string]int, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT s.lang, COUNT(*) `+audience+` GROUP BY s.lang`), caseID)
	if err != nil {
		return nil, c.errorf("update audience: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var lang string
		var n int
		if err := rows.Scan(&lang, &n); err != nil {
			return nil, c.errorf("update audience: %w", err)
		}
		out[lang] = n
	}
	return out, rows.Err()
}

// tellBatch is how many messages one transaction queues.
const tellBatch = 500

// QueueUpdateMessages queues one message per supporter of the audience.
func (c *Core) QueueUpdateMessages(ctx context.Context, caseID, updateID int64, now time.Time, compose func(model.Supporter) (model.OutboxMessage, error)) (int, error) {
	queued := 0
	var after int64
	for {
		// An update taken down while its messages are queued stops them.
		var hidden time.Time
		if err := c.db.QueryRowContext(ctx, c.rebind(`SELECT hidden_at FROM updates WHERE id = ?`), updateID).Scan(at(&hidden)); err != nil {
			return queued, c.errorf("queue update %d: %w", updateID, c.d.MapErr(err))
		}
		if !hidden.IsZero() {
			return queued, c.errorf("queue update %d: %w", updateID, ErrUpdateHidden)
		}
		batch, err := c.audienceAfter(ctx, caseID, after)
		if err != nil {
			return queued, c.errorf("queue update %d: %w", updateID, err)
		}
		if len(batch) == 0 {
			return queued, nil
		}
		after = batch[len(batch)-1].ID
		messages := make([]model.OutboxMessage, 0, len(batch))
		for _, sup := range batch {
			m, err := compose(sup)
			if err != nil {
				return queued, c.errorf("queue update %d: %w", updateID, err)
			}
			m.UpdateID, m.SupporterID = updateID, sup.ID
			messages = append(messages, m)
		}
		err = c.d.InTx(ctx, func(tx *sql.Tx) error {
			n := 0
			for i := range messages {
				added, err := c.insertMessageOnce(ctx, tx, &messages[i], now)
				if err != nil {
					return err
				}
				if added {
					n++
				}
			}
			queued += n
			return nil
		})
		if err != nil {
			return queued, c.errorf("queue update %d: %w", updateID, err)
		}
	}
}

// audienceAfter reads the next batch of the audience, by supporter ID, with
// name, email and language opened.
func (c *Core) audienceAfter(ctx context.Context, caseID, after int64) ([]model.Supporter, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT s.id, s.email_sealed, s.name_sealed, s.lang `+audience+`
		AND s.id > ? ORDER BY s.id LIMIT ?`), caseID, after, tellBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Supporter
	for rows.Next() {
		var sup model.Supporter
		var email, name []byte
		if err := rows.Scan(&sup.ID, &email, &name, &sup.Lang); err != nil {
			return nil, err
		}
		if sup.Email, err = c.open(email, "supporters", "email", sup.ID); err != nil {
			return nil, err
		}
		if sup.Name, err = c.open(name, "supporters", "name", sup.ID); err != nil {
			return nil, err
		}
		out = append(out, sup)
	}
	return out, rows.Err()
}

// insertMessageOnce queues a message unless one with its Message-ID is
// there already.
func (c *Core) insertMessageOnce(ctx context.Context, tx *sql.Tx, m *model.OutboxMessage, now time.Time) (bool, error) {
	if err := m.Prepare(now); err != nil {
		return false, err
	}
	// Only to a supporter still reachable now: one erased or unsubscribed
	// since the batch was read gets nothing.
	res, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO outbox (message_id, kind, state, sealed,
			supporter_id, participation_id, target_id, update_id, attempts, next_attempt_at, created_at, last_error)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, '' WHERE EXISTS (
			SELECT 1 FROM supporters WHERE id = ? AND erased_at IS NULL AND unsubscribed_at IS NULL)
		ON CONFLICT (message_id) DO NOTHING`),
		m.MessageID, m.Kind, string(m.State), m.Sealed, nullID(m.SupporterID), nullID(m.ParticipationID),
		nullID(m.TargetID), nullID(m.UpdateID), c.instant(m.NextAttemptAt), c.instant(m.CreatedAt), m.SupporterID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UpdateProgress counts an update's messages by state.
func (c *Core) UpdateProgress(ctx context.Context, updateID int64) (map[model.MessageState]int, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT state, COUNT(*) FROM outbox WHERE update_id = ? GROUP BY state`), updateID)
	if err != nil {
		return nil, c.errorf("update progress: %w", err)
	}
	defer rows.Close()
	out := map[model.MessageState]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, c.errorf("update progress: %w", err)
		}
		out[model.MessageState(state)] = n
	}
	return out, rows.Err()
}

// SaveUpdateDraft keeps the update an editor is writing for a case,
// refusing to replace a draft saved since the editor read it.
func (c *Core) SaveUpdateDraft(ctx context.Context, caseID int64, u model.Update, read, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var saved time.Time
		err := tx.QueryRowContext(ctx, c.rebind(`SELECT saved_at FROM update_drafts WHERE case_id = ?`+c.d.ForUpdate), caseID).Scan(at(&saved))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if !read.IsZero() {
				return model.ErrStale // published or dropped meanwhile
			}
		case err != nil:
			return err
		case !saved.Equal(read.UTC().Truncate(time.Millisecond)):
			return model.ErrStale
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO update_drafts (case_id, title, body, final, close_actions, new_status, saved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET title = excluded.title, body = excluded.body,
			final = excluded.final, close_actions = excluded.close_actions, new_status = excluded.new_status,
			saved_at = excluded.saved_at`), caseID, u.Title, u.Body, u.Final, u.CloseActions, u.Status, c.instant(now)); err != nil {
			return c.d.MapErr(err)
		}
		return c.audit(ctx, tx, "update.draft", "case", caseID, nil, u)
	})
	if err != nil {
		return c.errorf("save update draft of %d: %w", caseID, err)
	}
	return nil
}

// UpdateDraft returns the case's draft update.
func (c *Core) UpdateDraft(ctx context.Context, caseID int64) (model.Update, error) {
	u := model.Update{CaseID: caseID}
	err := c.db.QueryRowContext(ctx, c.rebind(`SELECT title, body, final, close_actions, new_status, saved_at
		FROM update_drafts WHERE case_id = ?`), caseID).Scan(&u.Title, &u.Body, &u.Final, &u.CloseActions, &u.Status, at(&u.Published))
	if err != nil {
		return u, c.errorf("update draft of %d: %w", caseID, c.d.MapErr(err))
	}
	return u, nil
}

// HideUpdate takes an update off the public pages, or puts it back.
func (c *Core) HideUpdate(ctx context.Context, updateID int64, when time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var caseID int64
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT case_id FROM updates WHERE id = ?`), updateID).Scan(&caseID); err != nil {
			return c.d.MapErr(err)
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE updates SET hidden_at = ? WHERE id = ?`), c.instant(when), updateID); err != nil {
			return err
		}
		// The case page changed under anyone editing the case.
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE cases SET version = version + 1 WHERE id = ?`), caseID); err != nil {
			return err
		}
		action := "update.unpublish"
		if when.IsZero() {
			action = "update.republish"
		}
		return c.audit(ctx, tx, action, "update", updateID, nil, nil)
	})
	if err != nil {
		return c.errorf("hide update %d: %w", updateID, err)
	}
	return nil
}
