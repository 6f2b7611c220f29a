package sqlcore

import (
	"context"
	"database/sql"
	"time"

	"vigil/internal/model"
)

const actionSelect = `SELECT a.id, a.slug, COALESCE(a.case_id, 0), COALESCE(c.slug, ''), a.lang, a.kind, a.title,
	a.summary, a.body, a.image_id, a.goal, a.count, a.deadline, a.closed, a.closing_text, a.delivery,
	a.subject, a.letter, a.published_at, a.send_from_hour, a.send_to_hour, a.time_zone, a.daily_cap, a.cc, a.bcc,
	a.test_recipient, a.version
	FROM actions a LEFT JOIN cases c ON c.id = a.case_id `

// QueryActions runs the action query with a WHERE/ORDER tail (written with
// ? placeholders) on q, and loads each action's image, targets, tags and
// consent requests.
func (c *Core) QueryActions(ctx context.Context, q Querier, tail string, args ...any) ([]model.Action, error) {
	rows, err := q.QueryContext(ctx, c.rebind(actionSelect+tail), args...)
	if err != nil {
		return nil, err
	}
	var actions []model.Action
	var imageIDs []int64
	for rows.Next() {
		var a model.Action
		var image sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Slug, &a.CaseID, &a.CaseSlug, &a.Lang, &a.Kind, &a.Title, &a.Summary, &a.Body,
			&image, &a.Goal, &a.Count, at(&a.Deadline), &a.Closed, &a.ClosingText, &a.Delivery, &a.Subject, &a.Letter,
			at(&a.Published), &a.SendFromHour, &a.SendToHour, &a.TimeZone, &a.DailyCap, &a.CC, &a.BCC, &a.TestRecipient,
			&a.Version); err != nil {
			rows.Close()
			return nil, err
		}
		actions = append(actions, a)
		imageIDs = append(imageIDs, image.Int64)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range actions {
		a := &actions[i]
		if a.Image, err = c.loadImage(ctx, q, imageIDs[i]); err != nil {
			return nil, err
		}
		if a.Tags, err = c.tagsOf(ctx, q, "action_tags", "action_id", a.ID); err != nil {
			return nil, err
		}
		if a.Targets, err = c.targetsOf(ctx, q, a.ID); err != nil {
			return nil, err
		}
		if a.Consents, err = c.consentRequestsOf(ctx, q, a.ID); err != nil {
			return nil, err
		}
		if a.Letters, err = c.lettersOf(ctx, q, a.ID); err != nil {
			return nil, err
		}
		if a.Translations, err = c.translationsOf(ctx, q, model.KindAction, a.ID); err != nil {
			return nil, err
		}
	}
	return actions, nil
}

// lettersOf reads an action's model letter in other languages; nil when
// there are none.
func (c *Core) lettersOf(ctx context.Context, q Querier, actionID int64) (map[string]model.Letter, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT lang, subject, letter FROM action_letters WHERE action_id = ?`), actionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out map[string]model.Letter
	for rows.Next() {
		var lang string
		var l model.Letter
		if err := rows.Scan(&lang, &l.Subject, &l.Text); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]model.Letter{}
		}
		out[lang] = l
	}
	return out, rows.Err()
}

const targetColumns = `t.id, t.name, t.title, t.organisation, t.address, t.email, t.salutation, t.lang, t.version`

func scanTarget(row interface{ Scan(...any) error }) (model.Target, error) {
	var t model.Target
	err := row.Scan(&t.ID, &t.Name, &t.Title, &t.Organisation, &t.Address, &t.Email, &t.Salutation, &t.Lang, &t.Version)
	return t, err
}

func (c *Core) targetsOf(ctx context.Context, q Querier, actionID int64) ([]model.Target, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT `+targetColumns+`
		FROM targets t JOIN action_targets at ON at.target_id = t.id
		WHERE at.action_id = ? ORDER BY at.position`), actionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var targets []model.Target
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	return targets, rows.Err()
}

func (c *Core) consentRequestsOf(ctx context.Context, q Querier, actionID int64) ([]model.ConsentRequest, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT key, text, required FROM action_consents WHERE action_id = ? ORDER BY position`), actionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.ConsentRequest
	for rows.Next() {
		var cr model.ConsentRequest
		if err := rows.Scan(&cr.Key, &cr.Text, &cr.Required); err != nil {
			return nil, err
		}
		out = append(out, cr)
	}
	return out, rows.Err()
}

// ActionBySlug returns a published action with its targets.
func (c *Core) ActionBySlug(ctx context.Context, slug string) (model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.slug = ? AND a.published_at IS NOT NULL`, slug)
	if err != nil {
		return model.Action{}, c.errorf("action %q: %w", slug, err)
	}
	if len(actions) == 0 {
		return model.Action{}, c.errorf("action %q: %w", slug, model.ErrNotFound)
	}
	return actions[0], nil
}

// OpenActions lists actions that accept participations at now.
func (c *Core) OpenActions(ctx context.Context, now time.Time, limit int) ([]model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.published_at IS NOT NULL AND NOT a.closed
		AND (a.deadline IS NULL OR a.deadline > ?)
		ORDER BY a.deadline IS NULL, a.deadline, a.id LIMIT ?`, c.instant(now), limitOrAll(limit))
	if err != nil {
		return nil, c.errorf("open actions: %w", err)
	}
	return actions, nil
}

// PublishedActions lists every published action, newest first.
func (c *Core) PublishedActions(ctx context.Context) ([]model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.published_at IS NOT NULL ORDER BY a.published_at DESC, a.id DESC`)
	if err != nil {
		return nil, c.errorf("actions: %w", err)
	}
	return actions, nil
}

// CreateAction stores an action with its targets. Targets without an ID
// are created; those with one are linked.
func (c *Core) CreateAction(ctx context.Context, a *model.Action) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error { return c.createAction(ctx, tx, a) })
	if err != nil {
		return c.errorf("create action %q: %w", a.Slug, c.d.MapErr(err))
	}
	return nil
}

// createAction stores an action with its targets in tx.
func (c *Core) createAction(ctx context.Context, tx *sql.Tx, a *model.Action) error {
	if a.CaseID == 0 && a.CaseSlug != "" {
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT id FROM cases WHERE slug = ?`), a.CaseSlug).Scan(&a.CaseID); err != nil {
			return c.errorf("case %q: %w", a.CaseSlug, c.d.MapErr(err))
		}
	}
	defaultDelivery(a)
	a.Version = 1
	err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO actions (slug, case_id, lang, kind, title, summary, body, image_id,
			goal, count, deadline, closed, closing_text, delivery, subject, letter, published_at,
			send_from_hour, send_to_hour, time_zone, daily_cap, cc, bcc, test_recipient, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`),
		a.Slug, nullID(a.CaseID), a.Lang, a.Kind, a.Title, a.Summary, a.Body, nullID(imageID(a.Image)),
		a.Goal, a.Count, c.instant(a.Deadline), a.Closed, a.ClosingText, a.Delivery,
		a.Subject, a.Letter, c.instant(a.Published),
		a.SendFromHour, a.SendToHour, a.TimeZone, a.DailyCap, a.CC, a.BCC, a.TestRecipient).Scan(&a.ID)
	if err != nil {
		return err
	}
	if err := c.saveActionParts(ctx, tx, a); err != nil {
		return err
	}
	if err := c.reindex(ctx, tx, model.KindAction, a.ID); err != nil {
		return err
	}
	return c.audit(ctx, tx, "action.create", "action", a.ID, nil, actionView(*a))
}

func defaultDelivery(a *model.Action) {
	if a.Delivery == "" {
		a.Delivery = model.DeliverEach
	}
	if a.SendToHour == 0 {
		a.SendFromHour, a.SendToHour = 8, 18
	}
	if a.TimeZone == "" {
		a.TimeZone = "UTC"
	}
}

// saveActionParts writes an action's targets (creating those without an
// ID), consent requests and tags, replacing the links stored before.
func (c *Core) saveActionParts(ctx context.Context, tx *sql.Tx, a *model.Action) error {
	for _, table := range []string{"action_targets", "action_consents", "action_tags", "action_letters"} {
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM `+table+` WHERE action_id = ?`), a.ID); err != nil {
			return err
		}
	}
	for i := range a.Targets {
		t := &a.Targets[i]
		if t.ID == 0 {
			if err := c.insertTarget(ctx, tx, t); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO action_targets (action_id, target_id, position) VALUES (?, ?, ?)`),
			a.ID, t.ID, i); err != nil {
			return err
		}
	}
	for i, cr := range a.Consents {
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO action_consents (action_id, position, key, text, required) VALUES (?, ?, ?, ?, ?)`),
			a.ID, i, cr.Key, cr.Text, cr.Required); err != nil {
			return err
		}
	}
	for lang, l := range a.Letters {
		if lang == a.Lang {
			continue // the action's own letter is a.Subject and a.Letter
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO action_letters (action_id, lang, subject, letter) VALUES (?, ?, ?, ?)`),
			a.ID, lang, l.Subject, l.Text); err != nil {
			return err
		}
	}
	return c.setTags(ctx, tx, "action_tags", "action_id", a.ID, a.Tags)
}
