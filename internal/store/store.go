// Package store defines what Vigil asks of its database. Each database has an
// adapter in a sub-package (sqlite, later postgres) that satisfies Store and
// passes the conformance suite in storetest; callers never see the dialect.
package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Store is the whole storage surface, composed of small per-domain parts so a
// caller can ask for only what it uses.
type Store interface {
	Cases
	Actions
	News
	Images
	Participations
	Outbox
	Jobs
	Coordination
	Staff
	Audit
	Dashboard
	Editing
	Telling
	Supporters
	Records
	Rekeying
	Translating
	APIKeys
	People
	Webhooks
	Finding
	Donations
	Privacy
	// Ping answers nil once the database is reachable.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Cases reads and writes cases with their timeline, demands and updates.
type Cases interface {
	// CaseBySlug returns a published case with its timeline (oldest first),
	// demands (in order), updates (newest first) and actions.
	CaseBySlug(ctx context.Context, slug string) (model.Case, error)
	// PublishedCases lists published cases, most recently updated first,
	// without their timeline, demands, updates or actions.
	PublishedCases(ctx context.Context) ([]model.Case, error)
	// CreateCase stores a case with its timeline, demands and updates in
	// one transaction and sets the IDs it assigns. A taken slug is
	// model.ErrConflict. Updates stored here change nothing else; use
	// PublishUpdate for one that closes actions or moves the case.
	CreateCase(ctx context.Context, c *model.Case) error
	// PublishUpdate adds an update to a case — numbered after the last
	// one when u.Number is 0 and the case has updates — and, in the same
	// transaction, closes the case's open actions if it says so and sets
	// the case's status. An unknown case is model.ErrNotFound.
	PublishUpdate(ctx context.Context, caseSlug string, u *model.Update) error
}

// Translating stores the texts of cases, updates, actions, news articles
// and pictures in other languages. Records read back carry theirs in
// Translations.
type Translating interface {
	// SaveTranslation stores a record's texts in t.Lang (kind is one of
	// model.KindCase, KindUpdate, KindAction, KindNews, KindImage), made
	// from the original whose fingerprint is t.Source, if nobody saved it
	// since the translator read version seen (0: no translation yet). An
	// older version is model.ErrStale, an unknown record model.ErrNotFound.
	// t.Saved is required; t.Version is set.
	SaveTranslation(ctx context.Context, kind string, recordID int64, t *model.Translation, seen int) error
}

// Actions reads and writes actions and their targets.
type Actions interface {
	// ActionBySlug returns a published action with its targets.
	ActionBySlug(ctx context.Context, slug string) (model.Action, error)
	// OpenActions lists published actions that accept participations at
	// now, soonest deadline first, at most limit (0: all).
	OpenActions(ctx context.Context, now time.Time, limit int) ([]model.Action, error)
	// PublishedActions lists every published action, newest first.
	PublishedActions(ctx context.Context) ([]model.Action, error)
	// CreateAction stores an action with its targets and sets the IDs it
	// assigns. A taken slug is model.ErrConflict.
	CreateAction(ctx context.Context, a *model.Action) error
}

// News reads and writes news articles.
type News interface {
	// NewsBySlug returns a published article.
	NewsBySlug(ctx context.Context, slug string) (model.NewsArticle, error)
	// LatestNews lists published articles, newest first.
	LatestNews(ctx context.Context, offset, limit int) ([]model.NewsArticle, error)
	// RelatedNews lists published articles linked to the case, then those
	// sharing one of the tags, newest first, leaving out excludeID.
	RelatedNews(ctx context.Context, caseID int64, tags []string, excludeID int64, limit int) ([]model.NewsArticle, error)
	// CreateNews stores an article and sets its ID. A taken slug is
	// model.ErrConflict.
	CreateNews(ctx context.Context, n *model.NewsArticle) error
}

// Images stores pictures and their renditions.
type Images interface {
	// CreateImage stores an image and its variants, setting img.ID and, when
	// empty, img.PublicID to a random name. An image whose hash is already
	// stored is not stored twice: img takes the stored ID and PublicID.
	CreateImage(ctx context.Context, img *model.Image, variants []model.ImageVariant) error
	// ImageVariant returns the variant of the image with this public ID
	// and width.
	ImageVariant(ctx context.Context, publicID string, width int) (model.ImageVariant, error)
	// PublicImages lists the public IDs of the images that published
	// content shows: a case, an action or a news article.
	PublicImages(ctx context.Context) ([]string, error)
}
