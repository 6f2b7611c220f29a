package sqlcore

import (
	"context"

	"vigil/internal/model"
	"vigil/internal/store"
)

// onRecord keeps the answers (consents cn) that are on a supporter's
// record: those of an import, those of a sign-up once its own link is
// used (ConfirmSupporter), and those given with a participation once it
// is confirmed from the mailbox. Until then a sign-up's or a
// participation's answers wait with it, so whoever types an address puts
// nothing on its owner's record, even when the owner later confirms
// something else.
const onRecord = `(NOT cn.pending AND (cn.participation_id IS NULL OR EXISTS (SELECT 1 FROM participations p
	WHERE p.id = cn.participation_id AND p.confirmed_at IS NOT NULL)))`

// ExportSubscribers calls fn with each newsletter subscriber, by
// supporter ID. The database picks those who may be subscribers (address
// confirmed, neither unsubscribed nor erased, a yes to the newsletter on
// record); model.NewsletterYes, the rule itself, decides from their
// answers, so it is stated once. Batches are read ahead as for
// ExportParticipants.
func (c *Core) ExportSubscribers(ctx context.Context, fn func(store.Subscriber) error) error {
	read := func(ctx context.Context, after int64) ([]sealedSubscriber, int64, error) {
		for {
			candidates, err := c.subscriberCandidates(ctx, after)
			if err != nil {
				return nil, after, c.errorf("export subscribers: %w", err)
			}
			if len(candidates) == 0 {
				return nil, after, nil
			}
			after = candidates[len(candidates)-1].Supporter.ID
			subscribers, err := c.keepSubscribers(ctx, candidates)
			if err != nil {
				return nil, after, c.errorf("export subscribers: %w", err)
			}
			// A batch of candidates none of whom said yes last is no end.
			if len(subscribers) > 0 {
				return subscribers, after, nil
			}
		}
	}
	return readAhead(ctx, 0, read, func(r *sealedSubscriber) error {
		sub, sup := r.Subscriber, &r.Subscriber.Supporter
		var err error
		if sup.Email, err = c.open(r.email, "supporters", "email", sup.ID); err == nil {
			if sup.Name, err = c.open(r.name, "supporters", "name", sup.ID); err == nil {
				sup.PostalCode, err = c.open(r.postal, "supporters", "postal", sup.ID)
			}
		}
		if err != nil {
			return c.errorf("export subscribers: %w", err)
		}
		sub.Supporter = *sup
		return fn(sub)
	})
}

// sealedSubscriber is a subscriber as read, their personal fields still
// sealed.
type sealedSubscriber struct {
	store.Subscriber
	email, name, postal []byte
}

// subscriberCandidates reads the next batch of supporters after ID after
// who may receive the newsletter: address confirmed, neither unsubscribed
// nor erased, with a yes to it on record. Their answers decide.
func (c *Core) subscriberCandidates(ctx context.Context, after int64) ([]sealedSubscriber, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT s.id, s.email_sealed, s.name_sealed, s.postal_sealed, s.country,
		s.lang, s.created_at, s.confirmed_at FROM supporters s
		WHERE s.id > ? AND s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL AND s.erased_at IS NULL
		AND EXISTS (SELECT 1 FROM consents cn WHERE cn.supporter_id = s.id AND cn.key = ? AND cn.given AND `+onRecord+`)
		ORDER BY s.id LIMIT ?`), after, model.ConsentNewsletter, ExportBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]sealedSubscriber, 0, ExportBatch)
	for rows.Next() {
		var r sealedSubscriber
		sup := &r.Supporter
		if err := rows.Scan(&sup.ID, &r.email, &r.name, &r.postal, &sup.Country, &sup.Lang, at(&sup.Created),
			at(&sup.Confirmed)); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// keepSubscribers reads the candidates' answers to the newsletter on
// record and keeps those whose latest is a yes, with that yes.
func (c *Core) keepSubscribers(ctx context.Context, candidates []sealedSubscriber) ([]sealedSubscriber, error) {
	args := make([]any, 0, len(candidates)+1)
	args = append(args, model.ConsentNewsletter)
	for i := range candidates {
		args = append(args, candidates[i].Supporter.ID)
	}
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT cn.supporter_id, cn.text, cn.given, cn.source, cn.at FROM consents cn
		WHERE cn.key = ? AND cn.supporter_id IN (`+placeholders(len(candidates))+`) AND `+onRecord+`
		ORDER BY cn.supporter_id, cn.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	answers := make(map[int64][]model.Consent, len(candidates))
	for rows.Next() {
		var id int64
		cn := model.Consent{Key: model.ConsentNewsletter}
		if err := rows.Scan(&id, &cn.Text, &cn.Given, &cn.Source, at(&cn.At)); err != nil {
			return nil, err
		}
		answers[id] = append(answers[id], cn)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kept := candidates[:0]
	for _, r := range candidates {
		if yes, ok := model.NewsletterYes(r.Supporter, answers[r.Supporter.ID]); ok {
			r.Consent, r.Since = yes, model.SubscribedSince(r.Supporter, yes)
			kept = append(kept, r)
		}
	}
	return kept, nil
}
