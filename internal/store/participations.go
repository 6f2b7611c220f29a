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
}

// Participated is what storing a participation did.
type Participated struct {
	Action          model.Action // what was acted on: identity, kind, title, state; not targets, tags or picture
	SupporterID     int64
	ParticipationID int64
	NewSupporter    bool
	Confirmed       bool // the supporter had already confirmed their email
	// ParticipationConfirmed: counted as confirmed at once — a petition by
	// a confirmed supporter. An appeal always waits for its own
	// confirmation: knowing someone's address must not be enough to write
	// to officials in their name.
	ParticipationConfirmed bool
	Duplicate              bool // this supporter had already acted on this action
	Count                  int  // the action's public count after this one
}

// Compose builds the emails an event causes, once the store knows the IDs.
// It runs inside the store's transaction, so it must do no I/O.
type Compose func(Participated) ([]model.OutboxMessage, error)

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
	// Confirmed: the address is confirmed and subscribed already, so no
	// confirmation is needed. An unsubscribed supporter signing up again
	// must confirm through their mailbox.
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
	// enqueues the messages compose returns, all in one durable
	// transaction. An action that is closed or past its deadline is
	// model.ErrClosed; an unknown one model.ErrNotFound. A repeat by the
	// same supporter is not counted twice: Duplicate is set and compose
	// still runs (to thank them again).
	Participate(ctx context.Context, p Participate, compose Compose) (Participated, error)
	// ConfirmParticipation confirms one participation (and its supporter's
	// address) at now, and queues it for delivery to the targets when it
	// is an appeal on an open action. Each confirmation link confirms only
	// the action it was sent for.
	ConfirmParticipation(ctx context.Context, participationID int64, now time.Time) (model.Supporter, model.Action, error)
	// ConfirmSupporter confirms a supporter's address for the newsletter:
	// it also ends an earlier unsubscription, since this is a fresh yes
	// given through their own mailbox. It confirms no participation.
	ConfirmSupporter(ctx context.Context, supporterID int64, now time.Time) (model.Supporter, error)
	// RemoveParticipation deletes a participation the supporter says was
	// not theirs, and takes it off the public count; a supporter left with
	// nothing is deleted too. Removing one already gone is model.ErrNotFound.
	RemoveParticipation(ctx context.Context, participationID int64) error
	// Unsubscribe records that the supporter wants no more email.
	Unsubscribe(ctx context.Context, supporterID int64, now time.Time) error
	// Supporter returns a supporter with their fields opened.
	Supporter(ctx context.Context, id int64) (model.Supporter, error)
	// SupporterByEmail finds a supporter through the blind index.
	SupporterByEmail(ctx context.Context, normalisedEmail string) (model.Supporter, error)
	// ParticipationsOf lists a supporter's participations, oldest first,
	// with their fields opened.
	ParticipationsOf(ctx context.Context, supporterID int64) ([]model.Participation, error)
	// Participation returns one participation with its fields opened.
	Participation(ctx context.Context, id int64) (model.Participation, error)
	// ActionOfParticipation returns what an email about a participation
	// says of its action: id, slug, kind and title (nothing else is read).
	ActionOfParticipation(ctx context.Context, participationID int64) (model.Action, error)
}
