package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

// countingStore counts how often the site asks which pictures are public.
type countingStore struct {
	store.Store
	publicImages atomic.Int64
}

func (c *countingStore) PublicImages(ctx context.Context) ([]string, error) {
	c.publicImages.Add(1)
	return c.Store.PublicImages(ctx)
}

// TestDraftPicturesAreNotPublic stores a picture used only by a draft case:
// it answers 404 to the public (also to a request that knows its ETag)
// while staff who preview see it, is served once the case is published
// and answers 404 again once it is unpublished. Which pictures are public
// is read once per change of content, not per request.
func TestDraftPicturesAreNotPublic(t *testing.T) {
	ctx := context.Background()
	db := testutil.DemoSQLite(t)
	counting := &countingStore{Store: db}
	site, err := web.New(web.Options{Store: counting, Keys: db.Keys(), BaseURL: "https://act.example.org", Composer: testComposer(t, counting, db.Keys(), "https://act.example.org"),
		Now: func() time.Time { return testutil.Now }})
	if err != nil {
		t.Fatal(err)
	}
	img := &model.Image{Hash: "draft-picture", Alt: "A draft's picture", Width: 480, Height: 270, Format: "jpg", Created: testutil.Now}
	if err := db.CreateImage(ctx, img, []model.ImageVariant{{Width: 480, ContentType: "image/jpeg", Data: []byte("\xff\xd8draft")}}); err != nil {
		t.Fatal(err)
	}
	draft := &model.Case{Slug: "draft-with-picture", Lang: "en", Title: "Draft", Status: model.CaseActive,
		Updated: testutil.Now, Image: img}
	if err := db.CreateCase(ctx, draft); err != nil {
		t.Fatal(err)
	}
	url := "/media/" + img.PublicID + "/480.jpg"
	etag := `"` + img.PublicID + `-480"`
	notPublic := func(when string) {
		t.Helper()
		for _, headers := range [][]string{nil, {"If-None-Match", etag}} {
			r := get(t, site, url, headers...)
			if r.status != http.StatusNotFound || strings.Contains(r.body, "draft") || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s, %v: %d, Cache-Control %q", when, headers, r.status, r.header.Get("Cache-Control"))
			}
		}
	}
	notPublic("draft")

	// Staff previewing drafts see it; their copy is kept nowhere.
	site.AllowDraftMedia(func(r *http.Request) bool { return r.Header.Get("X-Test-Staff") == "yes" })
	r := get(t, site, url, "X-Test-Staff", "yes")
	if r.status != http.StatusOK || r.body != "\xff\xd8draft" || r.header.Get("Cache-Control") != "private, no-store" || r.header.Get("ETag") != "" {
		t.Errorf("staff preview: %d %v", r.status, r.header)
	}
	notPublic("draft, with previews allowed")

	// Published: public, and kept.
	setPublished(t, db, site, draft.ID, testutil.Now)
	r = get(t, site, url)
	if r.status != http.StatusOK || r.body != "\xff\xd8draft" || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
		t.Errorf("published: %d %v", r.status, r.header)
	}
	if again := get(t, site, url, "If-None-Match", r.header.Get("ETag")); again.status != http.StatusNotModified {
		t.Errorf("revalidation: %d", again.status)
	}

	// Many requests, one read of the public pictures per change of content.
	before := counting.publicImages.Load()
	for range 20 {
		get(t, site, url)
		get(t, site, "/media/"+strings.Repeat("0", 32)+"/480.jpg")
	}
	if reads := counting.publicImages.Load() - before; reads != 0 {
		t.Errorf("40 picture requests read the public pictures %d more times", reads)
	}

	// Unpublished: gone again.
	setPublished(t, db, site, draft.ID, time.Time{})
	notPublic("unpublished")
}

// setPublished publishes (or, at zero, unpublishes) a case as the admin
// does: in the store, then telling the site.
func setPublished(t *testing.T, db store.Store, site *web.Server, id int64, at time.Time) {
	t.Helper()
	c, err := db.CaseByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPublished(context.Background(), "case", id, c.Version, at); err != nil {
		t.Fatal(err)
	}
	site.ContentChanged()
}

// TestPictureURLsAreNotDerivedFromTheFile loads the same demo pictures into
// two databases: the same files get different URLs, so nobody holding a
// file can work out its URL (or ask whether the site has it), and the URL
// carries nothing of the file's hash.
func TestPictureURLsAreNotDerivedFromTheFile(t *testing.T) {
	ctx := context.Background()
	var urls []string
	for range 2 {
		db := testutil.DemoSQLite(t)
		site, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://act.example.org", Composer: testComposer(t, db, db.Keys(), "https://act.example.org"),
			Now: func() time.Time { return testutil.Now }})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.CaseBySlug(ctx, demo.CaseSlug)
		if err != nil || c.Image == nil {
			t.Fatalf("demo case picture: %v", err)
		}
		m := regexp.MustCompile(`<img src="(/media/[^"]+)"`).FindStringSubmatch(get(t, site, caseURL).body)
		if m == nil {
			t.Fatal("the case page shows no picture")
		}
		if strings.Contains(m[1], c.Image.Hash) {
			t.Errorf("%s carries the file's hash %s", m[1], c.Image.Hash)
		}
		if r := get(t, site, m[1]); r.status != http.StatusOK {
			t.Errorf("%s: %d", m[1], r.status)
		}
		if r := get(t, site, fmt.Sprintf("/media/%s/%d.png", c.Image.Hash, c.Image.Widths[0])); r.status != http.StatusNotFound {
			t.Errorf("the picture is served under its file's hash: %d", r.status)
		}
		urls = append(urls, m[1])
	}
	if urls[0] == urls[1] {
		t.Errorf("the same file has the same URL in two installations: %s", urls[0])
	}
}
