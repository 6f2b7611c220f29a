package sqlcore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"vigil/internal/model"
)

const caseColumns = `id, slug, lang, title, summary, body, image_id, people_count, status, reference, published_at, updated_at, version,
	figures_intro, figures`

func (c *Core) scanCase(ctx context.Context, q Querier, row interface{ Scan(...any) error }) (model.Case, error) {
	var cs model.Case
	var image sql.NullInt64
	var figures string
	err := row.Scan(&cs.ID, &cs.Slug, &cs.Lang, &cs.Title, &cs.Summary, &cs.Body, &image, &cs.PeopleCount,
		&cs.Status, &cs.Reference, at(&cs.Published), at(&cs.Updated), &cs.Version, &cs.FiguresIntro, &figures)
	if err != nil {
		return cs, c.d.MapErr(err)
	}
	if figures != "" {
		if err := json.Unmarshal([]byte(figures), &cs.Figures); err != nil {
			return cs, fmt.Errorf("case %d: figures: %w", cs.ID, err)
		}
	}
	if cs.Image, err = c.loadImage(ctx, q, image.Int64); err != nil {
		return cs, err
	}
	if cs.Tags, err = c.tagsOf(ctx, q, "case_tags", "case_id", cs.ID); err != nil {
		return cs, err
	}
	if cs.Translations, err = c.translationsOf(ctx, q, model.KindCase, cs.ID); err != nil {
		return cs, err
	}
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT code FROM case_countries WHERE case_id = ? ORDER BY position`), cs.ID)
	if err != nil {
		return cs, err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return cs, err
		}
		cs.Countries = append(cs.Countries, code)
	}
	return cs, rows.Err()
}

// CaseBySlug returns a published case with everything its page shows.
func (c *Core) CaseBySlug(ctx context.Context, slug string) (model.Case, error) {
	cs, err := c.scanCase(ctx, c.db, c.db.QueryRowContext(ctx, c.rebind(`SELECT `+caseColumns+` FROM cases
		WHERE slug = ? AND published_at IS NOT NULL`), slug))
	if err == nil {
		err = c.loadCaseParts(ctx, c.db, &cs, true)
	}
	if err != nil {
		return cs, c.errorf("case %q: %w", slug, err)
	}
	return cs, nil
}

// loadCaseParts reads a case's timeline, demands, updates and actions (only
// the published ones when published is set).
func (c *Core) loadCaseParts(ctx context.Context, q Querier, cs *model.Case, published bool) error {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT id, happened_on, place, title, body, people_count
		FROM timeline_events WHERE case_id = ? ORDER BY happened_on, id`), cs.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		e := model.TimelineEvent{CaseID: cs.ID}
		if err := rows.Scan(&e.ID, scanDate{&e.Date}, &e.Place, &e.Title, &e.Body, &e.PeopleCount); err != nil {
			rows.Close()
			return err
		}
		cs.Timeline = append(cs.Timeline, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = q.QueryContext(ctx, c.rebind(`SELECT id, position, text FROM demands WHERE case_id = ? ORDER BY position`), cs.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		d := model.Demand{CaseID: cs.ID}
		if err := rows.Scan(&d.ID, &d.Position, &d.Text); err != nil {
			rows.Close()
			return err
		}
		cs.Demands = append(cs.Demands, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	visible := ""
	if published {
		visible = ` AND hidden_at IS NULL`
	}
	rows, err = q.QueryContext(ctx, c.rebind(`SELECT id, number, title, body, final, published_at, close_actions, new_status, hidden_at
		FROM updates WHERE case_id = ?`+visible+` ORDER BY number DESC, id DESC`), cs.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		u := model.Update{CaseID: cs.ID}
		if err := rows.Scan(&u.ID, &u.Number, &u.Title, &u.Body, &u.Final, at(&u.Published), &u.CloseActions, &u.Status,
			at(&u.Hidden)); err != nil {
			rows.Close()
			return err
		}
		cs.Updates = append(cs.Updates, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range cs.Updates {
		u := &cs.Updates[i]
		u.Lang = cs.Lang
		if u.Translations, err = c.translationsOf(ctx, q, model.KindUpdate, u.ID); err != nil {
			return err
		}
	}
	where := `WHERE a.case_id = ? ORDER BY a.id`
	if published {
		where = `WHERE a.case_id = ? AND a.published_at IS NOT NULL ORDER BY a.id`
	}
	cs.Actions, err = c.QueryActions(ctx, q, where, cs.ID)
	return err
}

// PublishedCases lists published cases without their parts.
func (c *Core) PublishedCases(ctx context.Context) ([]model.Case, error) {
	cases, err := c.queryCases(ctx, `WHERE published_at IS NOT NULL ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, c.errorf("cases: %w", err)
	}
	return cases, nil
}

func (c *Core) queryCases(ctx context.Context, tail string, args ...any) ([]model.Case, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+caseColumns+` FROM cases `+tail), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cases []model.Case
	for rows.Next() {
		cs, err := c.scanCase(ctx, c.db, rows)
		if err != nil {
			return nil, err
		}
		cases = append(cases, cs)
	}
	return cases, rows.Err()
}

// figuresJSON is how a case's published figures are stored: "" when none.
func figuresJSON(f model.CaseFigures) (string, error) {
	if f.AsOf.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(f)
	return string(b), err
}

// PublishFigures stores a case's published figures and their
// introduction at its version: the public page shows them from then on.
func (c *Core) PublishFigures(ctx context.Context, caseID int64, version int, intro string, f model.CaseFigures) error {
	if !f.AsOf.IsZero() {
		f.AsOf = f.AsOf.UTC().Truncate(24 * time.Hour)
	}
	for _, fig := range f.Figures {
		if !fig.Status.Valid() || fig.Count < model.MinFigureGroup {
			return c.errorf("publish figures of case %d: %d %s: %w", caseID, fig.Count, fig.Status, model.ErrInvalidEvent)
		}
	}
	figures, err := figuresJSON(f)
	if err != nil {
		return c.errorf("publish figures of case %d: %w", caseID, err)
	}
	err = c.d.InTx(ctx, func(tx *sql.Tx) error {
		var before string
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT figures FROM cases WHERE id = ?`), caseID).Scan(&before); err != nil {
			return c.d.MapErr(err)
		}
		if err := c.bump(ctx, tx, "cases", caseID, version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE cases SET figures_intro = ?, figures = ? WHERE id = ?`), intro, figures,
			caseID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "case.figures", "case", caseID, json.RawMessage(cmp.Or(before, "null")),
			json.RawMessage(cmp.Or(figures, "null")))
	})
	if err != nil {
		return c.errorf("publish figures of case %d: %w", caseID, c.d.MapErr(err))
	}
	return nil
}

// CreateCase stores a case and its parts in one transaction.
func (c *Core) CreateCase(ctx context.Context, cs *model.Case) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if cs.Updated.IsZero() {
			return errNoTime
		}
		cs.Version = 1
		figures, err := figuresJSON(cs.Figures)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, c.rebind(`INSERT INTO cases (slug, lang, title, summary, body, image_id, people_count,
				status, reference, published_at, updated_at, version, figures_intro, figures)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`),
			cs.Slug, cs.Lang, cs.Title, cs.Summary, cs.Body, nullID(imageID(cs.Image)), cs.PeopleCount, cs.Status, cs.Reference,
			c.instant(cs.Published), c.instant(cs.Updated), cs.FiguresIntro, figures).Scan(&cs.ID)
		if err != nil {
			return err
		}
		if err := c.saveCaseParts(ctx, tx, cs); err != nil {
			return err
		}
		for i := range cs.Updates {
			u := &cs.Updates[i]
			u.CaseID = cs.ID
			if err := c.insertUpdate(ctx, tx, u); err != nil {
				return err
			}
		}
		if err := c.reindex(ctx, tx, model.KindCase, cs.ID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "case.create", "case", cs.ID, nil, caseView(*cs))
	})
	if err != nil {
		return c.errorf("create case %q: %w", cs.Slug, c.d.MapErr(err))
	}
	return nil
}

// saveCaseParts writes a case's countries, tags, timeline and demands,
// replacing any stored before.
func (c *Core) saveCaseParts(ctx context.Context, tx *sql.Tx, cs *model.Case) error {
	for _, table := range []string{"case_countries", "case_tags", "timeline_events", "demands"} {
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM `+table+` WHERE case_id = ?`), cs.ID); err != nil {
			return err
		}
	}
	for i, code := range cs.Countries {
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO case_countries (case_id, position, code) VALUES (?, ?, ?)`),
			cs.ID, i, code); err != nil {
			return err
		}
	}
	if err := c.setTags(ctx, tx, "case_tags", "case_id", cs.ID, cs.Tags); err != nil {
		return err
	}
	for i := range cs.Timeline {
		e := &cs.Timeline[i]
		e.CaseID = cs.ID
		if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO timeline_events (case_id, happened_on, place, title, body, people_count)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), cs.ID, e.Date.Format(dateLayout), e.Place, e.Title, e.Body, e.PeopleCount).
			Scan(&e.ID); err != nil {
			return err
		}
	}
	for i := range cs.Demands {
		d := &cs.Demands[i]
		d.CaseID = cs.ID
		d.Position = i + 1
		if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO demands (case_id, position, text) VALUES (?, ?, ?) RETURNING id`),
			cs.ID, d.Position, d.Text).Scan(&d.ID); err != nil {
			return err
		}
	}
	return nil
}

func (c *Core) insertUpdate(ctx context.Context, tx *sql.Tx, u *model.Update) error {
	return tx.QueryRowContext(ctx, c.rebind(`INSERT INTO updates (case_id, number, title, body, final, published_at, close_actions, new_status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), u.CaseID, u.Number, u.Title, u.Body, u.Final,
		c.instant(u.Published), u.CloseActions, u.Status).Scan(&u.ID)
}

// PublishUpdate adds an update and applies what it says to its case. The
// case row is locked first (where the database locks rows), so two updates
// published at once on one case are numbered one after the other.
func (c *Core) PublishUpdate(ctx context.Context, caseSlug string, u *model.Update) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT id FROM cases WHERE slug = ?`+c.d.ForUpdate), caseSlug).Scan(&u.CaseID); err != nil {
			return err
		}
		last, err := c.lastUpdateNumber(ctx, tx, u.CaseID)
		if err != nil {
			return err
		}
		if u.Number == 0 && last >= 0 {
			u.Number = last + 1
		}
		return c.applyUpdate(ctx, tx, u)
	})
	if err != nil {
		return c.errorf("publish update of %q: %w", caseSlug, c.d.MapErr(err))
	}
	return nil
}

// PublishNextUpdate publishes an editor's update as the case's next,
// numbered from 1, if the case is as the editor saw it: the same last
// update number (-1: none) and the same draft (its save time; zero: none).
// Otherwise — published twice, or by two editors at once — it is
// model.ErrStale and nothing changes.
func (c *Core) PublishNextUpdate(ctx context.Context, caseID int64, u *model.Update, seenLast int, seenDraft time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT id FROM cases WHERE id = ?`+c.d.ForUpdate), caseID).Scan(&id); err != nil {
			return err
		}
		last, err := c.lastUpdateNumber(ctx, tx, caseID)
		if err != nil {
			return err
		}
		var draft time.Time
		err = tx.QueryRowContext(ctx, c.rebind(`SELECT saved_at FROM update_drafts WHERE case_id = ?`), caseID).Scan(at(&draft))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if last != seenLast || !draft.Equal(seenDraft.UTC().Truncate(time.Millisecond)) {
			return model.ErrStale
		}
		u.CaseID, u.Number = caseID, max(last+1, 1)
		return c.applyUpdate(ctx, tx, u)
	})
	if err != nil {
		return c.errorf("publish update of case %d: %w", caseID, c.d.MapErr(err))
	}
	return nil
}

// lastUpdateNumber is the highest update number of a case, -1 when it has
// none. Hidden updates count: numbers are never reused.
func (c *Core) lastUpdateNumber(ctx context.Context, tx *sql.Tx, caseID int64) (int, error) {
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, c.rebind(`SELECT MAX(number) FROM updates WHERE case_id = ?`), caseID).Scan(&last); err != nil {
		return 0, err
	}
	if !last.Valid {
		return -1, nil
	}
	return int(last.Int64), nil
}

// applyUpdate stores an update, drops the case's draft, and does what the
// update says to the case, in the caller's transaction.
func (c *Core) applyUpdate(ctx context.Context, tx *sql.Tx, u *model.Update) error {
	if err := c.insertUpdate(ctx, tx, u); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM update_drafts WHERE case_id = ?`), u.CaseID); err != nil {
		return err
	}
	at := c.instant(u.Published)
	if u.CloseActions {
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE actions SET closed = ?, closed_at = ?, version = version + 1 WHERE case_id = ? AND NOT closed`),
			true, at, u.CaseID); err != nil {
			return err
		}
	}
	if u.Status != "" {
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE cases SET status = ? WHERE id = ?`), u.Status, u.CaseID); err != nil {
			return err
		}
	}
	// The case changed under any editor who has it open: a new version.
	if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE cases SET version = version + 1,
		updated_at = CASE WHEN updated_at < ? THEN ? ELSE updated_at END WHERE id = ?`), at, at, u.CaseID); err != nil {
		return err
	}
	return c.audit(ctx, tx, "update.publish", "case", u.CaseID, nil, u)
}
