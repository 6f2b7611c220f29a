package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// APIKeys keeps the keys of the API. Writes made with an actor in the
// context add their audit entry in the same transaction.
type APIKeys interface {
	// CreateAPIKey stores a key (its hash, never the key) and sets its ID.
	// A hash already stored is model.ErrConflict.
	CreateAPIKey(ctx context.Context, k *model.APIKey) error
	// APIKeyByHash finds a key, revoked or not, by the SHA-256 of the key.
	APIKeyByHash(ctx context.Context, hash []byte) (model.APIKey, error)
	// APIKeys lists every key, newest first.
	APIKeys(ctx context.Context) ([]model.APIKey, error)
	// RevokeAPIKey ends a key at now; revoking one revoked already
	// changes nothing. model.ErrNotFound when there is no such key.
	RevokeAPIKey(ctx context.Context, id int64, now time.Time) error
	// TouchAPIKey records that a key was used at now.
	TouchAPIKey(ctx context.Context, id int64, now time.Time) error
}

// People is what the API reads of supporters and of what they did. Erased
// supporters are not people any more: they and their participations are
// left out.
type People interface {
	// People lists supporters matching f, by the time what the API shows
	// of them last changed, then by ID, with their fields opened; and how
	// many match in all.
	People(ctx context.Context, f PeopleFilter) ([]model.Supporter, int, error)
	// ParticipationsPage lists participations matching f, by the time
	// they last changed (their confirmation, else their creation), then
	// by ID, with their fields opened; and how many match in all.
	ParticipationsPage(ctx context.Context, f ParticipationFilter) ([]model.Participation, int, error)
	// Tags lists the themes published actions carry, by name.
	Tags(ctx context.Context) ([]model.Tag, error)
}

// PeopleFilter narrows and pages People; zero fields match everything.
type PeopleFilter struct {
	ID             int64
	Email          string    // normalised: found through the blind index
	ModifiedAfter  time.Time // changed strictly after
	ModifiedBefore time.Time // changed strictly before
	Offset, Limit  int       // Limit 0: 25
}

// ParticipationFilter narrows and pages ParticipationsPage; zero fields
// match everything.
type ParticipationFilter struct {
	ID             int64
	ActionID       int64
	SupporterID    int64
	Kind           model.ActionKind // petitions or appeals only
	ModifiedAfter  time.Time
	ModifiedBefore time.Time
	Offset, Limit  int // Limit 0: 25
}

// Webhooks keeps the receivers of webhooks and the deliveries to them.
// Deliveries are added by other store methods inside the transaction of
// the event that causes them (see model.Events), one per receiver that
// wants it, never on their own.
type Webhooks interface {
	// CreateWebhook stores a receiver, its secret sealed, and sets its ID.
	CreateWebhook(ctx context.Context, w *model.Webhook) error
	// Webhooks lists the receivers not removed, with their secrets, oldest
	// first.
	Webhooks(ctx context.Context) ([]model.Webhook, error)
	// RemoveWebhook stops a receiver at now: nothing more is queued for it
	// and what is queued is not sent. model.ErrNotFound when there is none.
	RemoveWebhook(ctx context.Context, id int64, now time.Time) error
	// ClaimDeliveries leases up to n deliveries due at now to receivers
	// not removed — queued with NextAttempt <= now, or sending with an
	// expired lease — marks them sending until leaseUntil, counts the
	// attempt, and returns them. Two workers, in one instance or several,
	// never claim the same delivery while its lease runs.
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, n int) ([]model.WebhookDelivery, error)
	// MarkDelivery records an attempt's outcome: sent at at, or queued
	// again for next (zero next: failed for good), with the receiver's
	// status and the error.
	MarkDelivery(ctx context.Context, id int64, sent bool, at, next time.Time, status int, lastError string) error
	// Deliveries lists a receiver's latest deliveries, newest first.
	Deliveries(ctx context.Context, webhookID int64, limit int) ([]model.WebhookDelivery, error)
	// ResendDelivery queues a delivery again, due at now, with fresh
	// attempts. model.ErrNotFound when there is none.
	ResendDelivery(ctx context.Context, id int64, now time.Time) error
}
