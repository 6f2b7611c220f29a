package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Pending is an unconfirmed participation with what a reminder needs.
type Pending struct {
	Supporter     model.Supporter
	Action        model.Action
	Participation model.Participation
}

// AppealLetter is one confirmed appeal waiting for delivery to a target.
type AppealLetter struct {
	Supporter     model.Supporter
	Participation model.Participation
}

// QueueAppeals asks to queue waiting appeals of one action.
type QueueAppeals struct {
	ActionID int64
	Now      time.Time
	DayStart time.Time // start of today in the targets' time zone: the daily cap counts from here
	Cap      int       // appeals per target per day; 0: no cap
	Digest   bool      // one email per target with every waiting appeal, once a day
}

// ComposeAppeals writes the emails for the appeals of one target: one per
// letter, or one digest. It runs inside the store's transaction.
type ComposeAppeals func(a model.Action, t model.Target, letters []AppealLetter) ([]model.OutboxMessage, error)

// Jobs are the background work on supporters and appeals.
type Jobs interface {
	// CloseExpired closes open actions whose deadline has passed and moves
	// cases with no open action left to monitoring. It returns how many
	// actions it closed.
	CloseExpired(ctx context.Context, now time.Time) (int, error)
	// RemindUnconfirmed finds unconfirmed participations created before
	// before whose supporter has had no reminder, lets compose write one
	// reminder per supporter, enqueues it and marks them reminded, in one
	// transaction. It returns how many reminders it queued.
	RemindUnconfirmed(ctx context.Context, before, now time.Time, compose func(Pending) (model.OutboxMessage, error)) (int, error)
	// PurgeUnconfirmed deletes participations still unconfirmed that were
	// created before before (never counted), and deletes
	// supporters left with nothing who never confirmed, telling webhook
	// receivers at now to erase them. It returns how many participations
	// it deleted.
	PurgeUnconfirmed(ctx context.Context, before, now time.Time) (int, error)
	// ActionsWithWaitingAppeals lists the actions that have confirmed
	// appeals not yet queued for delivery.
	ActionsWithWaitingAppeals(ctx context.Context) ([]model.Action, error)
	// QueueAppeals queues waiting appeals of an action into the outbox,
	// within the daily cap per target, and returns how many appeals it
	// queued.
	QueueAppeals(ctx context.Context, q QueueAppeals, compose ComposeAppeals) (int, error)
	// CountInactive counts the supporters, not erased, whose last sign of
	// life (model.LastActive) came before before: those EraseInactive
	// would erase (vigil retention --dry-run).
	CountInactive(ctx context.Context, before time.Time) (int, error)
	// EraseInactive erases, each as EraseSupporter does at now (webhook
	// receivers told, counts kept), every supporter CountInactive counts,
	// and returns how many it erased. A supporter with an active monthly
	// gift is never among them.
	EraseInactive(ctx context.Context, before, now time.Time) (int, error)
}

// AppealDelivery is where one appeal stands with one target: when it was
// queued and delivered (zero: not yet). The adapters report it for tests
// (storetest.Store's AppealDeliveries).
type AppealDelivery struct {
	TargetID  int64
	Queued    time.Time
	Delivered time.Time
}
