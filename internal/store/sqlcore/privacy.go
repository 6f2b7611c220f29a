package sqlcore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// QueueToAddress queues the email compose writes to the supporter, not
// erased, found at a normalised address.
func (c *Core) QueueToAddress(ctx context.Context, email string, now time.Time, compose func(model.Supporter) (model.OutboxMessage, error)) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		sup, err := c.scanSupporter(tx.QueryRowContext(ctx, c.rebind(`SELECT `+staffSupporterColumns+`
			FROM supporters s WHERE s.email_index = ? AND s.erased_at IS NULL`), c.keys.BlindIndex(email)))
		if err != nil {
			return err
		}
		m, err := compose(sup)
		if err != nil {
			return err
		}
		m.SupporterID = sup.ID
		return c.EnqueueTx(ctx, tx, &m, now)
	})
	if err != nil {
		return c.errorf("queue to address: %w", c.d.MapErr(err))
	}
	return nil
}

// PersonalData reads everything held about a supporter not erased.
func (c *Core) PersonalData(ctx context.Context, supporterID int64) (store.PersonalData, error) {
	var out store.PersonalData
	sup, err := c.SupporterForStaff(ctx, supporterID)
	if err != nil {
		return out, err
	}
	if !sup.Erased.IsZero() {
		return out, c.errorf("personal data of %d: %w", supporterID, model.ErrNotFound)
	}
	out.Supporter = sup
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT key, text, given, source, at FROM consents
		WHERE supporter_id = ? ORDER BY at, id`), supporterID)
	if err != nil {
		return out, c.errorf("personal data of %d: %w", supporterID, err)
	}
	for rows.Next() {
		var cn model.Consent
		if err := rows.Scan(&cn.Key, &cn.Text, &cn.Given, &cn.Source, at(&cn.At)); err != nil {
			rows.Close()
			return out, c.errorf("personal data of %d: %w", supporterID, err)
		}
		out.Consents = append(out.Consents, cn)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, c.errorf("personal data of %d: %w", supporterID, err)
	}
	ps, err := c.ParticipationsOf(ctx, supporterID)
	if err != nil {
		return out, err
	}
	for _, p := range ps {
		a, err := c.ActionOfParticipation(ctx, p.ID)
		if err != nil {
			return out, err
		}
		out.Participations = append(out.Participations, store.PersonalParticipation{Participation: p, Action: a})
	}
	mrows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+OutboxColumns+` FROM outbox WHERE supporter_id = ? ORDER BY id`), supporterID)
	if err != nil {
		return out, c.errorf("personal data of %d: %w", supporterID, err)
	}
	defer mrows.Close()
	for mrows.Next() {
		m, err := ScanOutbox(mrows)
		if err != nil {
			return out, c.errorf("personal data of %d: %w", supporterID, err)
		}
		out.Messages = append(out.Messages, m)
	}
	return out, mrows.Err()
}

// EraseOnRequest erases a supporter and queues the email confirming it,
// in one transaction.
func (c *Core) EraseOnRequest(ctx context.Context, supporterID int64, now time.Time, farewell model.OutboxMessage) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var erased time.Time
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT erased_at FROM supporters WHERE id = ?`+c.d.ForUpdate),
			supporterID).Scan(at(&erased)); err != nil {
			return c.d.MapErr(err)
		}
		if !erased.IsZero() {
			return model.ErrNotFound
		}
		if err := c.eraseTx(ctx, tx, supporterID, now); err != nil {
			return err
		}
		// After the erasure deleted the supporter's emails: this one
		// belongs to nobody, and only its sealed body, dropped after
		// --mail-retention, holds the address.
		farewell.SupporterID, farewell.ParticipationID, farewell.UpdateID = 0, 0, 0
		return c.EnqueueTx(ctx, tx, &farewell, now)
	})
	if err != nil {
		return c.errorf("erase on request %d: %w", supporterID, c.d.MapErr(err))
	}
	return nil
}

// choiceParticipations reads a supporter's participations in actions of
// cases, with their "updates" answers, and the cases they opted out of.
func (c *Core) choiceParticipations(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, supporterID int64) ([]model.CaseParticipation, []int64, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT p.id, a.case_id, p.confirmed_at,
		(SELECT COUNT(*) FROM consents cn WHERE cn.participation_id = p.id AND cn.key = '`+model.ConsentUpdates+`' AND NOT cn.given)
		FROM participations p JOIN actions a ON a.id = p.action_id
		WHERE p.supporter_id = ? AND a.case_id IS NOT NULL ORDER BY p.id`), supporterID)
	if err != nil {
		return nil, nil, err
	}
	var cps []model.CaseParticipation
	for rows.Next() {
		var cp model.CaseParticipation
		var declined int
		if err := rows.Scan(&cp.Participation.ID, &cp.CaseID, at(&cp.Participation.Confirmed), &declined); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if declined > 0 {
			cp.Consents = []model.Consent{{Key: model.ConsentUpdates, Given: false}}
		}
		cps = append(cps, cp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	orows, err := q.QueryContext(ctx, c.rebind(`SELECT case_id FROM update_optouts WHERE supporter_id = ? ORDER BY case_id`), supporterID)
	if err != nil {
		return nil, nil, err
	}
	optedOut, err := scanIDs(orows)
	return cps, optedOut, err
}

// EmailChoices returns the cases a supporter asked updates of, whether
// they still receive each, and whether they receive the newsletter.
func (c *Core) EmailChoices(ctx context.Context, supporterID int64) (model.EmailChoices, error) {
	var out model.EmailChoices
	sup, err := c.SupporterForStaff(ctx, supporterID)
	if err != nil {
		return out, err
	}
	if !sup.Erased.IsZero() {
		return out, c.errorf("email choices of %d: %w", supporterID, model.ErrNotFound)
	}
	out.Unsubscribed = sup.Unsubscribed
	cps, optedOut, err := c.choiceParticipations(ctx, c.db, supporterID)
	if err != nil {
		return out, c.errorf("email choices of %d: %w", supporterID, err)
	}
	// The cases listed are those whose updates they asked for when they
	// acted (the rule, as if they had neither unsubscribed nor opted out);
	// each is ticked if the rule, as things stand, sends them.
	asked := sup
	asked.Unsubscribed = time.Time{}
	seen := map[int64]bool{}
	for _, cp := range cps {
		if seen[cp.CaseID] || !model.ReceivesUpdates(asked, cp.CaseID, cps, nil) {
			continue
		}
		seen[cp.CaseID] = true
		var cs model.Case
		if err := c.db.QueryRowContext(ctx, c.rebind(`SELECT id, slug, lang, title FROM cases WHERE id = ?`), cp.CaseID).
			Scan(&cs.ID, &cs.Slug, &cs.Lang, &cs.Title); err != nil {
			return out, c.errorf("email choices of %d: %w", supporterID, c.d.MapErr(err))
		}
		out.Cases = append(out.Cases, model.CaseChoice{Case: cs, Updates: model.ReceivesUpdates(sup, cp.CaseID, cps, optedOut)})
	}
	answers, err := c.Consents(ctx, supporterID)
	if err != nil {
		return out, err
	}
	_, out.Newsletter = model.NewsletterYes(sup, answers)
	return out, nil
}

// SaveEmailChoices records a supporter's choices of emails.
func (c *Core) SaveEmailChoices(ctx context.Context, supporterID int64, choices model.EmailChoices, newsletter model.Consent, now time.Time) error {
	if now.IsZero() {
		return errors.New("store: save email choices: no time given")
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var erased, unsubscribed time.Time
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT erased_at, unsubscribed_at FROM supporters WHERE id = ?`+c.d.ForUpdate),
			supporterID).Scan(at(&erased), at(&unsubscribed)); err != nil {
			return c.d.MapErr(err)
		}
		if !erased.IsZero() {
			return model.ErrNotFound
		}
		for _, cc := range choices.Cases {
			q := `INSERT INTO update_optouts (supporter_id, case_id, at) VALUES (?, ?, ?) ON CONFLICT (supporter_id, case_id) DO NOTHING`
			args := []any{supporterID, cc.Case.ID, c.instant(now)}
			if cc.Updates {
				q, args = `DELETE FROM update_optouts WHERE supporter_id = ? AND case_id = ?`, args[:2]
			}
			if _, err := tx.ExecContext(ctx, c.rebind(q), args...); err != nil {
				return err
			}
		}
		if newsletter.Key != "" {
			if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO consents (supporter_id, key, text, given, source, at)
				VALUES (?, ?, ?, ?, ?, ?)`), supporterID, newsletter.Key, newsletter.Text, newsletter.Given, newsletter.Source,
				c.instant(now)); err != nil {
				return err
			}
		}
		switch {
		case choices.WantsNothing() && unsubscribed.IsZero():
			if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE supporters SET updated_at = ?, unsubscribed_at = ? WHERE id = ?`),
				c.instant(now), c.instant(now), supporterID); err != nil {
				return err
			}
			return c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventUnsubscription, SupporterID: supporterID, At: now})
		case !choices.WantsNothing() && !unsubscribed.IsZero():
			// Chosen again, from their own mailbox: the unsubscription ends.
			if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE supporters SET updated_at = ?, unsubscribed_at = NULL WHERE id = ?`),
				c.instant(now), supporterID); err != nil {
				return err
			}
			return c.EnqueueHooks(c.runner(ctx, tx), HookEvent{Event: model.EventConfirmation, SupporterID: supporterID, At: now})
		}
		return nil
	})
	if err != nil {
		return c.errorf("save email choices of %d: %w", supporterID, c.d.MapErr(err))
	}
	return nil
}
