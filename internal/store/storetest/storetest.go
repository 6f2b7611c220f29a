// Package storetest is the conformance suite every store adapter passes. An
// adapter's own test calls Run with a function that opens a fresh, migrated,
// empty store.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// Store is what the suite drives: the production store.Store, and the
// methods only tests use, which every adapter keeps so that the suite can
// set up a state and look at it directly.
type Store interface {
	store.Store
	Outbox
	// Participation returns one participation with its fields opened.
	Participation(ctx context.Context, id int64) (model.Participation, error)
	// AppealDeliveries reports, for one participation, when it was queued
	// and delivered to each target (zero: not yet).
	AppealDeliveries(ctx context.Context, participationID int64) ([]store.AppealDelivery, error)
}

// Outbox is what the outbox tests drive: store.Outbox, and the two
// methods that put a message in and mark it sent on their own, which
// Vigil itself never does (messages come with the event that causes them,
// and go out in batches: MarkAllSent).
type Outbox interface {
	store.Outbox
	// EnqueueMessage stores a message (state queued unless set) and sets
	// its ID. A taken MessageID is model.ErrConflict.
	EnqueueMessage(ctx context.Context, m *model.OutboxMessage) error
	// MarkSent records that the SMTP server accepted the message.
	MarkSent(ctx context.Context, id int64, at time.Time) error
}

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"CaseRoundTrip", testCaseRoundTrip},
		{"CaseSlugConflict", testCaseSlugConflict},
		{"UnpublishedIsNotFound", testUnpublishedIsNotFound},
		{"OpenActions", testOpenActions},
		{"ActionTargets", testActionTargets},
		{"RelatedNews", testRelatedNews},
		{"Images", testImages},
		{"PublicImages", testPublicImages},
		{"PublishUpdate", testPublishUpdate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func testCaseRoundTrip(t *testing.T, s Store) {
	c := &model.Case{
		Slug: "expelled", Lang: "en", Title: "Men expelled", Summary: "Summary", Body: "Body *md*",
		Countries: []string{"US", "SV", "VE"}, Tags: []string{"detention", "asylum"},
		PeopleCount: 252, Status: model.CaseMonitoring, Reference: "UA 28/25",
		Published: day(2025, 3, 20), Updated: day(2025, 7, 20),
		// Out of order on purpose: the store returns the timeline by date.
		Timeline: []model.TimelineEvent{
			{Date: day(2025, 7, 18), Title: "Returned", PeopleCount: 252, Place: "Caracas"},
			{Date: day(2025, 3, 16), Title: "Expelled", PeopleCount: 238, Place: "El Salvador"},
			{Date: day(2025, 3, 30), Title: "More expelled", PeopleCount: 17},
		},
		Demands: []model.Demand{{Text: "First"}, {Text: "Second"}, {Text: "Third"}},
		Updates: []model.Update{
			{Number: 0, Title: "Opening", Published: day(2025, 3, 20)},
			{Number: 1, Title: "Final", Final: true, Published: day(2025, 7, 20)},
		},
	}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || c.Timeline[0].ID == 0 || c.Demands[2].ID == 0 || c.Updates[1].ID == 0 {
		t.Fatalf("IDs not assigned: %+v", c)
	}
	appeal := &model.Action{Slug: "appeal", CaseSlug: "expelled", Lang: "en", Kind: model.ActionAppeal,
		Title: "Appeal", Closed: true, ClosingText: "No further action", Published: day(2025, 3, 20)}
	if err := s.CreateAction(ctx, appeal); err != nil {
		t.Fatal(err)
	}
	if appeal.CaseID != c.ID {
		t.Errorf("action linked to case %d, want %d", appeal.CaseID, c.ID)
	}

	got, err := s.CaseBySlug(ctx, "expelled")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != c.Title || got.PeopleCount != 252 || got.Status != model.CaseMonitoring || got.Reference != "UA 28/25" {
		t.Errorf("case fields: %+v", got)
	}
	if !got.Published.Equal(c.Published) || !got.Updated.Equal(c.Updated) {
		t.Errorf("dates: published %v updated %v", got.Published, got.Updated)
	}
	if !slices.Equal(got.Countries, []string{"US", "SV", "VE"}) {
		t.Errorf("countries %v, want in the order given", got.Countries)
	}
	if !slices.Equal(got.Tags, []string{"asylum", "detention"}) {
		t.Errorf("tags %v", got.Tags)
	}
	var dates []string
	for _, e := range got.Timeline {
		dates = append(dates, e.Date.Format("2006-01-02"))
	}
	if !slices.Equal(dates, []string{"2025-03-16", "2025-03-30", "2025-07-18"}) {
		t.Errorf("timeline order %v", dates)
	}
	if got.Timeline[0].PeopleCount != 238 || got.Timeline[0].Place != "El Salvador" {
		t.Errorf("first event %+v", got.Timeline[0])
	}
	if len(got.Demands) != 3 || got.Demands[0].Text != "First" || got.Demands[2].Position != 3 {
		t.Errorf("demands %+v", got.Demands)
	}
	if len(got.Updates) != 2 || got.Updates[0].Number != 1 || !got.Updates[0].Final {
		t.Errorf("updates not newest first: %+v", got.Updates)
	}
	if len(got.Actions) != 1 || got.Actions[0].Slug != "appeal" || got.Actions[0].CaseSlug != "expelled" {
		t.Errorf("actions %+v", got.Actions)
	}

	list, err := s.PublishedCases(ctx)
	if err != nil || len(list) != 1 || list[0].Slug != "expelled" {
		t.Errorf("PublishedCases = %v, %v", list, err)
	}
}

func testCaseSlugConflict(t *testing.T, s Store) {
	c := &model.Case{Slug: "same", Lang: "en", Title: "A", Status: model.CaseActive, Published: day(2025, 1, 1), Updated: day(2025, 1, 1)}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	dup := &model.Case{Slug: "same", Lang: "en", Title: "B", Status: model.CaseActive, Updated: day(2025, 1, 1)}
	if err := s.CreateCase(ctx, dup); !errors.Is(err, model.ErrConflict) {
		t.Fatalf("second case with the same slug: %v, want ErrConflict", err)
	}
	got, err := s.CaseBySlug(ctx, "same")
	if err != nil || got.Title != "A" {
		t.Fatalf("first case changed: %+v, %v", got, err)
	}
	a := &model.Action{Slug: "act", Lang: "en", Kind: model.ActionPetition, Title: "A", Published: day(2025, 1, 1)}
	if err := s.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAction(ctx, &model.Action{Slug: "act", Lang: "en", Kind: model.ActionPetition, Title: "B"}); !errors.Is(err, model.ErrConflict) {
		t.Fatalf("second action with the same slug: %v, want ErrConflict", err)
	}
}

func testUnpublishedIsNotFound(t *testing.T, s Store) {
	if _, err := s.CaseBySlug(ctx, "nothing"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown case: %v", err)
	}
	draft := &model.Case{Slug: "draft", Lang: "en", Title: "Draft", Status: model.CaseActive, Updated: day(2025, 1, 1)}
	if err := s.CreateCase(ctx, draft); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CaseBySlug(ctx, "draft"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("draft case: %v, want ErrNotFound", err)
	}
	if err := s.CreateAction(ctx, &model.Action{Slug: "draft-act", Lang: "en", Kind: model.ActionPetition, Title: "D"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActionBySlug(ctx, "draft-act"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("draft action: %v, want ErrNotFound", err)
	}
	if err := s.CreateNews(ctx, &model.NewsArticle{Slug: "draft-news", Lang: "en", Title: "D"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NewsBySlug(ctx, "draft-news"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("draft news: %v, want ErrNotFound", err)
	}
	if news, _ := s.LatestNews(ctx, 0, 10); len(news) != 0 {
		t.Errorf("LatestNews lists a draft: %+v", news)
	}
}

func testOpenActions(t *testing.T, s Store) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	pub := day(2026, 1, 1)
	for _, a := range []*model.Action{
		{Slug: "late", Deadline: now.Add(90 * 24 * time.Hour), Published: pub},
		{Slug: "soon", Deadline: now.Add(24 * time.Hour), Published: pub},
		{Slug: "never-ends", Published: pub},
		{Slug: "past", Deadline: now.Add(-time.Hour), Published: pub},
		{Slug: "closed", Closed: true, Published: pub},
		{Slug: "draft"},
	} {
		a.Lang, a.Kind, a.Title = "en", model.ActionPetition, a.Slug
		if err := s.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	open, err := s.OpenActions(ctx, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, a := range open {
		slugs = append(slugs, a.Slug)
	}
	if want := []string{"soon", "late", "never-ends"}; !slices.Equal(slugs, want) {
		t.Errorf("open actions %v, want %v", slugs, want)
	}
	if two, _ := s.OpenActions(ctx, now, 2); len(two) != 2 {
		t.Errorf("limit 2 gave %d", len(two))
	}
	all, _ := s.PublishedActions(ctx)
	if len(all) != 5 {
		t.Errorf("published actions: %d, want 5", len(all))
	}
}

func testActionTargets(t *testing.T, s Store) {
	a := &model.Action{Slug: "appeal", Lang: "en", Kind: model.ActionAppeal, Title: "Write", Published: day(2026, 1, 1),
		Goal: 1000, Count: 250, Delivery: model.DeliverDigest, Subject: "Subject", Letter: "{{salutation}}\nBody",
		Tags: []string{"asylum"},
		Targets: []model.Target{
			{Name: "Minister B", Title: "Minister", Email: "b@example.org", Salutation: "Dear Minister,", Lang: "en"},
			{Name: "Ambassador A", Email: "a@example.org", Salutation: "Dear Ambassador,", Lang: "es"},
		}}
	if err := s.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.ActionBySlug(ctx, "appeal")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Targets) != 2 || got.Targets[0].Name != "Minister B" || got.Targets[1].Lang != "es" {
		t.Errorf("targets not in the order given: %+v", got.Targets)
	}
	if got.Delivery != model.DeliverDigest || got.Letter != a.Letter || got.Percent() != 25 {
		t.Errorf("action fields: %+v", got)
	}
	if !slices.Equal(got.Tags, []string{"asylum"}) {
		t.Errorf("tags %v", got.Tags)
	}
}

func testRelatedNews(t *testing.T, s Store) {
	c := &model.Case{Slug: "c", Lang: "en", Title: "C", Status: model.CaseActive, Published: day(2025, 1, 1), Updated: day(2025, 1, 1), Tags: []string{"asylum"}}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*model.NewsArticle{
		{Slug: "linked-old", Published: day(2025, 2, 1), CaseIDs: []int64{c.ID}},
		{Slug: "tagged-new", Published: day(2025, 6, 1), Tags: []string{"asylum", "courts"}},
		{Slug: "unrelated", Published: day(2025, 7, 1), Tags: []string{"climate"}},
		{Slug: "linked-new", Published: day(2025, 5, 1), CaseIDs: []int64{c.ID}},
	} {
		n.Lang, n.Title = "en", n.Slug
		if err := s.CreateNews(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	related, err := s.RelatedNews(ctx, c.ID, c.Tags, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, n := range related {
		slugs = append(slugs, n.Slug)
	}
	if want := []string{"linked-new", "linked-old", "tagged-new"}; !slices.Equal(slugs, want) {
		t.Errorf("related %v, want %v", slugs, want)
	}
	// A case without tags still finds its linked articles.
	linkedOnly, err := s.RelatedNews(ctx, c.ID, nil, 0, 10)
	if err != nil || len(linkedOnly) != 2 || linkedOnly[0].Slug != "linked-new" {
		t.Errorf("related news without tags: %+v, %v", linkedOnly, err)
	}
	latest, _ := s.LatestNews(ctx, 0, 2)
	if len(latest) != 2 || latest[0].Slug != "unrelated" || latest[1].Slug != "tagged-new" {
		t.Errorf("latest news not newest first: %+v", latest)
	}
	page2, _ := s.LatestNews(ctx, 2, 2)
	if len(page2) != 2 || page2[0].Slug != "linked-new" {
		t.Errorf("second page: %+v", page2)
	}
	// Excluding the article being read.
	tagged, _ := s.NewsBySlug(ctx, "tagged-new")
	related, _ = s.RelatedNews(ctx, 0, tagged.Tags, tagged.ID, 10)
	if len(related) != 0 {
		t.Errorf("an article is related to itself or to untagged news: %+v", related)
	}
}

func testImages(t *testing.T, s Store) {
	img := &model.Image{Hash: "abc123", Alt: "A wall under a dusk sky", Width: 960, Height: 540, Format: "png", Created: day(2025, 1, 1)}
	variants := []model.ImageVariant{
		{Width: 960, ContentType: "image/png", Data: []byte("large")},
		{Width: 480, ContentType: "image/png", Data: []byte("small")},
	}
	if err := s.CreateImage(ctx, img, variants); err != nil {
		t.Fatal(err)
	}
	// The public name is random: nothing of the file's hash in it.
	if len(img.PublicID) != 32 || strings.Contains(img.PublicID, img.Hash) {
		t.Errorf("public ID %q for hash %q", img.PublicID, img.Hash)
	}
	again := &model.Image{Hash: "abc123", Alt: "dup", Width: 1, Height: 1, Format: "png", Created: day(2025, 1, 2)}
	if err := s.CreateImage(ctx, again, variants); err != nil || again.ID != img.ID || again.PublicID != img.PublicID {
		t.Fatalf("same hash stored twice: id %d vs %d, public ID %q vs %q, %v", again.ID, img.ID, again.PublicID, img.PublicID, err)
	}
	other := &model.Image{Hash: "def456", Alt: "Another", Width: 480, Height: 270, Format: "png", Created: day(2025, 1, 2)}
	if err := s.CreateImage(ctx, other, variants[1:]); err != nil || other.PublicID == img.PublicID {
		t.Fatalf("another picture: public ID %q, %v", other.PublicID, err)
	}
	v, err := s.ImageVariant(ctx, img.PublicID, 480)
	if err != nil || !bytes.Equal(v.Data, []byte("small")) || v.ContentType != "image/png" {
		t.Fatalf("variant: %+v, %v", v, err)
	}
	if _, err := s.ImageVariant(ctx, img.PublicID, 1600); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("missing width: %v", err)
	}
	if _, err := s.ImageVariant(ctx, "abc123", 480); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a variant found by the file's hash: %v", err)
	}
	c := &model.Case{Slug: "pic", Lang: "en", Title: "P", Status: model.CaseActive, Published: day(2025, 1, 1), Updated: day(2025, 1, 1), Image: img}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.CaseBySlug(ctx, "pic")
	if err != nil {
		t.Fatal(err)
	}
	if got.Image == nil || got.Image.Alt != img.Alt || got.Image.PublicID != img.PublicID || !slices.Equal(got.Image.Widths, []int{480, 960}) {
		t.Errorf("case image %+v", got.Image)
	}
}

// testPublicImages checks which pictures published content shows: those
// of drafts are not public until they are published, and stop being public
// when unpublished, unless other published content shows them.
func testPublicImages(t *testing.T, s Store) {
	picture := func(hash string) *model.Image {
		img := &model.Image{Hash: hash, Alt: hash, Width: 480, Height: 270, Format: "jpg", Created: day(2025, 1, 1)}
		if err := s.CreateImage(ctx, img, []model.ImageVariant{{Width: 480, ContentType: "image/jpeg", Data: []byte(hash)}}); err != nil {
			t.Fatal(err)
		}
		return img
	}
	caseImg, draftCaseImg, actionImg, draftActionImg, newsImg, draftNewsImg, shared :=
		picture("case"), picture("draft-case"), picture("action"), picture("draft-action"),
		picture("news"), picture("draft-news"), picture("shared")
	picture("unused")
	published, draft := day(2025, 2, 1), time.Time{}
	for _, c := range []*model.Case{
		{Slug: "public-case", Image: caseImg, Published: published},
		{Slug: "draft-case", Image: draftCaseImg, Published: draft},
		{Slug: "draft-with-shared", Image: shared, Published: draft},
		{Slug: "no-picture", Published: published},
	} {
		c.Lang, c.Title, c.Status, c.Updated = "en", c.Slug, model.CaseActive, day(2025, 2, 1)
		if err := s.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []*model.Action{
		{Slug: "public-action", Image: actionImg, Published: published},
		{Slug: "draft-action", Image: draftActionImg, Published: draft},
	} {
		a.Lang, a.Kind, a.Title = "en", model.ActionPetition, a.Slug
		if err := s.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	var publicNews *model.NewsArticle
	for _, n := range []*model.NewsArticle{
		{Slug: "public-news", Image: newsImg, Published: published},
		{Slug: "draft-news", Image: draftNewsImg, Published: draft},
		{Slug: "public-with-shared", Image: shared, Published: published},
	} {
		n.Lang, n.Title = "en", n.Slug
		if err := s.CreateNews(ctx, n); err != nil {
			t.Fatal(err)
		}
		if n.Slug == "public-news" {
			publicNews = n
		}
	}
	want := func(what string, imgs ...*model.Image) {
		t.Helper()
		got, err := s.PublicImages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, img := range imgs {
			ids = append(ids, img.PublicID)
		}
		slices.Sort(got)
		slices.Sort(ids)
		if !slices.Equal(got, ids) {
			t.Errorf("%s: public images %v, want %v", what, got, ids)
		}
	}
	want("as created", caseImg, actionImg, newsImg, shared)

	publicCase, err := s.CaseBySlug(ctx, "public-case")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPublished(ctx, "case", publicCase.ID, publicCase.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPublished(ctx, "news", publicNews.ID, publicNews.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	want("after unpublishing a case and an article", actionImg, shared)
	drafts, err := s.AllCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range drafts {
		if c.Slug == "draft-case" {
			if err := s.SetPublished(ctx, "case", c.ID, c.Version, day(2025, 3, 1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	want("after publishing the draft case", actionImg, shared, draftCaseImg)
}

func testPublishUpdate(t *testing.T, s Store) {
	c := &model.Case{Slug: "c", Lang: "en", Title: "C", Status: model.CaseActive, Published: day(2025, 3, 1), Updated: day(2025, 3, 1),
		Updates: []model.Update{{Number: 0, Title: "Urgent action", Published: day(2025, 3, 1)}}}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"appeal", "petition"} {
		a := &model.Action{Slug: slug, CaseSlug: "c", Lang: "en", Kind: model.ActionPetition, Title: slug, Published: day(2025, 3, 1)}
		if err := s.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	news := &model.Update{Title: "News, nothing closes", Published: day(2025, 4, 1)}
	if err := s.PublishUpdate(ctx, "c", news); err != nil {
		t.Fatal(err)
	}
	final := &model.Update{Title: "Final", Final: true, CloseActions: true, Status: model.CaseMonitoring, Published: day(2025, 7, 20)}
	if err := s.PublishUpdate(ctx, "c", final); err != nil {
		t.Fatal(err)
	}
	if news.Number != 1 || final.Number != 2 {
		t.Errorf("numbered %d and %d, want 1 and 2", news.Number, final.Number)
	}
	got, err := s.CaseBySlug(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != model.CaseMonitoring || !got.Updated.Equal(day(2025, 7, 20)) {
		t.Errorf("case after the final update: %s, updated %v", got.Status, got.Updated)
	}
	for _, a := range got.Actions {
		if !a.Closed {
			t.Errorf("action %s still open after the final update", a.Slug)
		}
	}
	if len(got.Updates) != 3 || !got.Updates[0].CloseActions || got.Updates[0].Status != model.CaseMonitoring {
		t.Errorf("updates %+v", got.Updates)
	}
	if err := s.PublishUpdate(ctx, "nope", &model.Update{Title: "x", Published: day(2025, 1, 1)}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("update to an unknown case: %v", err)
	}
}
