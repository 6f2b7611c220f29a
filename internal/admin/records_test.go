package admin

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// recordsCase is a case of its own for records in these tests (the demo
// case holds the demo's individuals).
func (h *harness) recordsCase() model.Case {
	h.t.Helper()
	c := model.Case{Slug: "records-case", Lang: "en", Title: "Records case", Reference: "UA 99/26", Status: model.CaseActive,
		Updated: h.clock}
	if err := h.db.SaveCase(ctx, &c); err != nil {
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
	return url.Values{"id": {"0"}, "version": {"0"}, "name": {name}, "label": {""}}
}

// eventValues is a filled-in event form.
func eventValues(kind, date, verification string) url.Values {
	return url.Values{"kind": {kind}, "date": {date}, "place": {"Caracas"}, "source": {"His sister"},
		"source_how": {"by phone"}, "source_date": {"2026-11-20"}, "verification": {verification}, "note": {"Seen at home"}}
}

// addRecord stores a record as a researcher would, without the pages,
// with one event: detained at Izalco, from a lawyer, on day.
func (h *harness) addRecord(caseID int64, name string) model.Record {
	h.t.Helper()
	r := model.Record{CaseID: caseID, Name: name, Updated: h.clock}
	if err := h.db.SaveRecord(ctx, &r); err != nil {
		h.t.Fatal(err)
	}
	e := model.RecordEvent{RecordID: r.ID, Kind: model.EventDetained, Date: time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC),
		Precision: model.PrecisionDay, Place: "Izalco", Source: "A lawyer", Verification: model.VerifiedSingle, Created: h.clock}
	if err := h.db.AddRecordEvent(ctx, &e, nil); err != nil {
		h.t.Fatal(err)
	}
	r.Events = []model.RecordEvent{e}
	return r
}

func TestRecordsResearcherAddsEditsDeletes(t *testing.T) {
	h := newHarness(t)
	h.addUser("researcher@example.org", model.RoleResearcher)
	b := h.browser()
	b.login("researcher@example.org")
	c := h.recordsCase()
	page := "/admin/cases/" + itoa(c.ID) + "/records"

	// The case page leads to the records.
	if a := b.get("/admin/cases/" + itoa(c.ID)); a.status != http.StatusOK || !strings.Contains(a.body, `href="`+page+`"`) {
		t.Fatalf("case page as a researcher: %d, no link to %s", a.status, page)
	}
	if a := b.get(page); a.status != http.StatusOK || !strings.Contains(a.body, "No records yet.") {
		t.Fatalf("records page: %d\n%s", a.status, a.body)
	}

	// Neither a name nor a label; a label too long.
	a := b.post("/admin/account", page, url.Values{"id": {"0"}, "version": {"0"}, "name": {"  "}, "label": {strings.Repeat("l", 61)}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `id="label-error">At most 60 characters`) ||
		!strings.Contains(a.body, `value="`+strings.Repeat("l", 61)+`"`) {
		t.Fatalf("invalid record: %d\n%s", a.status, a.body)
	}
	a = b.post("/admin/account", page, url.Values{"id": {"0"}, "version": {"0"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `id="name-error">Give a label`) {
		t.Fatalf("a record of no one: %d\n%s", a.status, a.body)
	}
	if list, _ := h.db.RecordsOfCase(ctx, c.ID); len(list) != 0 {
		t.Fatalf("invalid forms stored %+v", list)
	}

	// Add: the new record's history opens.
	a = b.post("/admin/account", page, recordValues("José Núñez"))
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, page+"/") || strings.Contains(a.location, "Jos") {
		t.Fatalf("add: %d → %q\n%s", a.status, a.location, a.body)
	}
	a = b.get(a.location)
	if !strings.Contains(a.body, "José Núñez") || !strings.Contains(a.body, "Record added.") || !strings.Contains(a.body, "Nothing recorded yet.") {
		t.Fatalf("the history after adding:\n%s", a.body)
	}
	list, err := h.db.RecordsOfCase(ctx, c.ID)
	if err != nil || len(list) != 1 || list[0].Name != "José Núñez" || list[0].Version != 1 {
		t.Fatalf("stored %+v, %v", list, err)
	}
	id := itoa(list[0].ID)

	// Edit: the form comes filled in.
	a = b.get(page + "?edit=" + id)
	if a.status != http.StatusOK || !strings.Contains(a.body, `name="name" value="José Núñez"`) || !strings.Contains(a.body, `name="version" value="1"`) {
		t.Fatalf("edit form: %d\n%s", a.status, a.body)
	}
	edit := recordValues("José Núñez Ruiz")
	edit.Set("id", id)
	edit.Set("version", "1")
	edit.Set("label", "Individual 017")
	if a = b.post("/admin/account", page, edit); a.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	got, err := h.db.RecordByID(ctx, list[0].ID)
	if err != nil || got.Name != "José Núñez Ruiz" || got.Label != "Individual 017" || got.Version != 2 {
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
	if strings.Join(actions, " ") != "record.delete record.save record.read record.create" {
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
	for _, a := range []answer{
		b.get("/admin/cases/" + itoa(second.ID) + "/records?edit=" + itoa(other.ID)),
		b.get("/admin/cases/" + itoa(second.ID) + "/records/" + itoa(other.ID)),
		b.post("/admin/account", "/admin/cases/"+itoa(second.ID)+"/records/"+itoa(other.ID)+"/delete", url.Values{"version": {"1"}}),
		b.post("/admin/account", "/admin/cases/"+itoa(second.ID)+"/records/"+itoa(other.ID)+"/events",
			eventValues("released", "2026-11-01", "single")),
		b.post("/admin/account", "/admin/cases/"+itoa(second.ID)+"/records/"+itoa(other.ID)+"/events/"+itoa(other.Events[0].ID)+"/delete", nil),
	} {
		if a.status != http.StatusNotFound {
			t.Errorf("a record through another case: %d", a.status)
		}
	}
	if got, err := h.db.RecordByID(ctx, other.ID); err != nil || len(got.Events) != 1 {
		t.Errorf("the record after writes through another case: %+v, %v", got, err)
	}
}

// TestRecordsTimeline adds events through the form: messages beside the
// fields with the values kept, approximate dates, the status derived.
func TestRecordsTimeline(t *testing.T) {
	h := newHarness(t)
	h.addUser("researcher@example.org", model.RoleResearcher)
	b := h.browser()
	b.login("researcher@example.org")
	c := h.recordsCase()
	r := h.addRecord(c.ID, "Ana Pérez")
	page := "/admin/cases/" + itoa(c.ID) + "/records/" + itoa(r.ID)
	a := b.get(page)
	if a.status != http.StatusOK || !strings.Contains(a.body, "Ana Pérez") || !strings.Contains(a.body, "2025-03-16 — detained") ||
		!strings.Contains(a.body, "Izalco") || !strings.Contains(a.body, "(single source)") {
		t.Fatalf("history: %d\n%s", a.status, a.body)
	}

	// Every rule at once.
	bad := url.Values{"kind": {"arrested"}, "date": {"18 July"}, "place": {strings.Repeat("p", 201)}, "source": {""},
		"source_date": {"2026-12-01"}, "verification": {"rumour"}, "note": {"kept <b>note</b>"}}
	a = b.post("/admin/account", page+"/events", bad)
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "6 fields need attention") {
		t.Fatalf("invalid event: %d\n%s", a.status, a.body)
	}
	for field, msg := range map[string]string{"kind": "Choose what happened", "date": "Write the date as 2025-07-18",
		"place": "At most 200 characters", "source": "This is required.", "source_date": "This date has not come yet",
		"verification": "Choose how far"} {
		if !strings.Contains(a.body, `id="`+field+`-error">`+msg) {
			t.Errorf("no message %q beside %s", msg, field)
		}
	}
	if !strings.Contains(a.body, `value="18 July"`) || !strings.Contains(a.body, "kept &lt;b&gt;note&lt;/b&gt;</textarea>") {
		t.Error("what was typed is not kept")
	}
	if got, _ := h.db.RecordByID(ctx, r.ID); len(got.Events) != 1 {
		t.Fatalf("an invalid event was stored: %+v", got.Events)
	}

	// Released in November 2026, a month only; then a note.
	a = b.post("/admin/account", page+"/events", eventValues("released", "2026-11", "corroborated"))
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "flash.event-added") {
		t.Fatalf("add: %d → %q\n%s", a.status, a.location, a.body)
	}
	b.post("/admin/account", page+"/events", eventValues("note", "2026", "single"))
	got, err := h.db.RecordByID(ctx, r.ID)
	if err != nil || len(got.Events) != 3 || got.Status() != model.RecordReleased || got.Events[2].Precision != model.PrecisionMonth ||
		got.Events[1].Precision != model.PrecisionYear || got.Events[2].Source != "His sister" {
		t.Fatalf("stored: %+v, %v", got.Events, err)
	}
	a = b.get(page)
	if !strings.Contains(a.body, "2026-11 — released") || !strings.Contains(a.body, "<dd>released</dd>") ||
		strings.Index(a.body, "2026-11 — released") > strings.Index(a.body, "2025-03-16 — detained") {
		t.Errorf("the history, newest first, status released:\n%s", a.body)
	}
	// An event recorded by mistake is deleted.
	a = b.post("/admin/account", page+"/events/"+itoa(got.Events[2].ID)+"/delete", nil)
	if a.status != http.StatusSeeOther {
		t.Fatalf("delete event: %d", a.status)
	}
	if got, _ := h.db.RecordByID(ctx, r.ID); len(got.Events) != 2 || got.Status() != model.RecordDetained {
		t.Errorf("after deleting the release: %+v", got)
	}
	log, _ := h.db.AuditLog(ctx, store.AuditFilter{ObjectType: "record", ObjectID: r.ID})
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "record.event.delete record.read record.event.add record.event.add record.read record.read" {
		t.Errorf("audit of the history: %v", actions)
	}
}

// TestRecordsListStaleFilterCSV: the list shows each status, the date
// last confirmed and its age, stale in words; filters by plain links; the
// CSV export is audited and safe from formulas.
func TestRecordsListStaleFilterCSV(t *testing.T) {
	h := newHarness(t)
	h.addUser("researcher@example.org", model.RoleResearcher)
	b := h.browser()
	b.login("researcher@example.org")
	c := h.recordsCase()
	old := h.addRecord(c.ID, "=HYPERLINK(\"x\")") // detained on 2025-03-16: stale
	fresh := model.Record{CaseID: c.ID, Label: "Individual 002", Updated: h.clock}
	if err := h.db.SaveRecord(ctx, &fresh); err != nil {
		t.Fatal(err)
	}
	e := model.RecordEvent{RecordID: fresh.ID, Kind: model.EventReturned, Date: h.clock.AddDate(0, 0, -3), Precision: model.PrecisionDay,
		Source: "Campaign page", Verification: model.VerifiedCorroborated, Created: h.clock}
	if err := h.db.AddRecordEvent(ctx, &e, nil); err != nil {
		t.Fatal(err)
	}
	page := "/admin/cases/" + itoa(c.ID) + "/records"
	a := b.get(page)
	if !strings.Contains(a.body, "3 days old") || strings.Count(a.body, `class="stale-mark">stale`) != 1 ||
		!strings.Contains(a.body, "more than 30 days") {
		t.Errorf("ages and stale marks:\n%s", a.body)
	}
	if !strings.Contains(a.body, `href="`+page+`?status=returned">returned (1)`) || !strings.Contains(a.body, `href="`+page+`?status=detained">detained (1)`) {
		t.Errorf("no filter links:\n%s", a.body)
	}
	a = b.get(page + "?status=returned")
	if !strings.Contains(a.body, "Individual 002") || strings.Contains(a.body, "HYPERLINK") || !strings.Contains(a.body, `aria-current="page">returned`) {
		t.Errorf("filtered by returned:\n%s", a.body)
	}
	if a := b.get(page + "?status=nonsense"); a.status != http.StatusNotFound {
		t.Errorf("an unknown status: %d", a.status)
	}

	a = b.get(page + ".csv")
	if a.status != http.StatusOK || !strings.Contains(a.header.Get("Content-Disposition"), "records-case-individuals-") {
		t.Fatalf("CSV: %d %v", a.status, a.header)
	}
	rows, err := csv.NewReader(strings.NewReader(a.body)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("CSV rows: %v, %v", rows, err)
	}
	byLabel := map[string][]string{}
	for _, row := range rows[1:] {
		byLabel[row[0]+row[1]] = row
	}
	if row := byLabel["Individual 002"]; row == nil || row[2] != "returned" || row[4] != "3" || row[5] != "no" || row[10] != "Campaign page" {
		t.Errorf("the returned individual's row: %v", row)
	}
	if row := byLabel["'"+old.Name]; row == nil || row[2] != "detained" || row[5] != "yes" {
		t.Errorf("a name like a formula is not defused: %v", rows)
	}
	if a := b.get(page + ".csv?status=returned"); strings.Count(a.body, "\n") != 2 {
		t.Errorf("filtered CSV:\n%s", a.body)
	}
	if log, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "records.export"}); len(log) != 2 || log[1].ObjectID != c.ID ||
		!strings.Contains(log[1].After, `"rows":2`) {
		t.Errorf("exports in the audit log: %+v", log)
	}
}

// TestRecordsFollowUp: a verified re-detention drafts the case's follow-up
// action, unpublished, with the original's targets, and emails the
// editors and admins; a single-source one does not.
func TestRecordsFollowUp(t *testing.T) {
	h := newHarness(t)
	h.addUser("researcher@example.org", model.RoleResearcher)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("researcher@example.org")
	c := h.recordsCase()
	orig := model.Action{Slug: "records-appeal", CaseID: c.ID, Lang: "en", Kind: model.ActionAppeal, Title: "Appeal",
		Subject: "Free them", Letter: "Dear official", Published: h.clock.AddDate(0, -1, 0),
		Targets: []model.Target{{Name: "Minister", Email: "minister@example.org", Lang: "en"}}}
	if err := h.db.CreateAction(ctx, &orig); err != nil {
		t.Fatal(err)
	}
	r := h.addRecord(c.ID, "Ana Pérez")
	page := "/admin/cases/" + itoa(c.ID) + "/records/" + itoa(r.ID)
	before, _ := h.db.OutboxCounts(ctx)
	outbox := func() int {
		n, _ := h.db.OutboxCounts(ctx)
		sum := 0
		for st, k := range n {
			sum += k - before[st]
		}
		return sum
	}
	a := b.post("/admin/account", page+"/events", eventValues("re-detained", "2026-11-20", "single"))
	if a.status != http.StatusSeeOther || strings.Contains(a.location, "drafted") || outbox() != 0 {
		t.Fatalf("a single-source re-detention: %d → %q, %d emails", a.status, a.location, outbox())
	}
	a = b.post("/admin/account", page+"/events", eventValues("re-detained", "2026-11-21", "confirmed"))
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "flash.event-drafted") {
		t.Fatalf("a confirmed re-detention: %d → %q", a.status, a.location)
	}
	got, _ := h.db.RecordByID(ctx, r.ID)
	last := got.Events[len(got.Events)-1]
	if last.ActionID == 0 {
		t.Fatalf("no draft: %+v", last)
	}
	draft, err := h.db.ActionByID(ctx, last.ActionID)
	if err != nil || draft.Title != "UA 99/26 — further information" || !draft.Published.IsZero() || draft.CaseID != c.ID ||
		len(draft.Targets) != 1 || draft.Targets[0].ID != orig.Targets[0].ID || draft.Letter != "Dear official" {
		t.Fatalf("the draft: %+v, %v", draft, err)
	}
	// The editor and the harness's admin are emailed; the researcher not.
	if n := outbox(); n < 1 {
		t.Errorf("%d emails queued, want the editors'", n)
	}
	if a := b.get(page); !strings.Contains(a.body, `href="/admin/actions/`+itoa(draft.ID)+`"`) {
		t.Errorf("the history does not lead to the draft:\n%s", a.body)
	}
	// The editor's dashboard shows it.
	editor := h.browser()
	editor.login("editor@example.org")
	if a := editor.get("/admin/"); !strings.Contains(a.body, "Follow-up actions to review") ||
		!strings.Contains(a.body, `href="/admin/actions/`+itoa(draft.ID)+`">UA 99/26 — further information</a>`) {
		t.Errorf("the dashboard does not show the draft:\n%s", a.body)
	}
	// The public site does not show the draft.
	if a := h.browser().get("/actions/" + draft.Slug); a.status != http.StatusNotFound {
		t.Errorf("the draft in public: %d", a.status)
	}
	// The single-source one, corroborated later, drafts its own then;
	// confirming it afterwards drafts nothing more.
	single := got.Events[len(got.Events)-2]
	verify := page + "/events/" + itoa(single.ID) + "/verify"
	if a := b.post("/admin/account", verify, url.Values{"verification": {"corroborated"}}); a.status != http.StatusSeeOther ||
		!strings.Contains(a.location, "flash.event-drafted") {
		t.Fatalf("corroborated later: %d → %q\n%s", a.status, a.location, a.body)
	}
	if a := b.post("/admin/account", verify, url.Values{"verification": {"confirmed"}}); !strings.Contains(a.location, "flash.event-verified") {
		t.Errorf("confirmed afterwards: %q", a.location)
	}
	if a := b.post("/admin/account", verify, url.Values{"verification": {"rumour"}}); a.status != http.StatusNotFound {
		t.Errorf("an unknown level: %d", a.status)
	}
	got, _ = h.db.RecordByID(ctx, r.ID)
	if later := got.Events[len(got.Events)-2]; later.ActionID == 0 || later.ActionID == draft.ID || later.Verification != model.VerifiedConfirmed {
		t.Errorf("the event corroborated later: %+v", later)
	}
	// A second verified event drafts a further, numbered follow-up.
	b.post("/admin/account", page+"/events", eventValues("disappeared", "2026-11-22", "corroborated"))
	got, _ = h.db.RecordByID(ctx, r.ID)
	second, err := h.db.ActionByID(ctx, got.Events[len(got.Events)-1].ActionID)
	if err != nil || second.Title != "UA 99/26 — further information 3" || second.ID == draft.ID {
		t.Errorf("the second draft: %+v, %v", second, err)
	}
}

func TestRecordsForbiddenToEditorsAndViewers(t *testing.T) {
	h := newHarness(t)
	c := h.recordsCase()
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
			b.get(page + ".csv"),
			b.get(page + "/" + itoa(r.ID)),
			b.post("/admin/account", page, recordValues("Added by "+string(role))),
			b.post("/admin/account", page, url.Values{"id": {itoa(r.ID)}, "version": {"1"}, "name": {"Renamed"}}),
			b.post("/admin/account", page+"/"+itoa(r.ID)+"/delete", url.Values{"version": {"1"}}),
			b.post("/admin/account", page+"/"+itoa(r.ID)+"/events", eventValues("died", "2026-11-01", "confirmed")),
			b.post("/admin/account", page+"/"+itoa(r.ID)+"/events/"+itoa(r.Events[0].ID)+"/delete", nil),
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
	if list, _ := h.db.RecordsOfCase(ctx, c.ID); len(list) != 1 || list[0].Name != "Yusuf Kiprotich" || list[0].Version != 1 ||
		len(list[0].Events) != 1 {
		t.Errorf("records after the refusals: %+v", list)
	}
	if reads := h.readsOf(c.ID); len(reads) != 0 {
		t.Errorf("refused reads were logged as reads: %+v", reads)
	}
}

func TestRecordsEveryReadAudited(t *testing.T) {
	h := newHarness(t)
	c := h.recordsCase()
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
		for _, path := range []string{page, page + "?edit=" + itoa(r.ID), page + "?status=detained"} {
			if a := b.get(path); a.status != http.StatusOK || !strings.Contains(a.body, "Yusuf Kiprotich") {
				t.Fatalf("%s as %s: %d", path, email, a.status)
			}
			order = append(order, email)
		}
		// A form sent back with a mistake shows the records again: a read.
		if a := b.post("/admin/account", page, url.Values{"name": {""}}); a.status != http.StatusBadRequest {
			t.Fatalf("invalid form: %d", a.status)
		}
		order = append(order, email)
		// One individual's history is a read of that record.
		if a := b.get(page + "/" + itoa(r.ID)); a.status != http.StatusOK {
			t.Fatalf("history: %d", a.status)
		}
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
	if log, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "record.read", ObjectType: "record", ObjectID: r.ID}); len(log) != 2 {
		t.Errorf("%d record.read entries, want 2", len(log))
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
	c := h.recordsCase()
	h.addRecord(c.ID, "Yusuf Kiprotich")
	h.addUser("editor@example.org", model.RoleEditor)
	h.addUser("researcher@example.org", model.RoleResearcher)

	visitor := h.browser()
	for _, path := range []string{"/", "/news", "/sitemap.xml"} {
		a := visitor.get(path)
		if a.status != http.StatusOK {
			t.Errorf("public %s: %d", path, a.status)
		}
		if strings.Contains(a.body, "Yusuf") || strings.Contains(a.body, "Izalco") || strings.Contains(a.body, "A lawyer") {
			t.Errorf("public %s shows a record", path)
		}
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
	c := h.recordsCase()
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
	theirs.Set("label", "Individual 003")
	a := second.post("/admin/account", page, theirs)
	if a.status != http.StatusConflict || !strings.Contains(a.body, "Someone else saved") ||
		!strings.Contains(a.body, "<pre>Ana Pérez Gómez</pre>") || !strings.Contains(a.body, "<pre>Ana Perez</pre>") ||
		!strings.Contains(a.body, "<pre>Individual 003</pre>") {
		t.Fatalf("stale save: %d\n%s", a.status, a.body)
	}
	// The second researcher's input is kept, at the newer version.
	if !strings.Contains(a.body, `name="name" value="Ana Perez"`) || !strings.Contains(a.body, `name="version" value="2"`) {
		t.Errorf("the conflict form:\n%s", a.body)
	}
	got, err := h.db.RecordByID(ctx, r.ID)
	if err != nil || got.Name != "Ana Pérez Gómez" || got.Label != "" || got.Version != 2 {
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
