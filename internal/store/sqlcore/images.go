package sqlcore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"

	"vigil/internal/model"
)

func imageID(img *model.Image) int64 {
	if img == nil {
		return 0
	}
	return img.ID
}

// CreateImage stores an image and its variants once per content hash. The
// insert skips a hash already stored (by another transaction too, which
// PostgreSQL waits for), so two uploads of one picture give one row.
//
// The public ID is 128 random bits, not derived from the picture: a hash
// of the file in its URLs would let anyone holding the file ask whether the
// organisation has it, published or not.
func (c *Core) CreateImage(ctx context.Context, img *model.Image, variants []model.ImageVariant) error {
	if img.Created.IsZero() {
		return c.errorf("create image: %w", errNoTime)
	}
	if img.PublicID == "" {
		var name [16]byte
		rand.Read(name[:]) // crypto/rand: never fails
		img.PublicID = hex.EncodeToString(name[:])
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO images (hash, alt, credit, width, height, format, created_at, public_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING id`),
			img.Hash, img.Alt, img.Credit, img.Width, img.Height, img.Format, c.instant(img.Created), img.PublicID).Scan(&img.ID)
		if errors.Is(err, sql.ErrNoRows) {
			// Already stored: take its ID and name, leave its variants.
			return tx.QueryRowContext(ctx, c.rebind(`SELECT id, public_id FROM images WHERE hash = ?`), img.Hash).Scan(&img.ID, &img.PublicID)
		}
		if err != nil {
			return err
		}
		for _, v := range variants {
			if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO image_variants (image_id, width, content_type, data) VALUES (?, ?, ?, ?)`),
				img.ID, v.Width, v.ContentType, v.Data); err != nil {
				return err
			}
		}
		return c.audit(ctx, tx, "image.add", "image", img.ID, nil, map[string]any{"hash": img.Hash, "alt": img.Alt, "widths": len(variants)})
	})
	if err != nil {
		return c.errorf("create image: %w", c.d.MapErr(err))
	}
	return nil
}

// ImageVariant returns one stored rendition.
func (c *Core) ImageVariant(ctx context.Context, publicID string, width int) (model.ImageVariant, error) {
	var v model.ImageVariant
	err := c.db.QueryRowContext(ctx, c.rebind(`SELECT v.image_id, v.width, v.content_type, v.data
		FROM image_variants v JOIN images i ON i.id = v.image_id
		WHERE i.public_id = ? AND v.width = ?`), publicID, width).Scan(&v.ImageID, &v.Width, &v.ContentType, &v.Data)
	if err != nil {
		return v, c.errorf("image %s/%d: %w", publicID, width, c.d.MapErr(err))
	}
	return v, nil
}

// PublicImages lists the public IDs of the images published content shows.
// An action is public when published, whatever its case (as ActionBySlug).
func (c *Core) PublicImages(ctx context.Context) ([]string, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT public_id FROM images WHERE id IN (
		SELECT image_id FROM cases WHERE published_at IS NOT NULL
		UNION SELECT image_id FROM actions WHERE published_at IS NOT NULL
		UNION SELECT image_id FROM news WHERE published_at IS NOT NULL)`)
	if err != nil {
		return nil, c.errorf("public images: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, c.errorf("public images: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("public images: %w", err)
	}
	return ids, nil
}

// loadImage reads an image's description and its variant widths; id 0 is
// no image.
func (c *Core) loadImage(ctx context.Context, q Querier, id int64) (*model.Image, error) {
	if id == 0 {
		return nil, nil
	}
	img := &model.Image{ID: id}
	err := q.QueryRowContext(ctx, c.rebind(`SELECT hash, public_id, alt, credit, width, height, format, created_at FROM images WHERE id = ?`), id).
		Scan(&img.Hash, &img.PublicID, &img.Alt, &img.Credit, &img.Width, &img.Height, &img.Format, at(&img.Created))
	if err != nil {
		return nil, c.d.MapErr(err)
	}
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT width FROM image_variants WHERE image_id = ? ORDER BY width`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var w int
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		img.Widths = append(img.Widths, w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	img.Translations, err = c.translationsOf(ctx, q, model.KindImage, id)
	return img, err
}
