package sqlcore

import (
	"context"
	"database/sql"
	"time"

	"vigil/internal/model"
)

// editable names the tables staff publish, by the kind the admin uses.
var editable = map[string]string{"case": "cases", "action": "actions", "news": "news", "target": "targets"}

// bump raises a record's version from the one the editor read. A record
// saved since is model.ErrStale; a missing one model.ErrNotFound.
func (c *Core) bump(ctx context.Context, tx *sql.Tx, table string, id int64, version int) error {
	res, err := tx.ExecContext(ctx, c.rebind(`UPDATE `+table+` SET version = version + 1 WHERE id = ? AND version = ?`), id, version)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var one int
	if err := tx.QueryRowContext(ctx, c.rebind(`SELECT 1 FROM `+table+` WHERE id = ?`), id).Scan(&one); err != nil {
		return c.d.MapErr(err)
	}
	return model.ErrStale
}

// ---- cases

// AllCases lists every case, drafts too.
func (c *Core) AllCases(ctx context.Context) ([]model.Case, error) {
	cases, err := c.queryCases(ctx, `ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, c.errorf("all cases: %w", err)
	}
	return cases, nil
}

func (c *Core) caseByID(ctx context.Context, q Querier, id int64) (model.Case, error) {
	cs, err := c.scanCase(ctx, q, q.QueryRowContext(ctx, c.rebind(`SELECT `+caseColumns+` FROM cases WHERE id = ?`), id))
	if err != nil {
		return cs, err
	}
	return cs, c.loadCaseParts(ctx, q, &cs, false)
}

// CaseByID returns a case with all its parts.
func (c *Core) CaseByID(ctx context.Context, id int64) (model.Case, error) {
	cs, err := c.caseByID(ctx, c.db, id)
	if err != nil {
		return cs, c.errorf("case %d: %w", id, err)
	}
	return cs, nil
}

// SaveCase creates or saves a case with its parts.
func (c *Core) SaveCase(ctx context.Context, cs *model.Case) error {
	if cs.ID == 0 {
		return c.CreateCase(ctx, cs)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		before, err := c.caseByID(ctx, tx, cs.ID)
		if err != nil {
			return err
		}
		if err := c.bump(ctx, tx, "cases", cs.ID, cs.Version); err != nil {
			return err
		}
		if cs.Updated.IsZero() {
			return errNoTime
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE cases SET slug = ?, lang = ?, title = ?, summary = ?, body = ?, image_id = ?,
			people_count = ?, status = ?, reference = ?, updated_at = ?, figures_intro = ? WHERE id = ?`),
			cs.Slug, cs.Lang, cs.Title, cs.Summary, cs.Body, nullID(imageID(cs.Image)), cs.PeopleCount, cs.Status,
			cs.Reference, c.instant(cs.Updated), cs.FiguresIntro, cs.ID); err != nil {
			return err
		}
		if err := c.saveCaseParts(ctx, tx, cs); err != nil {
			return err
		}
		cs.Version = before.Version + 1
		cs.Published, cs.Updates, cs.Figures = before.Published, before.Updates, before.Figures
		if err := c.reindex(ctx, tx, model.KindCase, cs.ID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "case.save", "case", cs.ID, caseView(before), caseView(*cs))
	})
	if err != nil {
		return c.errorf("save case %d: %w", cs.ID, c.d.MapErr(err))
	}
	return nil
}

// ---- actions

// AllActions lists every action, drafts too, newest first.
func (c *Core) AllActions(ctx context.Context) ([]model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `ORDER BY a.id DESC`)
	if err != nil {
		return nil, c.errorf("all actions: %w", err)
	}
	return actions, nil
}

func (c *Core) actionByID(ctx context.Context, q Querier, id int64) (model.Action, error) {
	actions, err := c.QueryActions(ctx, q, `WHERE a.id = ?`, id)
	if err != nil {
		return model.Action{}, err
	}
	if len(actions) == 0 {
		return model.Action{}, model.ErrNotFound
	}
	return actions[0], nil
}

// ActionByID returns an action, published or not.
func (c *Core) ActionByID(ctx context.Context, id int64) (model.Action, error) {
	a, err := c.actionByID(ctx, c.db, id)
	if err != nil {
		return a, c.errorf("action %d: %w", id, err)
	}
	return a, nil
}

// SaveAction creates or saves an action with its parts.
func (c *Core) SaveAction(ctx context.Context, a *model.Action) error {
	if a.ID == 0 {
		return c.CreateAction(ctx, a)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		before, err := c.actionByID(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if err := c.bump(ctx, tx, "actions", a.ID, a.Version); err != nil {
			return err
		}
		defaultDelivery(a)
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE actions SET slug = ?, case_id = ?, lang = ?, kind = ?, title = ?, summary = ?,
			body = ?, image_id = ?, goal = ?, deadline = ?, closing_text = ?, delivery = ?, subject = ?, letter = ?,
			send_from_hour = ?, send_to_hour = ?, time_zone = ?, daily_cap = ?, cc = ?, bcc = ?, test_recipient = ?
			WHERE id = ?`),
			a.Slug, nullID(a.CaseID), a.Lang, a.Kind, a.Title, a.Summary, a.Body, nullID(imageID(a.Image)), a.Goal,
			c.instant(a.Deadline), a.ClosingText, a.Delivery, a.Subject, a.Letter, a.SendFromHour, a.SendToHour,
			a.TimeZone, a.DailyCap, a.CC, a.BCC, a.TestRecipient, a.ID); err != nil {
			return err
		}
		if err := c.saveActionParts(ctx, tx, a); err != nil {
			return err
		}
		a.Version = before.Version + 1
		a.Count, a.Closed, a.Published = before.Count, before.Closed, before.Published
		if err := c.reindex(ctx, tx, model.KindAction, a.ID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "action.save", "action", a.ID, actionView(before), actionView(*a))
	})
	if err != nil {
		return c.errorf("save action %d: %w", a.ID, c.d.MapErr(err))
	}
	return nil
}

// CloseAction closes or reopens an action.
func (c *Core) CloseAction(ctx context.Context, id int64, version int, closed bool, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if err := c.bump(ctx, tx, "actions", id, version); err != nil {
			return err
		}
		var closedAt any
		action := "action.reopen"
		if closed {
			closedAt, action = c.instant(now), "action.close"
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE actions SET closed = ?, closed_at = ? WHERE id = ?`), closed, closedAt, id); err != nil {
			return err
		}
		return c.audit(ctx, tx, action, "action", id, map[string]bool{"closed": !closed}, map[string]bool{"closed": closed})
	})
	if err != nil {
		return c.errorf("close action %d: %w", id, c.d.MapErr(err))
	}
	return nil
}

// ---- news

// AllNews lists every article, drafts too, newest first.
func (c *Core) AllNews(ctx context.Context) ([]model.NewsArticle, error) {
	articles, err := c.queryNews(ctx, `SELECT `+newsColumns+` FROM news n ORDER BY n.published_at IS NULL DESC, n.published_at DESC, n.id DESC`)
	if err != nil {
		return nil, c.errorf("all news: %w", err)
	}
	return articles, nil
}

// NewsByID returns an article, published or not.
func (c *Core) NewsByID(ctx context.Context, id int64) (model.NewsArticle, error) {
	articles, err := c.queryNews(ctx, `SELECT `+newsColumns+` FROM news n WHERE n.id = ?`, id)
	if err == nil && len(articles) == 0 {
		err = model.ErrNotFound
	}
	if err != nil {
		return model.NewsArticle{}, c.errorf("news %d: %w", id, err)
	}
	return articles[0], nil
}

// SaveNews creates or saves an article with its tags and cases.
func (c *Core) SaveNews(ctx context.Context, n *model.NewsArticle) error {
	if n.ID == 0 {
		return c.CreateNews(ctx, n)
	}
	before, err := c.NewsByID(ctx, n.ID)
	if err != nil {
		return err
	}
	err = c.d.InTx(ctx, func(tx *sql.Tx) error {
		if err := c.bump(ctx, tx, "news", n.ID, n.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE news SET slug = ?, lang = ?, title = ?, summary = ?, body = ?, image_id = ?
			WHERE id = ?`), n.Slug, n.Lang, n.Title, n.Summary, n.Body, nullID(imageID(n.Image)), n.ID); err != nil {
			return err
		}
		if err := c.saveNewsParts(ctx, tx, n); err != nil {
			return err
		}
		n.Version = n.Version + 1
		n.Published = before.Published
		if err := c.reindex(ctx, tx, model.KindNews, n.ID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "news.save", "news", n.ID, newsView(before), newsView(*n))
	})
	if err != nil {
		return c.errorf("save news %d: %w", n.ID, c.d.MapErr(err))
	}
	return nil
}

// ---- targets

// Targets lists every target by name.
func (c *Core) Targets(ctx context.Context) ([]model.Target, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT `+targetColumns+` FROM targets t ORDER BY t.name, t.id`)
	if err != nil {
		return nil, c.errorf("targets: %w", err)
	}
	defer rows.Close()
	var out []model.Target
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, c.errorf("targets: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TargetByID returns a target.
func (c *Core) TargetByID(ctx context.Context, id int64) (model.Target, error) {
	t, err := scanTarget(c.db.QueryRowContext(ctx, c.rebind(`SELECT `+targetColumns+` FROM targets t WHERE t.id = ?`), id))
	if err != nil {
		return t, c.errorf("target %d: %w", id, c.d.MapErr(err))
	}
	return t, nil
}

// SaveTarget creates or saves a target.
func (c *Core) SaveTarget(ctx context.Context, t *model.Target) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if t.ID == 0 {
			if err := c.insertTarget(ctx, tx, t); err != nil {
				return err
			}
			return c.audit(ctx, tx, "target.create", "target", t.ID, nil, *t)
		}
		before, err := scanTarget(tx.QueryRowContext(ctx, c.rebind(`SELECT `+targetColumns+` FROM targets t WHERE t.id = ?`), t.ID))
		if err != nil {
			return err
		}
		if err := c.bump(ctx, tx, "targets", t.ID, t.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE targets SET name = ?, title = ?, organisation = ?, address = ?, email = ?,
			salutation = ?, lang = ? WHERE id = ?`), t.Name, t.Title, t.Organisation, t.Address, t.Email, t.Salutation,
			t.Lang, t.ID); err != nil {
			return err
		}
		t.Version = before.Version + 1
		return c.audit(ctx, tx, "target.save", "target", t.ID, before, *t)
	})
	if err != nil {
		return c.errorf("save target %d: %w", t.ID, c.d.MapErr(err))
	}
	return nil
}

// ---- publishing

// SetPublished publishes a record at a time, or unpublishes it.
func (c *Core) SetPublished(ctx context.Context, kind string, id int64, version int, when time.Time) error {
	table, ok := editable[kind]
	if !ok || kind == "target" {
		return c.errorf("publish: no such kind %q", kind)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var before time.Time
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT published_at FROM `+table+` WHERE id = ?`), id).Scan(at(&before)); err != nil {
			return c.d.MapErr(err)
		}
		if err := c.bump(ctx, tx, table, id, version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE `+table+` SET published_at = ? WHERE id = ?`), c.instant(when), id); err != nil {
			return err
		}
		action := kind + ".publish"
		if when.IsZero() {
			action = kind + ".unpublish"
		}
		if err := c.reindex(ctx, tx, kind, id); err != nil {
			return err
		}
		return c.audit(ctx, tx, action, kind, id, map[string]time.Time{"published": before}, map[string]time.Time{"published": when})
	})
	if err != nil {
		return c.errorf("publish %s %d: %w", kind, id, err)
	}
	return nil
}

// SetImageText changes a picture's description and credit.
func (c *Core) SetImageText(ctx context.Context, id int64, alt, credit string) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var before struct{ Alt, Credit string }
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT alt, credit FROM images WHERE id = ?`), id).Scan(&before.Alt, &before.Credit); err != nil {
			return c.d.MapErr(err)
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE images SET alt = ?, credit = ? WHERE id = ?`), alt, credit, id); err != nil {
			return err
		}
		return c.audit(ctx, tx, "image.describe", "image", id, before, struct{ Alt, Credit string }{alt, credit})
	})
	if err != nil {
		return c.errorf("describe image %d: %w", id, err)
	}
	return nil
}

// insertTarget stores a new target, its first version, and sets its ID.
func (c *Core) insertTarget(ctx context.Context, tx *sql.Tx, t *model.Target) error {
	t.Version = 1
	return tx.QueryRowContext(ctx, c.rebind(`INSERT INTO targets (name, title, organisation, address, email, salutation, lang, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`), t.Name, t.Title, t.Organisation, t.Address, t.Email,
		t.Salutation, t.Lang).Scan(&t.ID)
}
