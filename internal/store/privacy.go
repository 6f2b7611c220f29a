package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Privacy is what supporters do about their own data from /privacy,
// through links sent to their address: ask what Vigil holds, ask to be
// erased, choose which emails they receive.
type Privacy interface {
	// QueueToAddress finds the supporter, not erased, at a normalised
	// address, lets compose write one email to them and queues it, in
	// one transaction. Nobody at the address is model.ErrNotFound, and
	// nothing is queued.
	QueueToAddress(ctx context.Context, email string, now time.Time, compose func(model.Supporter) (model.OutboxMessage, error)) error
	// PersonalData returns everything Vigil holds about a supporter not
	// erased, their sealed fields opened; an erased or unknown supporter
	// is model.ErrNotFound.
	PersonalData(ctx context.Context, supporterID int64) (PersonalData, error)
	// EraseOnRequest erases a supporter as EraseSupporter does, and in
	// the same transaction queues farewell, the email confirming it,
	// composed before from the record being erased, with no supporter
	// attached (their own emails go with them). An erased or unknown
	// supporter is model.ErrNotFound, and nothing is queued.
	EraseOnRequest(ctx context.Context, supporterID int64, now time.Time, farewell model.OutboxMessage) error
	// EmailChoices returns a supporter's choices of emails: the cases they
	// acted on, and whether they receive each one's updates, and the
	// newsletter. An erased or unknown supporter is model.ErrNotFound.
	EmailChoices(ctx context.Context, supporterID int64) (model.EmailChoices, error)
	// SaveEmailChoices records a supporter's choices at now: an opt-out
	// per case not wanted, the newsletter answer (a consent with
	// newsletter's text, source and time) when it changes, and an
	// unsubscription when nothing at all is wanted. Choosing something
	// again after an unsubscription ends it.
	SaveEmailChoices(ctx context.Context, supporterID int64, choices model.EmailChoices, newsletter model.Consent, now time.Time) error
}

// PersonalData is what Vigil holds about one supporter.
type PersonalData struct {
	Supporter      model.Supporter
	Consents       []model.Consent // every answer, oldest first, pending ones too
	Participations []PersonalParticipation
	// Messages are the emails sent or queued to them, oldest first, with
	// their sealed content while it is kept (--mail-retention); an
	// intent has none until it is composed.
	Messages []model.OutboxMessage
}

// PersonalParticipation is one participation with what it was on.
type PersonalParticipation struct {
	Participation model.Participation
	Action        model.Action // id, slug, language, kind and title, with translations
}
