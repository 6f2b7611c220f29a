package admin

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"vigil/internal/model"
)

// TestActionEmbedCode: the action screen gives the <iframe> a partner
// pastes; its address serves the action's form for frames, and a
// signature taken there shows the partner as its source on the
// supporter's page.
func TestActionEmbedCode(t *testing.T) {
	h := newHarness(t)
	h.addUser("viewer@example.org", model.RoleViewer)
	h.addUser("admin@example.org", model.RoleAdmin)
	a := &model.Action{Slug: "write-now", Lang: "en", Kind: model.ActionAppeal, Title: `Write "now" & often`, Published: h.clock,
		Subject: "Release them", Letter: "Please release them.",
		Consents: []model.ConsentRequest{{Key: "updates", Text: "Tell me what happens"}}}
	if err := h.db.SaveAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := h.db.SetPublished(ctx, "action", a.ID, a.Version, h.clock); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.login("viewer@example.org") // read-only, still given the code
	page := b.get(fmt.Sprintf("/admin/actions/%d", a.ID))
	typed := regexpFind(t, page.body, `(?s)<textarea id="embed-snippet" readonly[^>]*>(.*?)</textarea>`)
	snippet := html.UnescapeString(typed)
	want := `<iframe src="` + h.srv.URL + `/embed/actions/write-now" title="Write &#34;now&#34; &amp; often" width="100%" height="2200" referrerpolicy="strict-origin"></iframe>`
	if snippet != want {
		t.Errorf("embed code\n%s\nwant\n%s", snippet, want)
	}
	src, _ := url.Parse(regexpFind(t, snippet, `src="([^"]+)"`))
	framed := b.get(src.Path)
	if framed.status != http.StatusOK || !strings.Contains(framed.body, `action="/embed/actions/write-now"`) ||
		!strings.HasSuffix(framed.header.Get("Content-Security-Policy"), "frame-ancestors https:") {
		t.Errorf("the snippet's address: %d %v", framed.status, framed.header)
	}

	// A letter sent from a partner's frame.
	form := url.Values{"name": {"Ana"}, "email": {"ana@example.org"}, "country": {"VE"}, "lang": {"en"},
		"subject": {"Release them"}, "letter": {"Please release them."}, "source": {"https://partner.example"}}
	if r := b.do("POST", src.Path, form); r.status != http.StatusSeeOther || r.location != src.Path+"/thanks" {
		t.Fatalf("sending from the frame: %d to %q", r.status, r.location)
	}
	sup, err := h.db.SupporterByEmail(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	admin := h.browser()
	admin.login("admin@example.org")
	page = admin.get(fmt.Sprintf("/admin/supporters/%d", sup.ID))
	if !strings.Contains(page.body, "<td>https://partner.example</td>") {
		t.Errorf("the supporter's page does not show where they acted:\n%s", page.body)
	}
}
