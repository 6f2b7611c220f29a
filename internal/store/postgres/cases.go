package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vigil/internal/model"
)

const caseColumns = `id, slug, lang, title, summary, body, image_id, people_count, status, reference, published_at, updated_at`

func scanCase(ctx context.Context, q querier, row interface{ Scan(...any) error }) (model.Case, error) {
	var c model.Case
	var imageID sql.NullInt64
	var published, updated sql.NullTime
	err := row.Scan(&c.ID, &c.Slug, &c.Lang, &c.Title, &c.Summary, &c.Body, &imageID, &c.PeopleCount,
		&c.Status, &c.Reference, &published, &updated)
	if err != nil {
		return c, mapErr(err)
	}
	c.Published, c.Updated = fromNull(published), fromNull(updated)
	if c.Image, err = loadImage(ctx, q, imageID); err != nil {
		return c, err
	}
	if c.Tags, err = tagsOf(ctx, q, "case_tags", "case_id", c.ID); err != nil {
		return c, err
	}
	rows, err := q.QueryContext(ctx, `SELECT code FROM case_countries WHERE case_id = $1 ORDER BY position`, c.ID)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return c, err
		}
		c.Countries = append(c.Countries, code)
	}
	return c, rows.Err()
}

// CaseBySlug returns a published case with everything its page shows.
func (s *DB) CaseBySlug(ctx context.Context, slug string) (model.Case, error) {
	c, err := scanCase(ctx, s.db, s.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE slug = $1 AND published_at IS NOT NULL`, slug))
	if err != nil {
		return c, fmt.Errorf("postgres: case %q: %w", slug, err)
	}
	if err := s.loadCaseParts(ctx, &c); err != nil {
		return c, fmt.Errorf("postgres: case %q: %w", slug, err)
	}
	return c, nil
}

func (s *DB) loadCaseParts(ctx context.Context, c *model.Case) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, happened_on, place, title, body, people_count
		FROM timeline_events WHERE case_id = $1 ORDER BY happened_on, id`, c.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		e := model.TimelineEvent{CaseID: c.ID}
		if err := rows.Scan(&e.ID, &e.Date, &e.Place, &e.Title, &e.Body, &e.PeopleCount); err != nil {
			rows.Close()
			return err
		}
		// A date column comes back as midnight UTC, as SQLite's parsed
		// text does.
		e.Date = time.Date(e.Date.Year(), e.Date.Month(), e.Date.Day(), 0, 0, 0, 0, time.UTC)
		c.Timeline = append(c.Timeline, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = s.db.QueryContext(ctx, `SELECT id, position, text FROM demands WHERE case_id = $1 ORDER BY position`, c.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		d := model.Demand{CaseID: c.ID}
		if err := rows.Scan(&d.ID, &d.Position, &d.Text); err != nil {
			rows.Close()
			return err
		}
		c.Demands = append(c.Demands, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = s.db.QueryContext(ctx, `SELECT id, number, title, body, final, published_at, close_actions, new_status
		FROM updates WHERE case_id = $1 ORDER BY number DESC`, c.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		u := model.Update{CaseID: c.ID}
		var published sql.NullTime
		if err := rows.Scan(&u.ID, &u.Number, &u.Title, &u.Body, &u.Final, &published, &u.CloseActions, &u.Status); err != nil {
			rows.Close()
			return err
		}
		u.Published = fromNull(published)
		c.Updates = append(c.Updates, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	c.Actions, err = s.queryActions(ctx, `WHERE a.case_id = $1 AND a.published_at IS NOT NULL ORDER BY a.id`, c.ID)
	return err
}

// PublishedCases lists published cases without their parts.
func (s *DB) PublishedCases(ctx context.Context) ([]model.Case, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE published_at IS NOT NULL ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: cases: %w", err)
	}
	defer rows.Close()
	var cases []model.Case
	for rows.Next() {
		c, err := scanCase(ctx, s.db, rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: cases: %w", err)
		}
		cases = append(cases, c)
	}
	return cases, rows.Err()
}

// CreateCase stores a case and its parts in one transaction.
func (s *DB) CreateCase(ctx context.Context, c *model.Case) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var imageID int64
		if c.Image != nil {
			imageID = c.Image.ID
		}
		if c.Updated.IsZero() {
			c.Updated = time.Now()
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO cases (slug, lang, title, summary, body, image_id, people_count,
				status, reference, published_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			RETURNING id`,
			c.Slug, c.Lang, c.Title, c.Summary, c.Body, nullID(imageID), c.PeopleCount, c.Status, c.Reference,
			nullTime(c.Published), instant(c.Updated)).Scan(&c.ID)
		if err != nil {
			return err
		}
		for i, code := range c.Countries {
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_countries (case_id, position, code) VALUES ($1, $2, $3)`,
				c.ID, i, code); err != nil {
				return err
			}
		}
		if err := setTags(ctx, tx, "case_tags", "case_id", c.ID, c.Tags); err != nil {
			return err
		}
		for i := range c.Timeline {
			e := &c.Timeline[i]
			e.CaseID = c.ID
			if err := tx.QueryRowContext(ctx, `INSERT INTO timeline_events (case_id, happened_on, place, title, body, people_count)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, c.ID, day(e.Date), e.Place, e.Title, e.Body, e.PeopleCount).
				Scan(&e.ID); err != nil {
				return err
			}
		}
		for i := range c.Demands {
			d := &c.Demands[i]
			d.CaseID = c.ID
			if d.Position == 0 {
				d.Position = i + 1
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO demands (case_id, position, text) VALUES ($1, $2, $3) RETURNING id`,
				c.ID, d.Position, d.Text).Scan(&d.ID); err != nil {
				return err
			}
		}
		for i := range c.Updates {
			u := &c.Updates[i]
			u.CaseID = c.ID
			if err := insertUpdateTx(ctx, tx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: create case %q: %w", c.Slug, mapErr(err))
	}
	return nil
}

func insertUpdateTx(ctx context.Context, tx *sql.Tx, u *model.Update) error {
	return tx.QueryRowContext(ctx, `INSERT INTO updates (case_id, number, title, body, final, published_at, close_actions, new_status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, u.CaseID, u.Number, u.Title, u.Body, u.Final,
		instant(u.Published), u.CloseActions, u.Status).Scan(&u.ID)
}

// PublishUpdate adds an update and applies what it says to its case. The
// case row is locked first, so two updates published at once on one case
// are numbered one after the other, as SQLite's single writer does.
func (s *DB) PublishUpdate(ctx context.Context, caseSlug string, u *model.Update) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE slug = $1 FOR UPDATE`, caseSlug).Scan(&u.CaseID); err != nil {
			return err
		}
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(number) FROM updates WHERE case_id = $1`, u.CaseID).Scan(&last); err != nil {
			return err
		}
		if u.Number == 0 && last.Valid {
			u.Number = int(last.Int64) + 1
		}
		if err := insertUpdateTx(ctx, tx, u); err != nil {
			return err
		}
		at := instant(u.Published)
		if u.CloseActions {
			if _, err := tx.ExecContext(ctx, `UPDATE actions SET closed = true, closed_at = $1 WHERE case_id = $2 AND NOT closed`,
				at, u.CaseID); err != nil {
				return err
			}
		}
		if u.Status != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET status = $1 WHERE id = $2`, u.Status, u.CaseID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = GREATEST(updated_at, $1) WHERE id = $2`, at, u.CaseID)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: publish update of %q: %w", caseSlug, mapErr(err))
	}
	return nil
}
