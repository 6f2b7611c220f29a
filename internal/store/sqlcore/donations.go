package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// ActiveMonthlyGift is a condition on a supporter row aliased s: they
// give monthly, through a gift linked to them or to their address, that
// has not ended. A retention query that erases inactive supporters adds
// "AND NOT " + ActiveMonthlyGift.
const ActiveMonthlyGift = `EXISTS (SELECT 1 FROM monthly_gifts g WHERE g.ended_at IS NULL
	AND (g.supporter_id = s.id OR g.email_index = s.email_index))`

// ApplyStripeEvent applies a verified event once: its id is inserted
// first, in the same transaction as its effect, so a retry finds it and
// does nothing.
func (c *Core) ApplyStripeEvent(ctx context.Context, e store.StripeEvent, compose store.ComposeReceipt) (bool, error) {
	if e.Received.IsZero() {
		return false, c.errorf("stripe event %s: %w", e.ID, errNoTime)
	}
	var applied bool
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		applied = false
		res, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO stripe_events (event_id, type, received_at) VALUES (?, ?, ?)
			ON CONFLICT (event_id) DO NOTHING`), e.ID, e.Type, c.instant(e.Received))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		applied = true
		var gift model.MonthlyGift
		if e.Gift != nil {
			if gift, err = c.upsertGift(ctx, tx, *e.Gift, e.Received, false); err != nil {
				return err
			}
			if !e.Ended.IsZero() {
				if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE monthly_gifts SET ended_at = COALESCE(ended_at, ?) WHERE id = ?`),
					c.instant(e.Ended), gift.ID); err != nil {
					return err
				}
			}
		}
		if e.Payment == nil {
			return nil
		}
		d := *e.Payment
		if gift.ID != 0 {
			d.GiftID, d.Monthly, d.SubscriptionID = gift.ID, true, gift.SubscriptionID
			if d.CaseSlug == "" {
				d.CaseSlug = gift.CaseSlug
			}
			if d.Lang == "" {
				d.Lang = gift.Lang
			}
			if d.CustomerID == "" {
				d.CustomerID = gift.CustomerID
			}
			if !gift.Erased.IsZero() {
				// The donor was erased: the payment is kept without them.
				d.Name, d.Email = "", ""
			} else {
				if d.Name == "" {
					d.Name = gift.Name
				}
				if d.Email == "" {
					d.Email = gift.Email
				}
			}
		}
		if d.Paid.IsZero() {
			d.Paid = e.Received
		}
		inserted, err := c.insertDonation(ctx, tx, &d)
		if err != nil || !inserted || d.Email == "" || compose == nil {
			return err
		}
		m, err := compose(d)
		if err != nil {
			return err
		}
		m.SupporterID = d.SupporterID
		return c.EnqueueTx(ctx, tx, &m, e.Received)
	})
	if err != nil {
		return false, c.errorf("stripe event %s: %w", e.ID, err)
	}
	return applied, nil
}

// supporterByEmail is the supporter, not erased, with the address; 0 for
// none.
func (c *Core) supporterByEmail(ctx context.Context, tx *sql.Tx, index []byte) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, c.rebind(`SELECT id FROM supporters WHERE email_index = ? AND erased_at IS NULL`), index).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// donorIndex is the blind index of a donor's address, nil for none.
func (c *Core) donorIndex(email string) []byte {
	if email == "" {
		return nil
	}
	return c.keys.BlindIndex(email)
}

// upsertGift creates a monthly gift, or fills in what a known one lacks,
// and returns it as stored, fields opened.
func (c *Core) upsertGift(ctx context.Context, tx *sql.Tx, g model.MonthlyGift, now time.Time, retried bool) (model.MonthlyGift, error) {
	stored, err := c.scanGift(tx.QueryRowContext(ctx, c.rebind(`SELECT `+giftColumns+` FROM monthly_gifts WHERE subscription_id = ?`),
		g.SubscriptionID))
	switch {
	case errors.Is(err, model.ErrNotFound):
		if g.Started.IsZero() {
			g.Started = now
		}
		index := c.donorIndex(g.Email)
		if index != nil {
			if g.SupporterID, err = c.supporterByEmail(ctx, tx, index); err != nil {
				return g, err
			}
		}
		// Another event about the same gift may be inserting it at this
		// moment (PostgreSQL): this insert then waits for it, does
		// nothing, and the gift is read again as known.
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO monthly_gifts (subscription_id, customer_id, amount, currency,
			case_slug, lang, email_index, supporter_id, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (subscription_id) DO NOTHING RETURNING id`),
			g.SubscriptionID, g.CustomerID, g.Amount, g.Currency, g.CaseSlug, g.Lang, index, nullID(g.SupporterID),
			c.instant(g.Started)).Scan(&g.ID)
		if errors.Is(err, sql.ErrNoRows) && !retried {
			return c.upsertGift(ctx, tx, g, now, true)
		}
		if err != nil {
			return g, err
		}
		_, err = tx.ExecContext(ctx, c.rebind(`UPDATE monthly_gifts SET name_sealed = ?, email_sealed = ? WHERE id = ?`),
			c.seal(g.Name, "monthly_gifts", "name", g.ID), c.seal(g.Email, "monthly_gifts", "email", g.ID), g.ID)
		return g, err
	case err != nil:
		return g, err
	}
	fill := func(have *string, seen string) {
		if *have == "" {
			*have = seen
		}
	}
	fill(&stored.CustomerID, g.CustomerID)
	fill(&stored.Currency, g.Currency)
	fill(&stored.CaseSlug, g.CaseSlug)
	fill(&stored.Lang, g.Lang)
	if stored.Amount == 0 {
		stored.Amount = g.Amount
	}
	if stored.Erased.IsZero() {
		fill(&stored.Name, g.Name)
		fill(&stored.Email, g.Email)
	}
	index := c.donorIndex(stored.Email)
	if stored.SupporterID == 0 && index != nil {
		if stored.SupporterID, err = c.supporterByEmail(ctx, tx, index); err != nil {
			return stored, err
		}
	}
	_, err = tx.ExecContext(ctx, c.rebind(`UPDATE monthly_gifts SET customer_id = ?, amount = ?, currency = ?, case_slug = ?,
		lang = ?, name_sealed = ?, email_sealed = ?, email_index = ?, supporter_id = ? WHERE id = ?`),
		stored.CustomerID, stored.Amount, stored.Currency, stored.CaseSlug, stored.Lang,
		c.seal(stored.Name, "monthly_gifts", "name", stored.ID), c.seal(stored.Email, "monthly_gifts", "email", stored.ID),
		index, nullID(stored.SupporterID), stored.ID)
	return stored, err
}

// insertDonation stores a payment unless its reference is known, and
// reports whether it did.
func (c *Core) insertDonation(ctx context.Context, tx *sql.Tx, d *model.Donation) (bool, error) {
	index := c.donorIndex(d.Email)
	if index != nil && d.SupporterID == 0 {
		var err error
		if d.SupporterID, err = c.supporterByEmail(ctx, tx, index); err != nil {
			return false, err
		}
	}
	err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO donations (payment_ref, session_id, subscription_id, customer_id,
		amount, currency, monthly, case_slug, lang, email_index, supporter_id, paid_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (payment_ref) DO NOTHING RETURNING id`),
		d.Ref, d.SessionID, d.SubscriptionID, d.CustomerID, d.Amount, d.Currency, d.Monthly, d.CaseSlug, d.Lang, index,
		nullID(d.SupporterID), c.instant(d.Paid)).Scan(&d.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, c.rebind(`UPDATE donations SET name_sealed = ?, email_sealed = ? WHERE id = ?`),
		c.seal(d.Name, "donations", "name", d.ID), c.seal(d.Email, "donations", "email", d.ID), d.ID)
	return err == nil, err
}

const giftColumns = `id, subscription_id, customer_id, amount, currency, case_slug, lang, name_sealed, email_sealed,
	COALESCE(supporter_id, 0), started_at, ended_at, erased_at`

func (c *Core) scanGift(row interface{ Scan(...any) error }) (model.MonthlyGift, error) {
	var g model.MonthlyGift
	var name, email []byte
	if err := row.Scan(&g.ID, &g.SubscriptionID, &g.CustomerID, &g.Amount, &g.Currency, &g.CaseSlug, &g.Lang, &name, &email,
		&g.SupporterID, at(&g.Started), at(&g.Ended), at(&g.Erased)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return g, model.ErrNotFound
		}
		return g, err
	}
	var err error
	if g.Name, err = c.open(name, "monthly_gifts", "name", g.ID); err != nil {
		return g, err
	}
	g.Email, err = c.open(email, "monthly_gifts", "email", g.ID)
	return g, err
}

// EndMonthlyGift records a gift's end, keeping an earlier one.
func (c *Core) EndMonthlyGift(ctx context.Context, giftID int64, now time.Time) error {
	if now.IsZero() {
		return c.errorf("end monthly gift %d: %w", giftID, errNoTime)
	}
	res, err := c.write(ctx, c.rebind(`UPDATE monthly_gifts SET ended_at = COALESCE(ended_at, ?) WHERE id = ?`), c.instant(now), giftID)
	if err != nil {
		return c.errorf("end monthly gift %d: %w", giftID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c.errorf("end monthly gift %d: %w", giftID, model.ErrNotFound)
	}
	return nil
}

// MonthlyGift returns one monthly gift.
func (c *Core) MonthlyGift(ctx context.Context, giftID int64) (model.MonthlyGift, error) {
	g, err := c.scanGift(c.db.QueryRowContext(ctx, c.rebind(`SELECT `+giftColumns+` FROM monthly_gifts WHERE id = ?`), giftID))
	if err != nil {
		return g, c.errorf("monthly gift %d: %w", giftID, err)
	}
	return g, nil
}

// HasActiveMonthlyGift reports whether the supporter gives monthly.
func (c *Core) HasActiveMonthlyGift(ctx context.Context, supporterID int64) (bool, error) {
	var active bool
	err := c.db.QueryRowContext(ctx, c.rebind(`SELECT `+ActiveMonthlyGift+` FROM supporters s WHERE s.id = ?`), supporterID).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) {
		return false, c.errorf("active monthly gift of %d: %w", supporterID, model.ErrNotFound)
	}
	if err != nil {
		return false, c.errorf("active monthly gift of %d: %w", supporterID, err)
	}
	return active, nil
}

// DonationTotals sums payments per day, currency and kind.
func (c *Core) DonationTotals(ctx context.Context, from, to time.Time) ([]store.DonationTotal, error) {
	day := c.d.Day("paid_at")
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+day+`, currency, monthly, COUNT(*), CAST(SUM(amount) AS bigint)
		FROM donations WHERE paid_at >= ? AND paid_at < ? GROUP BY `+day+`, currency, monthly
		ORDER BY `+day+`, currency, monthly`), c.instant(from), c.instant(to))
	if err != nil {
		return nil, c.errorf("donation totals: %w", err)
	}
	defer rows.Close()
	var out []store.DonationTotal
	for rows.Next() {
		var t store.DonationTotal
		if err := rows.Scan(&t.Day, &t.Currency, &t.Monthly, &t.Count, &t.Amount); err != nil {
			return nil, c.errorf("donation totals: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const donationColumns = `id, payment_ref, session_id, subscription_id, customer_id, amount, currency, monthly, case_slug, lang,
	name_sealed, email_sealed, COALESCE(supporter_id, 0), paid_at, erased_at`

func (c *Core) scanDonations(rows *sql.Rows) ([]model.Donation, error) {
	defer rows.Close()
	var out []model.Donation
	for rows.Next() {
		var d model.Donation
		var name, email []byte
		if err := rows.Scan(&d.ID, &d.Ref, &d.SessionID, &d.SubscriptionID, &d.CustomerID, &d.Amount, &d.Currency, &d.Monthly,
			&d.CaseSlug, &d.Lang, &name, &email, &d.SupporterID, at(&d.Paid), at(&d.Erased)); err != nil {
			return nil, err
		}
		var err error
		if d.Name, err = c.open(name, "donations", "name", d.ID); err != nil {
			return nil, err
		}
		if d.Email, err = c.open(email, "donations", "email", d.ID); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RecentDonations lists the latest payments.
func (c *Core) RecentDonations(ctx context.Context, limit int) ([]model.Donation, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+donationColumns+` FROM donations ORDER BY paid_at DESC, id DESC LIMIT ?`),
		limitOrAll(limit))
	if err != nil {
		return nil, c.errorf("recent donations: %w", err)
	}
	out, err := c.scanDonations(rows)
	if err != nil {
		return nil, c.errorf("recent donations: %w", err)
	}
	return out, nil
}

// ExportDonations calls fn with every payment by id, a batch at a time.
func (c *Core) ExportDonations(ctx context.Context, fn func(model.Donation) error) error {
	var after int64
	for {
		rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+donationColumns+` FROM donations WHERE id > ? ORDER BY id LIMIT ?`),
			after, ExportBatch)
		if err != nil {
			return c.errorf("export donations: %w", err)
		}
		batch, err := c.scanDonations(rows)
		if err != nil {
			return c.errorf("export donations: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, d := range batch {
			if err := fn(d); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].ID
	}
}

// SupporterDonations lists the payments linked to a supporter or to
// their address.
func (c *Core) SupporterDonations(ctx context.Context, supporterID int64) ([]model.Donation, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+donationColumns+` FROM donations
		WHERE supporter_id = ? OR email_index = (SELECT email_index FROM supporters WHERE id = ?)
		ORDER BY paid_at DESC, id DESC`), supporterID, supporterID)
	if err != nil {
		return nil, c.errorf("donations of %d: %w", supporterID, err)
	}
	out, err := c.scanDonations(rows)
	if err != nil {
		return nil, c.errorf("donations of %d: %w", supporterID, err)
	}
	return out, nil
}

// eraseDonors empties the personal fields of the gifts of a supporter
// (linked to them or to their address, index, read before it is
// replaced), keeping the financial record.
func (c *Core) eraseDonors(ctx context.Context, tx *sql.Tx, supporterID int64, index []byte, now time.Time) error {
	for _, table := range []string{"donations", "monthly_gifts"} {
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE `+table+` SET name_sealed = NULL, email_sealed = NULL,
			email_index = NULL, erased_at = COALESCE(erased_at, ?), supporter_id = ?
			WHERE supporter_id = ? OR email_index = ?`), c.instant(now), supporterID, supporterID, index); err != nil {
			return err
		}
	}
	return nil
}

var _ store.Donations = (*Core)(nil)
