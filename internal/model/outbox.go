package model

import (
	"errors"
	"time"
)

// MessageState is where an outbox message stands.
type MessageState string

// Outbox states.
const (
	MessageQueued  MessageState = "queued"  // waiting for its next attempt
	MessageHeld    MessageState = "held"    // no SMTP server configured; kept
	MessageSending MessageState = "sending" // leased by a worker
	MessageSent    MessageState = "sent"    // accepted by the SMTP server
	MessageFailed  MessageState = "failed"  // gave up after the last attempt
)

// OutboxMessage is one email to send, stored in the transaction of the event
// that causes it. Its recipients and content are sealed in Sealed, or, for
// an intent (see Intent), composed when it is sent. The MessageID is fixed
// at insert so a resend after a crash is recognisable.
type OutboxMessage struct {
	ID              int64
	MessageID       string // RFC 5322 Message-ID without angle brackets
	Kind            string // "confirm", "reminder", "thanks", "appeal", "digest", …
	State           MessageState
	Sealed          []byte
	SupporterID     int64
	ParticipationID int64
	TargetID        int64
	UpdateID        int64  // a case update told to everyone who acted
	Lang            string // an intent's language
	Attempts        int
	NextAttemptAt   time.Time
	LeaseUntil      time.Time
	LastError       string
	CreatedAt       time.Time
	SentAt          time.Time
}

// Intent reports whether the message was stored without content: what a
// participation causes (a confirmation request, thanks) is written as its
// kind, supporter, participation and language, and composed by the outbox
// worker when it sends it. The transaction of a signature then writes a
// small row, and the outbox keeps no copy of the supporter's details.
func (m OutboxMessage) Intent() bool { return len(m.Sealed) == 0 }

// Prepare checks that a message can be queued and fills its defaults:
// state queued, created at the time of the event that causes it (now, the
// caller's time, unless the message carries its own), due when created.
// Every store calls it before writing a message, so the rules are the same
// on every database. A message with no time at all is refused: the store
// never reads the wall clock.
func (m *OutboxMessage) Prepare(now time.Time) error {
	switch {
	case m.CreatedAt.IsZero() && now.IsZero():
		return errors.New("outbox message without a time")
	case m.MessageID == "":
		return errors.New("outbox message without a Message-ID")
	case m.Kind == "":
		return errors.New("outbox message without a kind")
	case m.Intent() && (m.SupporterID == 0 || m.ParticipationID == 0 || m.Lang == ""):
		return errors.New("outbox message without content, and not an intent: no supporter, participation or language")
	}
	if m.Sealed == nil {
		m.Sealed = []byte{} // the column is never NULL
	}
	if m.State == "" {
		m.State = MessageQueued
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	return nil
}
