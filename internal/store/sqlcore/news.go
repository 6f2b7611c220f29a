package sqlcore

import (
	"context"
	"database/sql"

	"vigil/internal/model"
)

const newsColumns = `n.id, n.slug, n.lang, n.title, n.summary, n.body, n.image_id, n.published_at, n.version`

// queryNews runs a news query and loads each article's image, tags and cases.
func (c *Core) queryNews(ctx context.Context, query string, args ...any) ([]model.NewsArticle, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	var articles []model.NewsArticle
	var imageIDs []int64
	for rows.Next() {
		var n model.NewsArticle
		var image sql.NullInt64
		if err := rows.Scan(&n.ID, &n.Slug, &n.Lang, &n.Title, &n.Summary, &n.Body, &image, at(&n.Published), &n.Version); err != nil {
			rows.Close()
			return nil, err
		}
		articles = append(articles, n)
		imageIDs = append(imageIDs, image.Int64)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range articles {
		n := &articles[i]
		if n.Image, err = c.loadImage(ctx, c.db, imageIDs[i]); err != nil {
			return nil, err
		}
		if n.Tags, err = c.tagsOf(ctx, c.db, "news_tags", "news_id", n.ID); err != nil {
			return nil, err
		}
		if n.CaseIDs, err = c.caseIDsOf(ctx, n.ID); err != nil {
			return nil, err
		}
		if n.Translations, err = c.translationsOf(ctx, c.db, model.KindNews, n.ID); err != nil {
			return nil, err
		}
	}
	return articles, nil
}

func (c *Core) caseIDsOf(ctx context.Context, newsID int64) ([]int64, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT case_id FROM news_cases WHERE news_id = ? ORDER BY case_id`), newsID)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// NewsBySlug returns a published article.
func (c *Core) NewsBySlug(ctx context.Context, slug string) (model.NewsArticle, error) {
	articles, err := c.queryNews(ctx, `SELECT `+newsColumns+` FROM news n WHERE n.slug = ? AND n.published_at IS NOT NULL`, slug)
	if err != nil {
		return model.NewsArticle{}, c.errorf("news %q: %w", slug, err)
	}
	if len(articles) == 0 {
		return model.NewsArticle{}, c.errorf("news %q: %w", slug, model.ErrNotFound)
	}
	return articles[0], nil
}

// LatestNews lists published articles, newest first.
func (c *Core) LatestNews(ctx context.Context, offset, limit int) ([]model.NewsArticle, error) {
	articles, err := c.queryNews(ctx, `SELECT `+newsColumns+` FROM news n WHERE n.published_at IS NOT NULL
		ORDER BY n.published_at DESC, n.id DESC LIMIT ? OFFSET ?`, limitOrAll(limit), offset)
	if err != nil {
		return nil, c.errorf("latest news: %w", err)
	}
	return articles, nil
}

// RelatedNews lists articles linked to the case first, then those sharing
// the most tags: one broad tag in common says less than several.
func (c *Core) RelatedNews(ctx context.Context, caseID int64, tags []string, excludeID int64, limit int) ([]model.NewsArticle, error) {
	shared := "(n.id * 0)" // no tags: a plain 0 would read as a column number
	var tagArgs []any
	if len(tags) > 0 {
		shared = `(SELECT COUNT(*) FROM news_tags nt JOIN tags t ON t.id = nt.tag_id
			WHERE nt.news_id = n.id AND t.name IN (` + placeholders(len(tags)) + `))`
		for _, t := range tags {
			tagArgs = append(tagArgs, t)
		}
	}
	linked := `EXISTS (SELECT 1 FROM news_cases WHERE news_id = n.id AND case_id = ?)`
	args := []any{excludeID, caseID}
	args = append(args, tagArgs...)
	args = append(args, caseID)
	args = append(args, tagArgs...)
	args = append(args, limitOrAll(limit))
	articles, err := c.queryNews(ctx, `SELECT `+newsColumns+` FROM news n
		WHERE n.published_at IS NOT NULL AND n.id <> ? AND (`+linked+` OR `+shared+` > 0)
		ORDER BY `+linked+` DESC, `+shared+` DESC, n.published_at DESC, n.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, c.errorf("related news: %w", err)
	}
	return articles, nil
}

// CreateNews stores an article with its tags and case links.
func (c *Core) CreateNews(ctx context.Context, n *model.NewsArticle) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		n.Version = 1
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO news (slug, lang, title, summary, body, image_id, published_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`), n.Slug, n.Lang, n.Title, n.Summary, n.Body,
			nullID(imageID(n.Image)), c.instant(n.Published)).Scan(&n.ID)
		if err != nil {
			return err
		}
		if err := c.saveNewsParts(ctx, tx, n); err != nil {
			return err
		}
		if err := c.reindex(ctx, tx, model.KindNews, n.ID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "news.create", "news", n.ID, nil, newsView(*n))
	})
	if err != nil {
		return c.errorf("create news %q: %w", n.Slug, c.d.MapErr(err))
	}
	return nil
}

func (c *Core) saveNewsParts(ctx context.Context, tx *sql.Tx, n *model.NewsArticle) error {
	for _, table := range []string{"news_cases", "news_tags"} {
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM `+table+` WHERE news_id = ?`), n.ID); err != nil {
			return err
		}
	}
	for _, caseID := range n.CaseIDs {
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO news_cases (news_id, case_id) VALUES (?, ?)`), n.ID, caseID); err != nil {
			return err
		}
	}
	return c.setTags(ctx, tx, "news_tags", "news_id", n.ID, n.Tags)
}
