package sqlcore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// ---- API keys

// keyView is what the audit log keeps of a key: never its hash.
func keyView(k model.APIKey) map[string]string {
	return map[string]string{"name": k.Name, "scopes": model.JoinScopes(k.Scopes)}
}

// CreateAPIKey stores a key's hash and sets its ID.
func (c *Core) CreateAPIKey(ctx context.Context, k *model.APIKey) error {
	if k.Created.IsZero() {
		return c.errorf("create API key: %w", errNoTime)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO api_keys (name, hash, scopes, created_at, created_by)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), CleanText(k.Name), k.Hash, model.JoinScopes(k.Scopes), c.instant(k.Created),
			k.CreatedBy).Scan(&k.ID); err != nil {
			return c.d.MapErr(err)
		}
		return c.audit(ctx, tx, "apikey.add", "apikey", k.ID, nil, keyView(*k))
	})
	if err != nil {
		return c.errorf("create API key %q: %w", k.Name, err)
	}
	return nil
}

const apiKeyColumns = `id, name, hash, scopes, created_at, created_by, last_used_at, revoked_at`

func (c *Core) scanAPIKey(row interface{ Scan(...any) error }) (model.APIKey, error) {
	var k model.APIKey
	var scopes string
	if err := row.Scan(&k.ID, &k.Name, &k.Hash, &scopes, at(&k.Created), &k.CreatedBy, at(&k.LastUsed), at(&k.Revoked)); err != nil {
		return k, c.d.MapErr(err)
	}
	// Scopes were checked when the key was made; one a later version no
	// longer knows is dropped rather than granted.
	for s := range strings.SplitSeq(scopes, ",") {
		if parsed, err := model.ParseScopes(s); err == nil {
			k.Scopes = append(k.Scopes, parsed...)
		}
	}
	return k, nil
}

// APIKeyByHash finds a key by its hash.
func (c *Core) APIKeyByHash(ctx context.Context, hash []byte) (model.APIKey, error) {
	k, err := c.scanAPIKey(c.db.QueryRowContext(ctx, c.rebind(`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`), hash))
	if err != nil {
		return k, c.errorf("API key: %w", err)
	}
	return k, nil
}

// APIKeys lists every key, newest first.
func (c *Core) APIKeys(ctx context.Context) ([]model.APIKey, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, c.errorf("API keys: %w", err)
	}
	defer rows.Close()
	var out []model.APIKey
	for rows.Next() {
		k, err := c.scanAPIKey(rows)
		if err != nil {
			return nil, c.errorf("API keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey ends a key.
func (c *Core) RevokeAPIKey(ctx context.Context, id int64, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		k, err := c.scanAPIKey(tx.QueryRowContext(ctx, c.rebind(`SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`), id))
		if err != nil {
			return err
		}
		if !k.Active() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE api_keys SET revoked_at = ? WHERE id = ?`), c.instant(now), id); err != nil {
			return err
		}
		return c.audit(ctx, tx, "apikey.revoke", "apikey", id, keyView(k), nil)
	})
	if err != nil {
		return c.errorf("revoke API key %d: %w", id, err)
	}
	return nil
}

// TouchAPIKey records a key's use.
func (c *Core) TouchAPIKey(ctx context.Context, id int64, now time.Time) error {
	if _, err := c.write(ctx, c.rebind(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`), c.instant(now), id); err != nil {
		return c.errorf("touch API key %d: %w", id, err)
	}
	return nil
}

// ---- people and what they did

// pageLimit is a page's size: 25 unless asked.
func pageLimit(limit int) int {
	if limit <= 0 {
		return 25
	}
	return limit
}

// where joins conditions into a WHERE clause.
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// People lists supporters not erased, by updated_at then id.
func (c *Core) People(ctx context.Context, f store.PeopleFilter) ([]model.Supporter, int, error) {
	conds := []string{"s.erased_at IS NULL"}
	var args []any
	if f.ID != 0 {
		conds, args = append(conds, "s.id = ?"), append(args, f.ID)
	}
	if f.Email != "" {
		conds, args = append(conds, "s.email_index = ?"), append(args, c.keys.BlindIndex(f.Email))
	}
	if !f.ModifiedAfter.IsZero() {
		conds, args = append(conds, "s.updated_at > ?"), append(args, c.instant(f.ModifiedAfter))
	}
	if !f.ModifiedBefore.IsZero() {
		conds, args = append(conds, "s.updated_at < ?"), append(args, c.instant(f.ModifiedBefore))
	}
	var total int
	if err := c.db.QueryRowContext(ctx, c.rebind(`SELECT COUNT(*) FROM supporters s`+where(conds)), args...).Scan(&total); err != nil {
		return nil, 0, c.errorf("people: %w", err)
	}
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+staffSupporterColumns+` FROM supporters s`+where(conds)+
		` ORDER BY s.updated_at, s.id LIMIT ? OFFSET ?`), append(args, pageLimit(f.Limit), f.Offset)...)
	if err != nil {
		return nil, 0, c.errorf("people: %w", err)
	}
	defer rows.Close()
	var out []model.Supporter
	for rows.Next() {
		sup, err := c.scanSupporter(rows)
		if err != nil {
			return nil, 0, c.errorf("people: %w", err)
		}
		out = append(out, sup)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, c.errorf("people: %w", err)
	}
	return out, total, nil
}

// ParticipationsPage lists participations of supporters not erased, by
// the time they last changed, then id.
func (c *Core) ParticipationsPage(ctx context.Context, f store.ParticipationFilter) ([]model.Participation, int, error) {
	conds := []string{"s.erased_at IS NULL", "a.published_at IS NOT NULL"}
	var args []any
	if f.ID != 0 {
		conds, args = append(conds, "p.id = ?"), append(args, f.ID)
	}
	if f.ActionID != 0 {
		conds, args = append(conds, "p.action_id = ?"), append(args, f.ActionID)
	}
	if f.SupporterID != 0 {
		conds, args = append(conds, "p.supporter_id = ?"), append(args, f.SupporterID)
	}
	if f.Kind != "" {
		conds, args = append(conds, "a.kind = ?"), append(args, string(f.Kind))
	}
	const modified = "COALESCE(p.confirmed_at, p.created_at)"
	if !f.ModifiedAfter.IsZero() {
		conds, args = append(conds, modified+" > ?"), append(args, c.instant(f.ModifiedAfter))
	}
	if !f.ModifiedBefore.IsZero() {
		conds, args = append(conds, modified+" < ?"), append(args, c.instant(f.ModifiedBefore))
	}
	from := ` FROM participations p JOIN supporters s ON s.id = p.supporter_id JOIN actions a ON a.id = p.action_id` + where(conds)
	var total int
	if err := c.db.QueryRowContext(ctx, c.rebind(`SELECT COUNT(*)`+from), args...).Scan(&total); err != nil {
		return nil, 0, c.errorf("participations: %w", err)
	}
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT p.id`+from+` ORDER BY `+modified+`, p.id LIMIT ? OFFSET ?`),
		append(args, pageLimit(f.Limit), f.Offset)...)
	if err != nil {
		return nil, 0, c.errorf("participations: %w", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, 0, c.errorf("participations: %w", err)
	}
	out := make([]model.Participation, 0, len(ids))
	for _, id := range ids {
		p, err := c.Participation(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, nil
}

// Tags lists the themes of published actions, by name.
func (c *Core) Tags(ctx context.Context) ([]model.Tag, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT t.id, t.name FROM tags t WHERE EXISTS (SELECT 1 FROM action_tags at
		JOIN actions a ON a.id = at.action_id WHERE at.tag_id = t.id AND a.published_at IS NOT NULL) ORDER BY t.name`+c.d.CodePointOrder+`, t.id`)
	if err != nil {
		return nil, c.errorf("tags: %w", err)
	}
	defer rows.Close()
	var out []model.Tag
	for rows.Next() {
		var t model.Tag
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, c.errorf("tags: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
