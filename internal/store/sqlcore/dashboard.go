package sqlcore

import (
	"context"
	"time"

	"vigil/internal/store"
)

// ParticipationsPerDay counts an action's participations per UTC day.
func (c *Core) ParticipationsPerDay(ctx context.Context, actionID int64, from, to time.Time) ([]store.DayCount, error) {
	day := c.d.Day("created_at")
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+day+`, COUNT(*) FROM participations
		WHERE action_id = ? AND created_at >= ? AND created_at < ? GROUP BY `+day+` ORDER BY 1`),
		actionID, c.instant(from), c.instant(to))
	if err != nil {
		return nil, c.errorf("participations per day: %w", err)
	}
	defer rows.Close()
	var out []store.DayCount
	for rows.Next() {
		var d string
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, c.errorf("participations per day: %w", err)
		}
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return nil, c.errorf("participations per day: %w", err)
		}
		out = append(out, store.DayCount{Day: t, Count: n})
	}
	return out, rows.Err()
}

// LatestParticipations lists the most recent participations with the
// supporter's name and country.
func (c *Core) LatestParticipations(ctx context.Context, limit int) ([]store.RecentParticipation, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT p.created_at, p.confirmed_at, a.title, a.slug, s.id, s.name_sealed, s.country
		FROM participations p JOIN actions a ON a.id = p.action_id JOIN supporters s ON s.id = p.supporter_id
		ORDER BY p.id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, c.errorf("latest participations: %w", err)
	}
	defer rows.Close()
	var out []store.RecentParticipation
	for rows.Next() {
		var rp store.RecentParticipation
		var confirmed time.Time
		var name []byte
		if err := rows.Scan(at(&rp.At), at(&confirmed), &rp.ActionTitle, &rp.ActionSlug, &rp.SupporterID, &name, &rp.Country); err != nil {
			return nil, c.errorf("latest participations: %w", err)
		}
		rp.Confirmed = !confirmed.IsZero()
		if rp.Name, err = c.open(name, "supporters", "name", rp.SupporterID); err != nil {
			return nil, c.errorf("latest participations: %w", err)
		}
		out = append(out, rp)
	}
	return out, rows.Err()
}
