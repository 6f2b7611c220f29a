package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// individuals stores n individuals of a case, each with one event.
func (h *harness) individuals(caseID int64, from, n int, kind model.EventKind, level model.Verification) {
	h.t.Helper()
	var batch []model.Record
	for i := range n {
		batch = append(batch, model.Record{CaseID: caseID, Label: fmt.Sprintf("Individual %03d", from+i), Events: []model.RecordEvent{{
			Kind: kind, Date: time.Date(2025, 7, 18, 0, 0, 0, 0, time.UTC), Precision: model.PrecisionDay,
			Source: "Campaign page", Verification: level}}})
	}
	if err := h.db.AddRecords(ctx, batch, h.clock); err != nil {
		h.t.Fatal(err)
	}
}

// TestFiguresPublishedByAnEditor: the editor sees only figures of verified
// facts of at least five people, publishes some, and the public page
// shows them from the snapshot, never a name; a new fact changes nothing
// in public until published again.
func TestFiguresPublishedByAnEditor(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")
	c := h.recordsCase()
	if err := h.db.SetPublished(ctx, "case", c.ID, c.Version, h.clock); err != nil {
		t.Fatal(err)
	}
	h.individuals(c.ID, 1, 6, model.EventReturned, model.VerifiedCorroborated)
	h.individuals(c.ID, 7, 4, model.EventReDetained, model.VerifiedConfirmed)
	h.individuals(c.ID, 11, 5, model.EventDied, model.VerifiedSingle)
	page := "/admin/cases/" + itoa(c.ID) + "/figures"
	a := b.get(page)
	if a.status != http.StatusOK || !strings.Contains(a.body, `value="returned"`) || strings.Contains(a.body, `value="re-detained"`) ||
		strings.Contains(a.body, `value="died"`) || !strings.Contains(a.body, "No figures are published.") ||
		strings.Contains(a.body, "Individual 0") {
		t.Fatalf("figures page: %d\n%s", a.status, a.body)
	}
	public := h.browser()
	if a := public.get("/cases/" + c.Slug); strings.Contains(a.body, `id="what-we-know"`) {
		t.Fatal("figures in public before any is published")
	}
	cs, _ := h.db.CaseByID(ctx, c.ID)
	publish := url.Values{"version": {itoa(int64(cs.Version))}, "intro": {"What we know of the 15 men"}, "status": {"returned"}}
	if a := b.post(page, page, publish); a.status != http.StatusSeeOther || !strings.Contains(a.location, "flash.figures-published") {
		t.Fatalf("publish: %d → %q\n%s", a.status, a.location, a.body)
	}
	a = public.get("/cases/" + c.Slug)
	if !strings.Contains(a.body, `id="what-we-know"`) || !strings.Contains(a.body, "What we know of the 15 men</bdi>, as of 26 November 2026:") ||
		!strings.Contains(a.body, "6 returned to their country") || strings.Contains(a.body, "Individual 0") ||
		strings.Contains(a.body, "detained again") {
		t.Fatalf("the public page:\n%s", a.body)
	}
	// A fifth confirmed re-detention: offered to the editor, not shown in
	// public until published.
	h.individuals(c.ID, 16, 1, model.EventReDetained, model.VerifiedCorroborated)
	if a := b.get(page); !strings.Contains(a.body, `value="re-detained"`) {
		t.Errorf("five re-detained are not offered:\n%s", a.body)
	}
	if a := public.get("/cases/" + c.Slug); strings.Contains(a.body, "detained again") {
		t.Error("an unpublished figure is in public")
	}
	cs, _ = h.db.CaseByID(ctx, c.ID)
	publish.Set("version", itoa(int64(cs.Version)))
	publish["status"] = []string{"returned", "re-detained"}
	b.post(page, page, publish)
	if a := public.get("/cases/" + c.Slug); !strings.Contains(a.body, "5 detained again") || !strings.Contains(a.body, "6 returned") {
		t.Errorf("after publishing again:\n%s", a.body)
	}
	if a := public.get("/es/cases/" + c.Slug); !strings.Contains(a.body, "5 personas detenidas de nuevo") {
		t.Errorf("in Spanish:\n%s", a.body)
	}
	// The timeline takes a dated entry made from them.
	cs, _ = h.db.CaseByID(ctx, c.ID)
	if a := b.post(page, page+"/timeline", url.Values{"version": {itoa(int64(cs.Version))}}); a.status != http.StatusSeeOther {
		t.Fatalf("timeline: %d\n%s", a.status, a.body)
	}
	cs, _ = h.db.CaseByID(ctx, c.ID)
	if len(cs.Timeline) != 1 || cs.Timeline[0].Title != "What we know of the 15 men, as of 26 November 2026: 5 detained again, 6 returned to their country" ||
		cs.Timeline[0].PeopleCount != 16 {
		t.Errorf("timeline: %+v", cs.Timeline)
	}
	// Withdrawn: nothing chosen.
	b.post(page, page, url.Values{"version": {itoa(int64(cs.Version))}, "intro": {"x"}})
	if a := public.get("/cases/" + c.Slug); strings.Contains(a.body, `id="what-we-know"`) {
		t.Error("withdrawn figures still in public")
	}
	if log, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "case.figures"}); len(log) != 3 || log[0].UserEmail != "editor@example.org" {
		t.Errorf("audit: %+v", log)
	}
	// A researcher may look, not publish.
	h.addUser("researcher@example.org", model.RoleResearcher)
	r := h.browser()
	r.login("researcher@example.org")
	if a := r.post("/admin/account", page, publish); a.status != http.StatusForbidden {
		t.Errorf("a researcher publishing: %d", a.status)
	}
}
