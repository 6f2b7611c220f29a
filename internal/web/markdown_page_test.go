package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"vigil/internal/model"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

// TestStaffMarkupStaysInItsPlace publishes a news article and a case whose
// bodies leave elements open and close the page's own, and reads their
// pages as a browser would: the site's Share heading and footer stay where
// the layout puts them, inside no link or bold text of the body.
func TestStaffMarkupStaysInItsPlace(t *testing.T) {
	ctx := context.Background()
	db := testutil.DemoSQLite(t)
	body := "Read [the report](https://example.org/report).\n\n" +
		"More in <a href=\"https://example.org/annex\">the annex, and <b>this stays bold\n\n" +
		"- one <i>open\n  - nested\n\n</div></section></article></main> and after"
	published := testutil.Now.Add(-time.Hour)
	news := &model.NewsArticle{Slug: "unclosed-markup", Lang: "en", Title: "Unclosed markup", Summary: "Summary.",
		Body: body, Published: published}
	if err := db.CreateNews(ctx, news); err != nil {
		t.Fatal(err)
	}
	cs := &model.Case{Slug: "unclosed-markup", Lang: "en", Title: "Unclosed markup", Summary: "Summary.", Body: body,
		Status: model.CaseMonitoring, Published: published, Updated: published,
		Timeline: []model.TimelineEvent{{Date: published, Title: "An event", Body: "<li>an item of no list <a href=\"https://example.org/x\">open"}}}
	if err := db.CreateCase(ctx, cs); err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://act.example.org", Composer: testComposer(t, db, db.Keys(), "https://act.example.org"),
		Now: func() time.Time { return testutil.Now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/news/unclosed-markup", "/cases/unclosed-markup"} {
		r := get(t, site, path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.status)
		}
		doc, err := xhtml.Parse(strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		share := elementByID(doc, "share-heading")
		if share == nil {
			t.Fatalf("%s has no Share heading", path)
		}
		var inside []string
		for p := share.Parent; p != nil && p.Type == xhtml.ElementNode; p = p.Parent {
			inside = append(inside, p.Data)
		}
		for _, spilled := range []string{"a", "b", "i", "li", "ul"} {
			if containsString(inside, spilled) {
				t.Errorf("%s: the Share heading is inside <%s> (%v)", path, spilled, inside)
			}
		}
		if !containsString(inside, "main") {
			t.Errorf("%s: the Share heading left <main> (%v)", path, inside)
		}
		for d := range doc.Descendants() {
			if d.Type == xhtml.ElementNode && d.Data == "footer" && d.Parent.Data != "body" {
				t.Errorf("%s: the footer is inside <%s>", path, d.Parent.Data)
			}
		}
		if !strings.Contains(r.body, `this stays bold</b>`) {
			t.Errorf("%s: the bold text is not closed where its paragraph ends", path)
		}
	}
}

func elementByID(n *xhtml.Node, id string) *xhtml.Node {
	for d := range n.Descendants() {
		for _, a := range d.Attr {
			if a.Key == "id" && a.Val == id {
				return d
			}
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
