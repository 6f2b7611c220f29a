package sqlcore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"vigil/internal/model"
)

// translatable names the table of each kind of record that has
// translations.
var translatable = map[string]string{
	model.KindCase: "cases", model.KindUpdate: "updates", model.KindAction: "actions",
	model.KindNews: "news", model.KindImage: "images",
}

// translationsOf reads a record's translations, nil when it has none.
func (c *Core) translationsOf(ctx context.Context, q Querier, kind string, id int64) (model.Translations, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT lang, texts, source, version, saved_at FROM translations
		WHERE kind = ? AND record_id = ? ORDER BY lang`), kind, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts model.Translations
	for rows.Next() {
		var t model.Translation
		var texts string
		if err := rows.Scan(&t.Lang, &texts, &t.Source, &t.Version, at(&t.Saved)); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(texts), &t.Texts); err != nil {
			return nil, fmt.Errorf("translation of %s %d in %s: %w", kind, id, t.Lang, err)
		}
		if ts == nil {
			ts = model.Translations{}
		}
		ts[t.Lang] = t
	}
	return ts, rows.Err()
}

// SaveTranslation stores a record's texts in t.Lang, made from the
// original whose fingerprint is t.Source, if nobody saved that translation
// since the translator read version seen (0: there was none). A save from
// an older version is model.ErrStale; an unknown record model.ErrNotFound.
// It sets t.Version.
func (c *Core) SaveTranslation(ctx context.Context, kind string, recordID int64, t *model.Translation, seen int) error {
	table, ok := translatable[kind]
	if !ok {
		return c.errorf("save translation: no kind %q", kind)
	}
	if t.Saved.IsZero() {
		return c.errorf("save translation: %w", errNoTime)
	}
	if t.Lang == "" {
		return c.errorf("save translation of %s %d: no language", kind, recordID)
	}
	texts, err := json.Marshal(t.Texts)
	if err != nil {
		return err
	}
	err = c.d.InTx(ctx, func(tx *sql.Tx) error {
		var lang string
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT `+langOf(kind)+` FROM `+table+` WHERE id = ?`+c.d.ForUpdate), recordID).
			Scan(&lang); err != nil {
			return c.d.MapErr(err)
		}
		if lang == t.Lang {
			return fmt.Errorf("%s %d is written in %s: its text is the original, not a translation", kind, recordID, lang)
		}
		before, err := c.translationsOf(ctx, tx, kind, recordID)
		if err != nil {
			return err
		}
		old, exists := before[t.Lang]
		if old.Version != seen {
			return model.ErrStale
		}
		t.Version = seen + 1
		if exists {
			_, err = tx.ExecContext(ctx, c.rebind(`UPDATE translations SET texts = ?, source = ?, version = ?, saved_at = ?
				WHERE kind = ? AND record_id = ? AND lang = ?`), string(texts), t.Source, t.Version, c.instant(t.Saved),
				kind, recordID, t.Lang)
		} else {
			_, err = tx.ExecContext(ctx, c.rebind(`INSERT INTO translations (kind, record_id, lang, texts, source, version, saved_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), kind, recordID, t.Lang, string(texts), t.Source, t.Version, c.instant(t.Saved))
		}
		if err != nil {
			return err
		}
		var prev any
		if exists {
			prev = old
		}
		if err := c.reindex(ctx, tx, kind, recordID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "translation.save", kind, recordID, prev, t)
	})
	if err != nil {
		return c.errorf("save translation of %s %d in %s: %w", kind, recordID, t.Lang, c.d.MapErr(err))
	}
	return nil
}

// langOf is the column giving the language a record of kind is written
// in: an update is written in its case's, a picture in none of its own.
func langOf(kind string) string {
	switch kind {
	case model.KindUpdate:
		return `(SELECT lang FROM cases WHERE cases.id = updates.case_id)`
	case model.KindImage:
		return `''`
	}
	return `lang`
}
