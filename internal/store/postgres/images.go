package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"vigil/internal/model"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// CreateImage stores an image and its variants once per content hash. The
// insert skips a hash already stored (by another transaction too, which it
// waits for), so two uploads of one picture at once give one row, as
// SQLite's single writer does.
func (s *DB) CreateImage(ctx context.Context, img *model.Image, variants []model.ImageVariant) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO images (hash, alt, credit, width, height, format, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING RETURNING id`,
			img.Hash, img.Alt, img.Credit, img.Width, img.Height, img.Format, instant(img.Created)).Scan(&img.ID)
		if errors.Is(err, sql.ErrNoRows) {
			// Already stored: take its ID, leave its variants.
			return tx.QueryRowContext(ctx, `SELECT id FROM images WHERE hash = $1`, img.Hash).Scan(&img.ID)
		}
		if err != nil {
			return err
		}
		for _, v := range variants {
			if _, err := tx.ExecContext(ctx, `INSERT INTO image_variants (image_id, width, content_type, data) VALUES ($1, $2, $3, $4)`,
				img.ID, v.Width, v.ContentType, v.Data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: create image: %w", mapErr(err))
	}
	return nil
}

// ImageVariant returns one stored rendition.
func (s *DB) ImageVariant(ctx context.Context, hash string, width int) (model.ImageVariant, error) {
	var v model.ImageVariant
	err := s.db.QueryRowContext(ctx, `SELECT v.image_id, v.width, v.content_type, v.data
		FROM image_variants v JOIN images i ON i.id = v.image_id
		WHERE i.hash = $1 AND v.width = $2`, hash, width).Scan(&v.ImageID, &v.Width, &v.ContentType, &v.Data)
	if err != nil {
		return v, fmt.Errorf("postgres: image %s/%d: %w", hash, width, mapErr(err))
	}
	return v, nil
}

// loadImage reads an image's description and its variant widths; a null id
// is no image.
func loadImage(ctx context.Context, q querier, id sql.NullInt64) (*model.Image, error) {
	if !id.Valid {
		return nil, nil
	}
	img := &model.Image{ID: id.Int64}
	var created sql.NullTime
	var widths sql.NullString
	err := q.QueryRowContext(ctx, `SELECT hash, alt, credit, width, height, format, created_at,
			(SELECT string_agg(width::text, ',') FROM image_variants WHERE image_id = images.id)
		FROM images WHERE id = $1`, id.Int64).
		Scan(&img.Hash, &img.Alt, &img.Credit, &img.Width, &img.Height, &img.Format, &created, &widths)
	if err != nil {
		return nil, mapErr(err)
	}
	img.Created = fromNull(created)
	for _, w := range strings.Split(widths.String, ",") {
		if n, err := strconv.Atoi(w); err == nil {
			img.Widths = append(img.Widths, n)
		}
	}
	sort.Ints(img.Widths)
	return img, nil
}

// setTags links the named tags to one row of a link table, creating tags
// that do not exist yet.
func setTags(ctx context.Context, tx *sql.Tx, linkTable, column string, id int64, names []string) error {
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name); err != nil {
			return err
		}
		// linkTable and column are constants chosen by this package.
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+linkTable+` (`+column+`, tag_id)
			SELECT $1, id FROM tags WHERE name = $2 ON CONFLICT DO NOTHING`, id, name); err != nil {
			return err
		}
	}
	return nil
}

// tagsOf lists the tag names linked to one row, alphabetically: in code
// point order whatever the database's collation, as SQLite sorts.
func tagsOf(ctx context.Context, q querier, linkTable, column string, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.name FROM tags t JOIN `+linkTable+` l ON l.tag_id = t.id
		WHERE l.`+column+` = $1 ORDER BY t.name COLLATE "C"`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}
