package model

import "time"

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
// that causes it. Its recipients and content are sealed in Sealed; the
// MessageID is fixed at insert so a resend after a crash is recognisable.
type OutboxMessage struct {
	ID              int64
	MessageID       string // RFC 5322 Message-ID without angle brackets
	Kind            string // "confirm", "reminder", "thanks", "appeal", "digest", …
	State           MessageState
	Sealed          []byte
	SupporterID     int64
	ParticipationID int64
	TargetID        int64
	Attempts        int
	NextAttemptAt   time.Time
	LeaseUntil      time.Time
	LastError       string
	CreatedAt       time.Time
	SentAt          time.Time
}
