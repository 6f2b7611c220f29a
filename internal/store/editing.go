package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Editing is what staff read and write: every record, published or not.
// Saves name the version they were read at; a record changed since is
// model.ErrStale and nothing is written. Each save raises the version and,
// with an actor in the context, writes its audit entry in the same
// transaction.
type Editing interface {
	// AllCases lists every case, drafts too, most recently updated first,
	// without their parts.
	AllCases(ctx context.Context) ([]model.Case, error)
	// CaseByID returns a case with its timeline, demands, updates and
	// every action, published or not.
	CaseByID(ctx context.Context, id int64) (model.Case, error)
	// SaveCase creates a case (ID 0) or saves one at c.Version, with its
	// countries, tags, timeline and demands; the publication date and the
	// updates are left alone. It sets the new ID and version.
	SaveCase(ctx context.Context, c *model.Case) error

	// AllActions lists every action, drafts too, newest first.
	AllActions(ctx context.Context) ([]model.Action, error)
	// ActionByID returns an action, published or not.
	ActionByID(ctx context.Context, id int64) (model.Action, error)
	// SaveAction creates an action (ID 0) or saves one at a.Version, with
	// its targets (by ID), consent requests and tags; the count, the
	// publication date and the closed state are left alone.
	SaveAction(ctx context.Context, a *model.Action) error
	// CloseAction closes (or reopens) an action at its version.
	CloseAction(ctx context.Context, id int64, version int, closed bool, now time.Time) error

	// AllNews lists every article, drafts too, newest first.
	AllNews(ctx context.Context) ([]model.NewsArticle, error)
	// NewsByID returns an article, published or not.
	NewsByID(ctx context.Context, id int64) (model.NewsArticle, error)
	// SaveNews creates an article (ID 0) or saves one at n.Version, with
	// its tags and cases; the publication date is left alone.
	SaveNews(ctx context.Context, n *model.NewsArticle) error

	// Targets lists every target by name.
	Targets(ctx context.Context) ([]model.Target, error)
	// TargetByID returns a target.
	TargetByID(ctx context.Context, id int64) (model.Target, error)
	// SaveTarget creates a target (ID 0) or saves one at t.Version.
	SaveTarget(ctx context.Context, t *model.Target) error

	// SetImageText changes a picture's description and credit.
	SetImageText(ctx context.Context, id int64, alt, credit string) error

	// SetPublished publishes a case, action or news article (kind "case",
	// "action", "news") at its version at the time given, or unpublishes
	// it with the zero time.
	SetPublished(ctx context.Context, kind string, id int64, version int, at time.Time) error
}

// Telling reaches everyone who acted on a case with one of its updates.
type Telling interface {
	// UpdateByID returns one update of a case.
	UpdateByID(ctx context.Context, id int64) (model.Update, error)
	// UpdateAudience counts, by language, the supporters an update of the
	// case would reach: a confirmed participation in one of its actions,
	// not unsubscribed, and not having declined updates for it.
	UpdateAudience(ctx context.Context, caseID int64) (map[string]int, error)
	// QueueUpdateMessages writes one outbox message per supporter of the
	// audience, made by compose with a Message-ID that depends only on the
	// update and the supporter, in batches of their own transactions. A
	// message already queued is not queued again, so running it twice (or
	// again after a crash) reaches nobody twice. It returns how many it
	// queued.
	QueueUpdateMessages(ctx context.Context, caseID, updateID int64, now time.Time, compose func(model.Supporter) (model.OutboxMessage, error)) (int, error)
	// PublishNextUpdate publishes an editor's update as the case's next
	// (numbered from 1, the case itself being the opening) if the case
	// still has the last update number the editor saw (-1: none) and the
	// draft they saw (its save time; zero: none); otherwise model.ErrStale,
	// so an update is never published twice. It drops the draft and does
	// what the update says, as PublishUpdate.
	PublishNextUpdate(ctx context.Context, caseID int64, u *model.Update, seenLast int, seenDraft time.Time) error
	// SaveUpdateDraft keeps the update an editor is writing for a case
	// (one per case), replacing the one saved at read (zero: none was).
	// A draft saved since, or published, is model.ErrStale.
	SaveUpdateDraft(ctx context.Context, caseID int64, u model.Update, read, now time.Time) error
	// UpdateDraft returns the case's draft update, its save time in
	// Published; model.ErrNotFound when there is none. PublishUpdate
	// removes it.
	UpdateDraft(ctx context.Context, caseID int64) (model.Update, error)
	// HideUpdate takes an update off the case page and its feed (or puts
	// it back with the zero time); what it did to the case stays done.
	HideUpdate(ctx context.Context, updateID int64, at time.Time) error
	// UpdateProgress counts an update's messages by state.
	UpdateProgress(ctx context.Context, updateID int64) (map[model.MessageState]int, error)
}
