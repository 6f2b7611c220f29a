package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Supporters is what staff do with supporters' records: look at them,
// erase them, export and import them.
type Supporters interface {
	// SupporterForStaff returns a supporter, erased or not, with every
	// field opened.
	SupporterForStaff(ctx context.Context, id int64) (model.Supporter, error)
	// SupporterMessages lists the emails sent or queued to a supporter,
	// newest first, without their content.
	SupporterMessages(ctx context.Context, supporterID int64, limit int) ([]model.OutboxMessage, error)
	// EraseSupporter removes everything that names a supporter: sealed
	// fields, letters and comments, consents, their messages; the address
	// no longer finds them. Their participations stay, anonymous, so
	// counts and dates do not change; their donations (linked to them or
	// made with their address) lose the donor's name and address and keep
	// the financial record.
	EraseSupporter(ctx context.Context, supporterID int64, now time.Time) error
	// ExportParticipants calls fn with each participant of an action, in
	// the order they acted, reading a batch at a time so that memory stays
	// flat however many there are. Erased supporters are left out.
	ExportParticipants(ctx context.Context, actionID int64, fn func(Participant) error) error
	// CountParticipants counts an action's participations that have not
	// been erased, and how many are confirmed.
	CountParticipants(ctx context.Context, actionID int64) (all, confirmed int, err error)
	// ExportSubscribers calls fn with each supporter who receives the
	// newsletter, as model.NewsletterYes says, by supporter ID, reading a
	// batch at a time so that memory stays flat however many there are.
	// Only the subscribers' sealed fields are opened.
	ExportSubscribers(ctx context.Context, fn func(Subscriber) error) error
	// ImportSupporters adds supporters from another tool in one
	// transaction, each with the consent they gave there. An address
	// already known keeps its details and its choices (an unsubscribed
	// supporter stays unsubscribed); only the consent is recorded.
	ImportSupporters(ctx context.Context, rows []ImportRow, now time.Time) (added, known int, err error)
}

// Participant is one row of an action's export: the supporter's ID,
// email, name, postal code, country and language, the participation's ID,
// times and comment, and the answers to the action's consent requests.
type Participant struct {
	Supporter     model.Supporter
	Participation model.Participation
	Consents      []ConsentAnswer
}

// ConsentAnswer is one answer to a consent request.
type ConsentAnswer struct {
	Key   string
	Given bool
}

// Answer returns the answer to the consent request key, if there is one.
func (p Participant) Answer(key string) (given, ok bool) {
	for _, c := range p.Consents {
		if c.Key == key {
			return c.Given, true
		}
	}
	return false, false
}

// Subscriber is one row of the newsletter export: the supporter's ID,
// email, name, postal code, country, language and confirmation, the yes
// through which they receive the newsletter (its text, source and time,
// as given), and when that yes took effect (model.SubscribedSince).
type Subscriber struct {
	Supporter model.Supporter
	Consent   model.Consent
	Since     time.Time
}

// ImportRow is one supporter to import.
type ImportRow struct {
	Supporter model.Supporter // Email normalised; Name, PostalCode, Country, Lang
	Confirmed bool            // they confirmed their address in the other tool
	Consent   model.Consent   // Key, Text, Given, Source
}
