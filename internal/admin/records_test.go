package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
)

// demoCase is the demo case records are kept on in these tests.
func (h *harness) demoCase() model.Case {
	h.t.Helper()
	c, err := h.db.CaseBySlug(ctx, demo.CaseSlug)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// readsOf lists the records.read entries of the audit log, newest first.
func (h *harness) readsOf(caseID int64) []model.AuditEntry {
	h.t.Helper()
	log, err := h.db.AuditLog(ctx, store.AuditFilter{Action: "records.read", ObjectType: "case", ObjectID: caseID})
	if err != nil {
		h.t.Fatal(err)
	}
	return log
}

func recordValues(name string) url.Values {
	return url.Values{"id": {"0"}, "version": {"0"}, "name": {name}, "status": {"detained"},
		"place": {"CECOT, Tecoluca"}, "last_confirmed": {"2026-11-20"}, "source_note": {"His sister, by phone"}}
}

func TestRecordsResearcherAddsEditsDeletes(t *testing.T) {
	h := newHarness(t)
	h.addUser("researcher@example.org", model.RoleResearcher)
	b := h.browser()
	b.login("researcher@example.org")
	c := h.demoCase()
	page := "/admin/cases/" + itoa(c.ID) + "/records"

	// The case page leads to the records.
	if a := b.get("/admin/cases/" + itoa(c.ID)); a.status != http.StatusOK || !strings.Contains(a.body, `href="`+page+`"`) {
		t.Fatalf("case page as a researcher: %d, no link to %s", a.status, page)
	}
	if a := b.get(page); a.status != http.StatusOK || !strings.Contains(a.body, "No records yet.") {
		t.Fatalf("records page: %d\n%s", a.status, a.body)
	}

	// Every rule at once: each message beside its field, everything typed
	// kept, nothing stored.
	bad := url.Values{"id": {"0"}, "version": {"0"}, "name": {"  "}, "status": {"missing"},
		"place": {strings.Repeat("p", 201)}, "last_confirmed": {"2026-12-01"}, "source_note": {strings.Repeat("s", 2001)}}
	a := b.post("/admin/account", page, bad)
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "5 fields need attention") {
		t.Fatalf("invalid record: %d\n%s", a.status, a.body)
	}
	for field, msg := range map[string]string{"name": "This is required.", "status": "Choose a status",
		"place": "At most 200 characters", "last_confirmed": "This date has not come yet", "source_note": "At most 2000 characters"} {
		if !strings.Contains(a.body, `id="`+field+`-error">`+msg) || !strings.Contains(a.body, `aria-describedby="`+field+`-error"`) {
			t.Errorf("no message %q beside %s", msg, field)
		}
	}
	if !strings.Contains(a.body, `value="`+strings.Repeat("p", 201)+`"`) || !strings.Contains(a.body, `value="2026-12-01"`) ||
		!strings.Contains(a.body, strings.Repeat("s", 2001)+"</textarea>") {
		t.Error("what was typed is not kept")
	}
	a = b.post("/admin/account", page, url.Values{"id": {"0"}, "version": {"0"}, "name": {"X"}, "status": {"detained"},
		"last_confirmed": {"20 November"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "A date as YYYY-MM-DD") {
		t.Errorf("a date not as YYYY-MM-DD: %d", a.status)
	}
	if list, _ := h.db.RecordsOfCase(ctx, c.ID); len(list) != 0 {
		t.Fatalf("invalid forms stored %+v", list)
	}

	// Add.
	a = b.post("/admin/account", page, recordValues("José Núñez"))
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, page+"?done=") || strings.Contains(a.location, "Jos") {
		t.Fatalf("add: %d → %q\n%s", a.status, a.location, a.body)
	}
	a = b.get(a.location)
	if !strings.Contains(a.body, "José Núñez") || !strings.Contains(a.body, "Record added.") {
		t.Fatalf("the list after adding:\n%s", a.body)
	}
	id := regexpFind(t, a.body, `records\?edit=(\d+)"`)
	list, err := h.db.RecordsOfCase(ctx, c.ID)
	if err != nil || len(list) != 1 || itoa(list[0].ID) != id || list[0].Status != model.RecordDetained ||
		list[0].Place != "CECOT, Tecoluca" || list[0].LastConfirmed.Format("2006-01-02") != "2026-11-20" ||
		list[0].SourceNote != "His sister, by phone" || list[0].Version != 1 {
		t.Fatalf("stored %+v, %v", list, err)
	}

	// Edit: the form comes filled in.
	a = b.get(page + "?edit=" + id)
	if a.status != http.StatusOK || !strings.Contains(a.body, `name="name" value="José Núñez"`) ||
		!strings.Contains(a.body, `<option value="detained" selected>detained</option>`) || !strings.Contains(a.body, `name="version" value="1"`) {
		t.Fatalf("edit form: %d\n%s", a.status, a.body)
	}
	edit := recordValues("José Núñez Ruiz")
	edit.Set("id", id)
	edit.Set("version", "1")
	edit.Set("status", "released")
	edit.Set("place", "")
	a = b.post("/admin/account", page, edit)
	if a.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	got, err := h.db.RecordByID(ctx, list[0].ID)
	if err != nil || got.Name != "José Núñez Ruiz" || got.Status != model.RecordReleased || got.Place != "" || got.Version != 2 {
		t.Fatalf("after the save: %+v, %v", got, err)
	}

	// Delete, at the version shown.
	a = b.get(page + "?edit=" + id)
	if !strings.Contains(a.body, `action="`+page+"/"+id+`/delete"`) {
		t.Fatalf("no delete form:\n%s", a.body)
	}
	a = b.post("/admin/account", page+"/"+id+"/delete", url.Values{"version": {"2"}})
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "flash.record-deleted") {
		t.Fatalf("delete: %d → %q\n%s", a.status, a.location, a.body)
	}
	if _, err := h.db.RecordByID(ctx, got.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("deleted record: %v", err)
	}

	// Each write is in the audit log, by the researcher.
	log, _ := h.db.AuditLog(ctx, store.AuditFilter{ObjectType: "record", ObjectID: got.ID})
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
		if e.UserEmail != "researcher@example.org" || e.IPHash == "" {
			t.Errorf("%s by %q from %q", e.Action, e.UserEmail, e.IPHash)
		}
	}
	if strings.Join(actions, " ") != "record.delete record.save record.create" {
		t.Errorf("audit: %v", actions)
	}

	// A record is reached only through its own case.
	other := h.addRecord(c.ID, "Other Person")
	if a := b.get("/admin/cases/999/records?edit=" + itoa(other.ID)); a.status != http.StatusNotFound {
		t.Errorf("a record through a case that is not there: %d", a.status)
	}
	second := model.Case{Slug: "second-case", Lang: "en", Title: "Second case", Status: model.CaseActive, Updated: h.clock}
	if err := h.db.SaveCase(ctx, &second); err != nil {
		t.Fatal(err)
	}
	if a := b.get("/admin/cases/" + itoa(second.ID) + "/records?edit=" + itoa(other.ID)); a.status != http.StatusNotFound {
		t.Errorf("a record through another case: %d", a.status)
	}
	if a := b.post("/admin/account", "/admin/cases/"+itoa(second.ID)+"/records/"+itoa(other.ID)+"/delete",
		url.Values{"version": {"1"}}); a.status != http.StatusNotFound {
		t.Errorf("a delete through another case: %d", a.status)
	}
	if _, err := h.db.RecordByID(ctx, other.ID); err != nil {
		t.Errorf("the record after a delete through another case: %v", err)
	}
}

// addRecord stores a record as a researcher would, without the pages.
func (h *harness) addRecord(caseID int64, name string) model.Record {
	h.t.Helper()
	r := model.Record{CaseID: caseID, Name: name, Status: model.RecordDetained, Place: "Izalco", SourceNote: "A lawyer", Updated: h.clock}
	if err := h.db.SaveRecord(ctx, &r); err != nil {
		h.t.Fatal(err)
	}
	return r
}

func TestRecordsForbiddenToEditorsAndViewers(t *testing.T) {
	h := newHarness(t)
	c := h.demoCase()
	r := h.addRecord(c.ID, "Yusuf Kiprotich")
	page := "/admin/cases/" + itoa(c.ID) + "/records"
	for _, role := range []model.Role{model.RoleEditor, model.RoleViewer} {
		email := string(role) + "@example.org"
		h.addUser(email, role)
		b := h.browser()
		b.login(email)
		for _, a := range []answer{
			b.get(page),
			b.get(page + "?edit=" + itoa(r.ID)),
			b.post("/admin/account", page, recordValues("Added by "+string(role))),
			b.post("/admin/account", page, url.Values{"id": {itoa(r.ID)}, "version": {"1"}, "name": {"Renamed"}, "status": {"released"}}),
			b.post("/admin/account", page+"/"+itoa(r.ID)+"/delete", url.Values{"version": {"1"}}),
		} {
			if a.status != http.StatusForbidden || strings.Contains(a.body, "Yusuf") {
				t.Errorf("%s: %d, want 403 without the record", role, a.status)
			}
		}
		// Nor does the case page lead there.
		if a := b.get("/admin/cases/" + itoa(c.ID)); a.status != http.StatusOK || strings.Contains(a.body, "/records") {
			t.Errorf("case page as %s: %d, with a link to the records", role, a.status)
		}
	}
	if list, _ := h.db.RecordsOfCase(ctx, c.ID); len(list) != 1 || list[0].Name != "Yusuf Kiprotich" || list[0].Version != 1 {
		t.Errorf("records after the refusals: %+v", list)
	}
	if reads := h.readsOf(c.ID); len(reads) != 0 {
		t.Errorf("refused reads were logged as reads: %+v", reads)
	}
}

func TestRecordsEveryReadAudited(t *testing.T) {
	h := newHarness(t)
	c := h.demoCase()
	r := h.addRecord(c.ID, "Yusuf Kiprotich")
	page := "/admin/cases/" + itoa(c.ID) + "/records"
	readers := map[string]model.StaffUser{
		"researcher@example.org": h.addUser("researcher@example.org", model.RoleResearcher),
		"admin@example.org":      h.addUser("admin@example.org", model.RoleAdmin),
	}
	var order []string // reader of each read, oldest first
	for _, email := range []string{"researcher@example.org", "admin@example.org"} {
		b := h.browser()
		b.login(email)
		for _, path := range []string{page, page + "?edit=" + itoa(r.ID), page} {
			if a := b.get(path); a.status != http.StatusOK || !strings.Contains(a.body, "Yusuf Kiprotich") {
				t.Fatalf("%s as %s: %d", path, email, a.status)
			}
			order = append(order, email)
		}
		// A form sent back with a mistake shows the records again: a read.
		if a := b.post("/admin/account", page, url.Values{"name": {""}, "status": {"detained"}}); a.status != http.StatusBadRequest {
			t.Fatalf("invalid form: %d", a.status)
		}
		order = append(order, email)
	}
	reads := h.readsOf(c.ID)
	if len(reads) != len(order) {
		t.Fatalf("%d records.read entries, want %d", len(reads), len(order))
	}
	for i, e := range reads {
		want := readers[order[len(order)-1-i]]
		if e.UserEmail != want.Email || e.UserID != want.ID || e.IPHash == "" || e.ObjectType != "case" ||
			e.ObjectID != c.ID || e.Before != "" || e.After != "" {
			t.Errorf("read %d: %+v, want one by %s on case %d", i, e, want.Email, c.ID)
		}
	}
	// The admin sees them in the audit log, and the log does not name the
	// individual.
	b := h.browser()
	b.login("admin@example.org")
	if a := b.get("/admin/audit?action=records.read"); !strings.Contains(a.body, "records.read") ||
		!strings.Contains(a.body, "researcher@example.org") || strings.Contains(a.body, "Yusuf") {
		t.Errorf("audit page:\n%s", a.body)
	}
}

func TestRecordsNeverPublic(t *testing.T) {
	h := newHarness(t)
	c := h.demoCase()
	h.addRecord(c.ID, "Yusuf Kiprotich")
	h.addUser("editor@example.org", model.RoleEditor)
	h.addUser("researcher@example.org", model.RoleResearcher)

	visitor := h.browser()
	for _, path := range []string{"/cases/" + c.Slug, "/cases/" + c.Slug + "/updates.atom", "/", "/news", "/sitemap.xml"} {
		a := visitor.get(path)
		if a.status != http.StatusOK {
			t.Errorf("public %s: %d", path, a.status)
		}
		if strings.Contains(a.body, "Yusuf") || strings.Contains(a.body, "Izalco") || strings.Contains(a.body, "A lawyer") {
			t.Errorf("public %s shows a record", path)
		}
	}
	if a := visitor.get("/cases/" + c.Slug); !strings.Contains(a.body, c.Title) {
		t.Errorf("the public case page does not show the case:\n%s", a.body)
	}
	for _, email := range []string{"editor@example.org", "researcher@example.org"} {
		b := h.browser()
		b.login(email)
		for _, path := range []string{"/admin/cases/" + itoa(c.ID), "/admin/cases/" + itoa(c.ID) + "/preview"} {
			a := b.get(path)
			if a.status != http.StatusOK || strings.Contains(a.body, "Yusuf") || strings.Contains(a.body, "Izalco") {
				t.Errorf("%s as %s: %d, or it shows a record", path, email, a.status)
			}
		}
	}
}

func TestRecordsStaleEdit(t *testing.T) {
	h := newHarness(t)
	c := h.demoCase()
	r := h.addRecord(c.ID, "Ana Pérez")
	page := "/admin/cases/" + itoa(c.ID) + "/records"
	h.addUser("first@example.org", model.RoleResearcher)
	h.addUser("second@example.org", model.RoleAdmin)
	first, second := h.browser(), h.browser()
	first.login("first@example.org")
	second.login("second@example.org")
	// Both open the record at version 1.
	for _, b := range []*browser{first, second} {
		if a := b.get(page + "?edit=" + itoa(r.ID)); !strings.Contains(a.body, `name="version" value="1"`) {
			t.Fatalf("edit form:\n%s", a.body)
		}
	}
	mine := recordValues("Ana Pérez Gómez")
	mine.Set("id", itoa(r.ID))
	mine.Set("version", "1")
	if a := first.post("/admin/account", page, mine); a.status != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", a.status, a.body)
	}
	theirs := recordValues("Ana Perez")
	theirs.Set("id", itoa(r.ID))
	theirs.Set("version", "1")
	theirs.Set("status", "returned")
	a := second.post("/admin/account", page, theirs)
	if a.status != http.StatusConflict || !strings.Contains(a.body, "Someone else saved") ||
		!strings.Contains(a.body, "<pre>Ana Pérez Gómez</pre>") || !strings.Contains(a.body, "<pre>Ana Perez</pre>") ||
		!strings.Contains(a.body, "<pre>returned</pre>") {
		t.Fatalf("stale save: %d\n%s", a.status, a.body)
	}
	// The second researcher's input is kept, at the newer version.
	if !strings.Contains(a.body, `name="name" value="Ana Perez"`) || !strings.Contains(a.body, `name="version" value="2"`) {
		t.Errorf("the conflict form:\n%s", a.body)
	}
	got, err := h.db.RecordByID(ctx, r.ID)
	if err != nil || got.Name != "Ana Pérez Gómez" || got.Status != model.RecordDetained || got.Version != 2 {
		t.Errorf("after the refused save: %+v, %v", got, err)
	}
	// A delete from the old page changes nothing either.
	a = second.post("/admin/account", page+"/"+itoa(r.ID)+"/delete", url.Values{"version": {"1"}})
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "edit="+itoa(r.ID)) ||
		!strings.Contains(second.get(a.location).body, "so it was not deleted") {
		t.Errorf("stale delete: %d → %q", a.status, a.location)
	}
	if got, err := h.db.RecordByID(ctx, r.ID); err != nil || got.Version != 2 {
		t.Errorf("after the refused delete: %+v, %v", got, err)
	}
	if log, _ := h.db.AuditLog(ctx, store.AuditFilter{ObjectType: "record", ObjectID: r.ID}); len(log) != 1 || log[0].Action != "record.save" {
		t.Errorf("audit after the refusals: %+v", log)
	}
}
