package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Participate is one submitted action form, ready to store.
type Participate struct {
	ActionSlug    string
	Supporter     model.Supporter // Email normalised
	Participation model.Participation
	Consents      []model.Consent
	Now           time.Time
	// Email is the email the participation causes, as an intent the store
	// writes in the same transaction (see EmailOf); a zero Email, none.
	Email ParticipationEmail
}

// ParticipationEmail is what a participation's email needs before the
// store knows the ids: its Message-ID (which makes a resend after a crash
// recognisable) and the language it is to be written in. Which email it is
// follows from what storing the participation finds (model.ParticipationEmail).
type ParticipationEmail struct {
	MessageID string // without angle brackets; empty: no email
	Lang      string // one the catalogue has
}

// Participated is what storing a participation did.
type Participated struct {
	Action          model.Action // what was acted on: identity, kind, title, state; not targets, tags or picture
	SupporterID     int64
	ParticipationID int64
	NewSupporter    bool
	Confirmed       bool // the supporter had already confirmed their email
	// ParticipationConfirmed: this participation was confirmed from the
	// mailbox (only ever a repeat of one: a new participation, a confirmed
	// supporter's too, waits for its own confirmation link, since knowing
	// someone's address must not be enough to sign or write in their name).
	ParticipationConfirmed bool
	Duplicate              bool // this supporter had already acted on this action
	// Count is the action's public count, which a submission never
	// changes: a participation counts once confirmed from the mailbox, so
	// the count read before and after submitting an address is the same
	// whether that address had signed, is known, or is new.
	Count int
}

// ConsentsToRecord is what a submitted form's consent boxes leave in the
// store: the answers given with a new participation, where they take
// effect only once that participation is confirmed from the mailbox; none
// for a repeat, whose answers were given the first time. Whoever types a
// known address can thus change nothing the supporter agreed to (unticking
// "updates" on a repeat does not drop them from a case's updates).
func ConsentsToRecord(p Participate, res Participated) []model.Consent {
	if res.Duplicate {
		return nil
	}
	return p.Consents
}

// EmailOf is the outbox row a stored participation causes, an intent the
// outbox worker composes when it sends it: a request to confirm the
// participation, or thanks again for a repeat of one already confirmed
// (see model.ParticipationEmail). It is false when p asks for no email.
// Every adapter writes this row, so the rule is the same on every database.
func EmailOf(p Participate, res Participated) (model.OutboxMessage, bool) {
	if p.Email.MessageID == "" {
		return model.OutboxMessage{}, false
	}
	return model.OutboxMessage{
		MessageID:       p.Email.MessageID,
		Kind:            model.ParticipationEmail(res.Duplicate, res.ParticipationConfirmed),
		State:           model.MessageQueued,
		SupporterID:     res.SupporterID,
		ParticipationID: res.ParticipationID,
		Lang:            p.Email.Lang,
		CreatedAt:       p.Now,
		NextAttemptAt:   p.Now,
	}, true
}

// Subscribe is a newsletter sign-up.
type Subscribe struct {
	Supporter model.Supporter // Email normalised; Name may be empty
	Consent   model.Consent   // the newsletter consent, exactly as shown
	Now       time.Time
}

// Subscribed is what a sign-up did.
type Subscribed struct {
	SupporterID  int64
	NewSupporter bool
	// Confirmed: the address was confirmed before. Nothing was stored
	// (not the name typed, not the consent): whoever typed it may not be
	// its owner, so the mailbox is sent a link (ConfirmSupporter) as for a
	// new address, and the answer is the same.
	Confirmed bool
}

// ComposeSubscription builds the emails a sign-up causes.
type ComposeSubscription func(Subscribed) ([]model.OutboxMessage, error)

// Participations records supporters acting, and what follows from it.
type Participations interface {
	// Subscribe finds or creates the supporter, records their newsletter
	// consent, and enqueues what compose returns, in one transaction. It
	// never undoes an unsubscription by itself: ConfirmSupporter does.
	Subscribe(ctx context.Context, s Subscribe, compose ComposeSubscription) (Subscribed, error)
	// Consents lists a supporter's answers, oldest first.
	Consents(ctx context.Context, supporterID int64) ([]model.Consent, error)
	// Participate stores a supporter (found or created by email) and their
	// participation, counts it on the action, records the consents and
	// enqueues the email it causes (EmailOf), all in one durable
	// transaction. An action that is closed or past its deadline is
	// model.ErrClosed; an unknown one model.ErrNotFound; an email whose
	// Message-ID is taken model.ErrConflict, and nothing is stored. A
	// repeat by the same supporter is not counted twice: Duplicate is set
	// and its email still written (to ask again, or thank them again).
	Participate(ctx context.Context, p Participate) (Participated, error)
	// ConfirmParticipation confirms one participation (and its supporter's
	// address) at now, counts it the first time, and queues it for
	// delivery to the targets when it is an appeal on an open action. Each
	// confirmation link confirms only the action it was sent for.
	ConfirmParticipation(ctx context.Context, participationID int64, now time.Time) (model.Supporter, model.Action, error)
	// ConfirmSupporter confirms a supporter's address for the newsletter:
	// it also ends an earlier unsubscription, since this is a fresh yes
	// given through their own mailbox. It confirms no participation.
	// The consent, when it has a key, is recorded as given, unless the
	// same yes is on record since the supporter last unsubscribed: a
	// sign-up with a known address stores nothing until this link is used.
	ConfirmSupporter(ctx context.Context, supporterID int64, now time.Time, consent model.Consent) error
	// RemoveParticipation deletes a participation the supporter says was
	// not theirs, and takes it off the public count when it was counted
	// (confirmed); a supporter left with nothing who never confirmed is
	// deleted too, and at now webhook receivers are told to erase them.
	// Removing one already gone is model.ErrNotFound.
	RemoveParticipation(ctx context.Context, participationID int64, now time.Time) error
	// Unsubscribe records that the supporter wants no more email.
	Unsubscribe(ctx context.Context, supporterID int64, now time.Time) error
	// Supporter returns a supporter with their fields opened.
	Supporter(ctx context.Context, id int64) (model.Supporter, error)
	// SupporterByEmail finds a supporter through the blind index.
	SupporterByEmail(ctx context.Context, normalisedEmail string) (model.Supporter, error)
	// ParticipationsOf lists a supporter's participations, oldest first,
	// with their fields opened.
	ParticipationsOf(ctx context.Context, supporterID int64) ([]model.Participation, error)
	// ActionOfParticipation returns what an email about a participation
	// says of its action: id, slug, language, kind and title, with its
	// translations (nothing else is read).
	ActionOfParticipation(ctx context.Context, participationID int64) (model.Action, error)
}

// HookOf is the webhook event a stored participation causes: a new
// signature or outreach; none for a repeat, which receivers were told of
// the first time. Every adapter queues it (see Webhooks), so the rule is
// the same on every database.
func HookOf(res Participated) (event string, ok bool) {
	if res.Duplicate {
		return "", false
	}
	if res.Action.Kind == model.ActionAppeal {
		return model.EventOutreach, true
	}
	return model.EventSignature, true
}
