package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"vigil/internal/model"
)

// TestDraftPicturePreview uploads a picture for a draft case: the staff
// preview shows it, the public gets 404 for its URL until the case is
// published.
func TestDraftPicturePreview(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	staff := h.browser()
	staff.login("editor@example.org")
	public := h.browser()

	form := caseValues()
	form.Set("image_alt", "A street in San Salvador")
	a := staff.multipart("/admin/cases/new", "/admin/cases/new", form, gpsPhoto(t))
	if a.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	edit, _, _ := strings.Cut(a.location, "?")
	preview := staff.get(edit + "/preview")
	m := regexp.MustCompile(`<img src="(/media/[^"]+)"`).FindStringSubmatch(preview.body)
	if preview.status != http.StatusOK || m == nil {
		t.Fatalf("preview: %d, picture %v", preview.status, m)
	}
	picture := m[1]

	if r := staff.get(picture); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" ||
		r.header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("staff preview of the picture: %d %v", r.status, r.header)
	}
	if r := public.get(picture); r.status != http.StatusNotFound || strings.Contains(r.header.Get("Content-Type"), "image") {
		t.Errorf("the public sees a draft's picture: %d", r.status)
	}

	var caseID int64
	if _, err := fmt.Sscanf(edit, "/admin/cases/%d", &caseID); err != nil {
		t.Fatal(err)
	}
	stored, err := h.db.CaseByID(ctx, caseID)
	if err != nil {
		t.Fatal(err)
	}
	a = staff.post(edit, edit+"/publish", url.Values{"do": {"publish"}, "version": {fmt.Sprint(stored.Version)}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", a.status)
	}
	if r := public.get(picture); r.status != http.StatusOK || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
		t.Errorf("the published picture: %d %v", r.status, r.header)
	}
}
