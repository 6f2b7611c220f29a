package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"vigil/internal/model"
)

const newsColumns = `n.id, n.slug, n.lang, n.title, n.summary, n.body, n.image_id, n.published_at`

// queryNews runs a news query and loads each article's image, tags and cases.
func (s *DB) queryNews(ctx context.Context, query string, args ...any) ([]model.NewsArticle, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var articles []model.NewsArticle
	var imageIDs []sql.NullInt64
	for rows.Next() {
		var n model.NewsArticle
		var imageID sql.NullInt64
		var published sql.NullTime
		if err := rows.Scan(&n.ID, &n.Slug, &n.Lang, &n.Title, &n.Summary, &n.Body, &imageID, &published); err != nil {
			rows.Close()
			return nil, err
		}
		n.Published = fromNull(published)
		articles = append(articles, n)
		imageIDs = append(imageIDs, imageID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range articles {
		n := &articles[i]
		if n.Image, err = loadImage(ctx, s.db, imageIDs[i]); err != nil {
			return nil, err
		}
		if n.Tags, err = tagsOf(ctx, s.db, "news_tags", "news_id", n.ID); err != nil {
			return nil, err
		}
		if n.CaseIDs, err = s.caseIDsOf(ctx, n.ID); err != nil {
			return nil, err
		}
	}
	return articles, nil
}

func (s *DB) caseIDsOf(ctx context.Context, newsID int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT case_id FROM news_cases WHERE news_id = $1 ORDER BY case_id`, newsID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NewsBySlug returns a published article.
func (s *DB) NewsBySlug(ctx context.Context, slug string) (model.NewsArticle, error) {
	articles, err := s.queryNews(ctx, `SELECT `+newsColumns+` FROM news n WHERE n.slug = $1 AND n.published_at IS NOT NULL`, slug)
	if err != nil {
		return model.NewsArticle{}, fmt.Errorf("postgres: news %q: %w", slug, err)
	}
	if len(articles) == 0 {
		return model.NewsArticle{}, fmt.Errorf("postgres: news %q: %w", slug, model.ErrNotFound)
	}
	return articles[0], nil
}

// LatestNews lists published articles, newest first.
func (s *DB) LatestNews(ctx context.Context, offset, limit int) ([]model.NewsArticle, error) {
	articles, err := s.queryNews(ctx, `SELECT `+newsColumns+` FROM news n WHERE n.published_at IS NOT NULL
		ORDER BY n.published_at DESC, n.id DESC LIMIT $1 OFFSET $2`, noLimit(limit), max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("postgres: latest news: %w", err)
	}
	return articles, nil
}

// RelatedNews lists articles linked to the case first, then those sharing
// a tag.
func (s *DB) RelatedNews(ctx context.Context, caseID int64, tags []string, excludeID int64, limit int) ([]model.NewsArticle, error) {
	// Linked articles first, then those sharing the most tags: one broad
	// tag in common says less than several. With no tags the array is
	// empty and nothing is shared.
	if tags == nil {
		tags = []string{}
	}
	const shared = `(SELECT COUNT(*) FROM news_tags nt JOIN tags t ON t.id = nt.tag_id
		WHERE nt.news_id = n.id AND t.name = ANY($3))`
	const linked = `EXISTS (SELECT 1 FROM news_cases WHERE news_id = n.id AND case_id = $2)`
	articles, err := s.queryNews(ctx, `SELECT `+newsColumns+` FROM news n
		WHERE n.published_at IS NOT NULL AND n.id <> $1 AND (`+linked+` OR `+shared+` > 0)
		ORDER BY `+linked+` DESC, `+shared+` DESC, n.published_at DESC, n.id DESC LIMIT $4`,
		excludeID, caseID, tags, noLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: related news: %w", err)
	}
	return articles, nil
}

// CreateNews stores an article with its tags and case links.
func (s *DB) CreateNews(ctx context.Context, n *model.NewsArticle) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var imageID int64
		if n.Image != nil {
			imageID = n.Image.ID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO news (slug, lang, title, summary, body, image_id, published_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, n.Slug, n.Lang, n.Title, n.Summary, n.Body, nullID(imageID),
			nullTime(n.Published)).Scan(&n.ID); err != nil {
			return err
		}
		for _, caseID := range n.CaseIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO news_cases (news_id, case_id) VALUES ($1, $2)`, n.ID, caseID); err != nil {
				return err
			}
		}
		return setTags(ctx, tx, "news_tags", "news_id", n.ID, n.Tags)
	})
	if err != nil {
		return fmt.Errorf("postgres: create news %q: %w", n.Slug, mapErr(err))
	}
	return nil
}
