package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Outbox is the durable queue of emails. Messages are added by other store
// methods inside the transaction of the event that causes them, never on
// their own (tests do, through storetest.Store's EnqueueMessage).
type Outbox interface {
	// ClaimMessages leases up to n messages that are due at now — queued
	// with NextAttemptAt <= now, or sending with an expired lease (a worker
	// died) — marks them sending until leaseUntil, counts the attempt, and
	// returns them. Two workers never claim the same message while its lease
	// runs.
	ClaimMessages(ctx context.Context, now, leaseUntil time.Time, n int) ([]model.OutboxMessage, error)
	// MarkAllSent records, in one transaction, that the SMTP server
	// accepted each message; ids no longer in the outbox (an erased
	// supporter's) are passed over.
	MarkAllSent(ctx context.Context, sent []Sent) error
	// MarkRetry puts the message back in the queue for another attempt at
	// next, keeping the error.
	MarkRetry(ctx context.Context, id int64, next time.Time, lastError string) error
	// MarkWaiting puts the message back in the queue for next like
	// MarkRetry, and gives back the attempt its claim counted: nothing was
	// tried with this message (the SMTP settings were refused, or the
	// worker stopped), so it must not use up the attempts a real failure
	// of its own is allowed.
	MarkWaiting(ctx context.Context, id int64, next time.Time, lastError string) error
	// MarkFailed gives up on the message.
	MarkFailed(ctx context.Context, id int64, lastError string) error
	// HoldQueued marks every queued message held (no SMTP server is
	// configured) and returns how many.
	HoldQueued(ctx context.Context) (int, error)
	// ReleaseHeld puts held messages back in the queue, due at now.
	ReleaseHeld(ctx context.Context, now time.Time) (int, error)
	// OutboxCounts counts messages by state.
	OutboxCounts(ctx context.Context) (map[model.MessageState]int, error)
	// OutboxMessage returns one message.
	OutboxMessage(ctx context.Context, id int64) (model.OutboxMessage, error)
	// DropSentBodies empties the sealed body (recipients and text) of
	// every message sent before sentBefore, and returns how many it
	// emptied. The row stays: a record of what kind of email went when.
	DropSentBodies(ctx context.Context, sentBefore time.Time) (int, error)
	// LastDeliveryError is why queued mail is waiting: the error of the
	// queued message retried last (zero when none failed).
	LastDeliveryError(ctx context.Context) (DeliveryError, error)
}

// DeliveryError is the last failed attempt of a message still queued.
type DeliveryError struct {
	Error       string
	Kind        string
	NextAttempt time.Time
}

// Sent is one message the SMTP server accepted, and when.
type Sent struct {
	ID int64
	At time.Time
}
