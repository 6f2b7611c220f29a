package sqlcore

import (
	"context"
	"errors"
	"time"

	"vigil/internal/model"
)

// inactiveSupporters selects the supporters, not erased, whose every sign
// of life came before the limit (the one parameter, given six times):
// their record, their confirmation, a participation made or confirmed, a
// consent answered, a gift paid (model.LastActive is the same rule, for
// one supporter, without gifts). Vigil never tracks opens or clicks, so
// these are all it knows. A supporter who gives monthly is never erased,
// however long ago they last did anything else.
const inactiveSupporters = `FROM supporters s
	WHERE s.erased_at IS NULL AND s.created_at < ?
	AND (s.confirmed_at IS NULL OR s.confirmed_at < ?)
	AND NOT EXISTS (SELECT 1 FROM participations p WHERE p.supporter_id = s.id
		AND (p.created_at >= ? OR p.confirmed_at >= ?))
	AND NOT EXISTS (SELECT 1 FROM consents cn WHERE cn.supporter_id = s.id AND cn.at >= ?)
	AND NOT EXISTS (SELECT 1 FROM donations d WHERE (d.supporter_id = s.id OR d.email_index = s.email_index)
		AND d.paid_at >= ?)
	AND NOT ` + ActiveMonthlyGift

func (c *Core) inactiveArgs(before time.Time) []any {
	b := c.instant(before)
	return []any{b, b, b, b, b, b}
}

// CountInactive counts the supporters retention would erase at limit
// before.
func (c *Core) CountInactive(ctx context.Context, before time.Time) (int, error) {
	if before.IsZero() {
		return 0, errors.New("store: count inactive: no limit given")
	}
	var n int
	if err := c.db.QueryRowContext(ctx, c.rebind(`SELECT COUNT(*) `+inactiveSupporters), c.inactiveArgs(before)...).Scan(&n); err != nil {
		return 0, c.errorf("count inactive: %w", err)
	}
	return n, nil
}

// EraseInactive erases, through EraseSupporter (one transaction each, so
// webhook receivers hear each erasure and counts stay), every supporter
// inactive since before, reading their ids RetentionChunk at a time.
func (c *Core) EraseInactive(ctx context.Context, before, now time.Time) (int, error) {
	if before.IsZero() || now.IsZero() {
		return 0, errors.New("store: erase inactive: no time given")
	}
	total := 0
	for {
		ids, err := c.inactiveIDs(ctx, before)
		if err != nil {
			return total, err
		}
		for _, id := range ids {
			if err := c.EraseSupporter(ctx, id, now); err != nil && !errors.Is(err, model.ErrNotFound) {
				return total, err
			}
			total++
		}
		if len(ids) < RetentionChunk {
			return total, nil
		}
	}
}

func (c *Core) inactiveIDs(ctx context.Context, before time.Time) ([]int64, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT s.id `+inactiveSupporters+` ORDER BY s.id LIMIT ?`),
		append(c.inactiveArgs(before), RetentionChunk)...)
	if err != nil {
		return nil, c.errorf("inactive supporters: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, c.errorf("inactive supporters: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
