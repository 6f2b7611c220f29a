package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"vigil/internal/markdown"
	"vigil/internal/model"
	"vigil/internal/store"
)

// SearchHooks are how a database matches and ranks search_entries (see
// docs/decisions.md, "Finding cases").
type SearchHooks struct {
	// From is the FROM and WHERE of a search over search_entries e, with
	// one placeholder: the query that Query writes.
	From string
	// Score is an entry's rank in From: lower comes first.
	Score string
	// Query writes a search's folded words (letters and digits only) as
	// the database's query, each word matching as a prefix, all required.
	Query func(words []string) string
}

// searchable names the table of each kind of record search finds.
var searchable = map[string]string{model.KindCase: "cases", model.KindAction: "actions", model.KindNews: "news"}

// snippetWords is the length of a result's snippet.
const snippetWords = 30

// reindex writes the search entries of a record as it stands in tx: none
// unless it is published, else one for its original and one per
// translation. Every write that changes a searchable record's texts or
// publication calls it in its own transaction, so the index never holds a
// text readers cannot see.
func (c *Core) reindex(ctx context.Context, tx *sql.Tx, kind string, id int64) error {
	table, ok := searchable[kind]
	if !ok {
		return nil
	}
	if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM search_entries WHERE kind = ? AND record_id = ?`), kind, id); err != nil {
		return err
	}
	var slug, lang, title, summary, body string
	var published time.Time
	err := tx.QueryRowContext(ctx, c.rebind(`SELECT slug, lang, title, summary, body, published_at FROM `+table+` WHERE id = ?`), id).
		Scan(&slug, &lang, &title, &summary, &body, at(&published))
	if err != nil {
		return err
	}
	if published.IsZero() {
		return nil
	}
	translations, err := c.translationsOf(ctx, tx, kind, id)
	if err != nil {
		return err
	}
	insert := func(entryLang string, original bool, title, summary, body string) error {
		text := strings.TrimSpace(summary + " " + markdown.PlainText(body))
		_, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO search_entries (kind, record_id, lang, original, slug, title, body,
			folded_title, folded_body, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			kind, id, entryLang, original, slug, title, text, model.Fold(title), model.Fold(text), c.instant(published))
		return err
	}
	if err := insert(lang, true, title, summary, body); err != nil {
		return err
	}
	for _, l := range translations.Languages(lang)[1:] {
		texts := translations[l].Texts
		or := func(field, original string) string {
			if t := texts[field]; t != "" {
				return t
			}
			return original
		}
		if err := insert(l, false, or("title", title), or("summary", summary), or("body", body)); err != nil {
			return err
		}
	}
	return nil
}

// IndexForSearch fills an empty search index from the published records,
// for a database migrated from before search. An index with entries, or
// a database with nothing published, is left as it is.
func (c *Core) IndexForSearch(ctx context.Context) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var indexed bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM search_entries)`).Scan(&indexed); err != nil {
			return err
		}
		if indexed {
			return nil
		}
		for _, kind := range []string{model.KindCase, model.KindAction, model.KindNews} {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM `+searchable[kind]+` WHERE published_at IS NOT NULL ORDER BY id`)
			if err != nil {
				return err
			}
			ids, err := scanIDs(rows)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := c.reindex(ctx, tx, kind, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(c.d.MapErr(err), model.ErrConflict) {
		// Another instance started with this one and indexed first.
		return nil
	}
	if err != nil {
		return c.errorf("index for search: %w", err)
	}
	return nil
}

// Search finds published records; see store.Finding.
func (c *Core) Search(ctx context.Context, q store.SearchQuery) ([]model.SearchHit, error) {
	words := model.QueryWords(q.Text)
	if len(words) == 0 {
		return nil, nil
	}
	h := c.d.Search
	// One hit per record: its entry in the reader's language when that
	// one matched, else its best.
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT kind, slug, lang, title, body, published_at FROM (
			SELECT m.*, ROW_NUMBER() OVER (PARTITION BY m.kind, m.record_id ORDER BY m.mine DESC, m.score, m.id) AS n FROM (
				SELECT e.id, e.kind, e.record_id, e.slug, e.lang, e.title, e.body, e.published_at,
					CASE WHEN e.lang = ? THEN 1 ELSE 0 END AS mine, `+h.Score+` AS score
				FROM `+h.From+` AND (e.lang = ? OR e.original)) m) r
		WHERE r.n = 1 ORDER BY r.score, r.published_at DESC, r.id LIMIT ? OFFSET ?`),
		q.Lang, h.Query(words), q.Lang, limitOrAll(q.Limit), max(q.Offset, 0))
	if err != nil {
		return nil, c.errorf("search: %w", err)
	}
	defer rows.Close()
	var hits []model.SearchHit
	for rows.Next() {
		var hit model.SearchHit
		var title, body string
		if err := rows.Scan(&hit.Kind, &hit.Slug, &hit.Lang, &title, &body, at(&hit.Published)); err != nil {
			return nil, c.errorf("search: %w", err)
		}
		hit.Title = model.Highlight(title, words)
		hit.Snippet = model.Snippet(body, words, snippetWords)
		hits = append(hits, hit)
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("search: %w", err)
	}
	return hits, nil
}

// caseActivity is when a case last moved: its publication or its last
// change, whichever is later.
const caseActivity = `CASE WHEN published_at > updated_at THEN published_at ELSE updated_at END`

// CaseList lists published cases; see store.Finding.
func (c *Core) CaseList(ctx context.Context, f model.CaseFilter, offset, limit int) ([]model.Case, error) {
	tail := `WHERE published_at IS NOT NULL`
	var args []any
	if f.Status != "" {
		tail += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Country != "" {
		tail += ` AND id IN (SELECT case_id FROM case_countries WHERE code = ?)`
		args = append(args, f.Country)
	}
	if f.Theme != "" {
		tail += ` AND id IN (SELECT ct.case_id FROM case_tags ct JOIN tags t ON t.id = ct.tag_id WHERE t.name = ?)`
		args = append(args, f.Theme)
	}
	tail += ` ORDER BY ` + caseActivity + ` DESC, id DESC LIMIT ? OFFSET ?`
	args = append(args, limitOrAll(limit), max(offset, 0))
	cases, err := c.queryCases(ctx, tail, args...)
	if err != nil {
		return nil, c.errorf("case list: %w", err)
	}
	return cases, nil
}

// CaseFilterValues lists the countries and themes of published cases; see
// store.Finding.
func (c *Core) CaseFilterValues(ctx context.Context) (countries, themes []string, err error) {
	list := func(query string) ([]string, error) {
		rows, err := c.db.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		slices.Sort(out) // by code point, whatever the collation
		return out, rows.Err()
	}
	countries, err = list(`SELECT DISTINCT cc.code FROM case_countries cc JOIN cases c ON c.id = cc.case_id
		WHERE c.published_at IS NOT NULL`)
	if err == nil {
		themes, err = list(`SELECT DISTINCT t.name FROM tags t JOIN case_tags ct ON ct.tag_id = t.id JOIN cases c ON c.id = ct.case_id
			WHERE c.published_at IS NOT NULL`)
	}
	if err != nil {
		return nil, nil, c.errorf("case filter values: %w", err)
	}
	return countries, themes, nil
}
