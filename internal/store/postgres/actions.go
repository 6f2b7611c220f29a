package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vigil/internal/model"
)

const actionSelect = `SELECT a.id, a.slug, COALESCE(a.case_id, 0), COALESCE(c.slug, ''), a.lang, a.kind, a.title,
	a.summary, a.body, a.image_id, a.goal, a.count, a.deadline, a.closed, a.closing_text, a.delivery,
	a.subject, a.letter, a.published_at, a.send_from_hour, a.send_to_hour, a.time_zone, a.daily_cap, a.cc, a.bcc,
	a.test_recipient
	FROM actions a LEFT JOIN cases c ON c.id = a.case_id `

// queryActions runs actionSelect with a WHERE/ORDER tail and loads each
// action's image, targets, tags and consent requests.
func (s *DB) queryActions(ctx context.Context, tail string, args ...any) ([]model.Action, error) {
	return queryActionsTx(ctx, s.db, tail, args...)
}

func queryActionsTx(ctx context.Context, q querier, tail string, args ...any) ([]model.Action, error) {
	rows, err := q.QueryContext(ctx, actionSelect+tail, args...)
	if err != nil {
		return nil, err
	}
	var actions []model.Action
	var imageIDs []sql.NullInt64
	for rows.Next() {
		var a model.Action
		var imageID sql.NullInt64
		var deadline, published sql.NullTime
		if err := rows.Scan(&a.ID, &a.Slug, &a.CaseID, &a.CaseSlug, &a.Lang, &a.Kind, &a.Title, &a.Summary, &a.Body,
			&imageID, &a.Goal, &a.Count, &deadline, &a.Closed, &a.ClosingText, &a.Delivery, &a.Subject, &a.Letter,
			&published, &a.SendFromHour, &a.SendToHour, &a.TimeZone, &a.DailyCap, &a.CC, &a.BCC, &a.TestRecipient); err != nil {
			rows.Close()
			return nil, err
		}
		a.Deadline, a.Published = fromNull(deadline), fromNull(published)
		actions = append(actions, a)
		imageIDs = append(imageIDs, imageID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range actions {
		a := &actions[i]
		if a.Image, err = loadImage(ctx, q, imageIDs[i]); err != nil {
			return nil, err
		}
		if a.Tags, err = tagsOf(ctx, q, "action_tags", "action_id", a.ID); err != nil {
			return nil, err
		}
		if a.Targets, err = targetsOf(ctx, q, a.ID); err != nil {
			return nil, err
		}
		if a.Consents, err = consentRequestsOf(ctx, q, a.ID); err != nil {
			return nil, err
		}
	}
	return actions, nil
}

func targetsOf(ctx context.Context, q querier, actionID int64) ([]model.Target, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.name, t.title, t.organisation, t.address, t.email, t.salutation, t.lang
		FROM targets t JOIN action_targets at ON at.target_id = t.id
		WHERE at.action_id = $1 ORDER BY at.position`, actionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var targets []model.Target
	for rows.Next() {
		var t model.Target
		if err := rows.Scan(&t.ID, &t.Name, &t.Title, &t.Organisation, &t.Address, &t.Email, &t.Salutation, &t.Lang); err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	return targets, rows.Err()
}

func consentRequestsOf(ctx context.Context, q querier, actionID int64) ([]model.ConsentRequest, error) {
	rows, err := q.QueryContext(ctx, `SELECT key, text, required FROM action_consents WHERE action_id = $1 ORDER BY position`, actionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.ConsentRequest
	for rows.Next() {
		var c model.ConsentRequest
		if err := rows.Scan(&c.Key, &c.Text, &c.Required); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ActionBySlug returns a published action with its targets.
func (s *DB) ActionBySlug(ctx context.Context, slug string) (model.Action, error) {
	actions, err := s.queryActions(ctx, `WHERE a.slug = $1 AND a.published_at IS NOT NULL`, slug)
	if err != nil {
		return model.Action{}, fmt.Errorf("postgres: action %q: %w", slug, err)
	}
	if len(actions) == 0 {
		return model.Action{}, fmt.Errorf("postgres: action %q: %w", slug, model.ErrNotFound)
	}
	return actions[0], nil
}

// OpenActions lists actions that accept participations at now.
func (s *DB) OpenActions(ctx context.Context, now time.Time, limit int) ([]model.Action, error) {
	actions, err := s.queryActions(ctx, `WHERE a.published_at IS NOT NULL AND NOT a.closed
		AND (a.deadline IS NULL OR a.deadline > $1)
		ORDER BY a.deadline IS NULL, a.deadline, a.id LIMIT $2`, instant(now), noLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: open actions: %w", err)
	}
	return actions, nil
}

// PublishedActions lists every published action, newest first.
func (s *DB) PublishedActions(ctx context.Context) ([]model.Action, error) {
	actions, err := s.queryActions(ctx, `WHERE a.published_at IS NOT NULL ORDER BY a.published_at DESC, a.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: actions: %w", err)
	}
	return actions, nil
}

// CreateAction stores an action with its targets. Targets without an ID
// are created; those with one are linked.
func (s *DB) CreateAction(ctx context.Context, a *model.Action) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if a.CaseID == 0 && a.CaseSlug != "" {
			if err := tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE slug = $1`, a.CaseSlug).Scan(&a.CaseID); err != nil {
				return fmt.Errorf("case %q: %w", a.CaseSlug, mapErr(err))
			}
		}
		var imageID int64
		if a.Image != nil {
			imageID = a.Image.ID
		}
		if a.Delivery == "" {
			a.Delivery = model.DeliverEach
		}
		if a.SendToHour == 0 {
			a.SendFromHour, a.SendToHour = 8, 18
		}
		if a.TimeZone == "" {
			a.TimeZone = "UTC"
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO actions (slug, case_id, lang, kind, title, summary, body, image_id,
				goal, count, deadline, closed, closing_text, delivery, subject, letter, published_at,
				send_from_hour, send_to_hour, time_zone, daily_cap, cc, bcc, test_recipient)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
			RETURNING id`,
			a.Slug, nullID(a.CaseID), a.Lang, a.Kind, a.Title, a.Summary, a.Body, nullID(imageID),
			a.Goal, a.Count, nullTime(a.Deadline), a.Closed, a.ClosingText, a.Delivery,
			a.Subject, a.Letter, nullTime(a.Published),
			a.SendFromHour, a.SendToHour, a.TimeZone, a.DailyCap, a.CC, a.BCC, a.TestRecipient).Scan(&a.ID)
		if err != nil {
			return err
		}
		for i := range a.Targets {
			t := &a.Targets[i]
			if t.ID == 0 {
				if err := tx.QueryRowContext(ctx, `INSERT INTO targets (name, title, organisation, address, email, salutation, lang)
					VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, t.Name, t.Title, t.Organisation, t.Address, t.Email,
					t.Salutation, t.Lang).Scan(&t.ID); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO action_targets (action_id, target_id, position) VALUES ($1, $2, $3)`,
				a.ID, t.ID, i); err != nil {
				return err
			}
		}
		for i, c := range a.Consents {
			if _, err := tx.ExecContext(ctx, `INSERT INTO action_consents (action_id, position, key, text, required) VALUES ($1, $2, $3, $4, $5)`,
				a.ID, i, c.Key, c.Text, c.Required); err != nil {
				return err
			}
		}
		return setTags(ctx, tx, "action_tags", "action_id", a.ID, a.Tags)
	})
	if err != nil {
		return fmt.Errorf("postgres: create action %q: %w", a.Slug, mapErr(err))
	}
	return nil
}
