package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// Researchers' records of the individuals a case concerns, and each
// individual's history: restricted to the roles holding permRecords,
// never on the public site, and every view of them is in the audit log
// (writes by the store, reads here).

// recordRow is one individual as the case's list shows it.
type recordRow struct {
	model.Record
	Status        model.RecordStatus
	LastConfirmed time.Time
	Age           int // days since LastConfirmed
	Stale         bool
}

// statusLink is one choice of the status filter.
type statusLink struct {
	Status  model.RecordStatus
	Count   int
	Current bool
}

type recordsData struct {
	Case       model.Case
	Rows       []recordRow
	Total      int
	Filter     model.RecordStatus // "": every status
	Filters    []statusLink
	StaleAfter int
	Edit       model.Record // as stored; ID 0: a new record
	F          *form
	Conflict   []difference
}

func recordsPath(caseID int64) string { return fmt.Sprintf("/admin/cases/%d/records", caseID) }

func recordPath(caseID, recordID int64) string {
	return fmt.Sprintf("/admin/cases/%d/records/%d", caseID, recordID)
}

// recordsPage lists a case's individuals with their current status, the
// date last confirmed and its age, filtered by ?status=, with a form to
// add a record, or to edit the one named by ?edit=.
func (s *Server) recordsPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	var edit model.Record
	if v := r.URL.Query().Get("edit"); v != "" {
		if edit, ok = s.recordOfCase(w, r, c, v); !ok {
			return
		}
	}
	s.renderRecords(w, r, http.StatusOK, c, edit, recordForm(edit), nil)
}

// recordOfCase finds a record by the ID in a path or query, only among the
// case's own: another case's record is not found here.
func (s *Server) recordOfCase(w http.ResponseWriter, r *http.Request, c model.Case, id string) (model.Record, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		s.notFound(w, r)
		return model.Record{}, false
	}
	rec, err := s.store.RecordByID(r.Context(), n)
	if err == nil && rec.CaseID != c.ID {
		err = model.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return model.Record{}, false
	}
	return rec, true
}

// auditRecordRead records that the signed-in staff member is shown records:
// action names what ("records.read": a case's list, "record.read": one
// history). When it cannot be written nothing is shown.
func (s *Server) auditRecordRead(w http.ResponseWriter, r *http.Request, action, objectType string, id int64) bool {
	user := sessionOf(r).User
	if err := s.store.RecordAudit(r.Context(), model.AuditEntry{At: s.now(), UserID: user.ID, UserEmail: user.Email,
		Action: action, ObjectType: objectType, ObjectID: id, IPHash: s.ipHash(r)}); err != nil {
		s.serverError(w, r, err)
		return false
	}
	return true
}

// rowsOf derives each record's status and freshness on today.
func (s *Server) rowsOf(records []model.Record) []recordRow {
	today := s.now().UTC()
	rows := make([]recordRow, len(records))
	for i, rec := range records {
		last := rec.LastConfirmed()
		rows[i] = recordRow{Record: rec, Status: rec.Status(), LastConfirmed: last, Stale: model.Stale(last, today, s.stale)}
		if !last.IsZero() {
			rows[i].Age = model.AgeDays(last, today)
		}
	}
	return rows
}

// statusFilter reads ?status=: "" for every status, or one of them.
func statusFilter(r *http.Request) (model.RecordStatus, bool) {
	v := model.RecordStatus(r.URL.Query().Get("status"))
	return v, v == "" || v.Valid()
}

// renderRecords shows the records page. Showing the records is reading
// them: the read is written to the audit log first.
func (s *Server) renderRecords(w http.ResponseWriter, r *http.Request, status int, c model.Case, edit model.Record, f *form, conflict []difference) {
	filter, ok := statusFilter(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	records, err := s.store.RecordsOfCase(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !s.auditRecordRead(w, r, "records.read", "case", c.ID) {
		return
	}
	all := s.rowsOf(records)
	counts := map[model.RecordStatus]int{}
	var rows []recordRow
	for _, row := range all {
		counts[row.Status]++
		if filter == "" || row.Status == filter {
			rows = append(rows, row)
		}
	}
	var filters []statusLink
	for _, st := range model.RecordStatuses {
		if counts[st] > 0 || st == filter {
			filters = append(filters, statusLink{Status: st, Count: counts[st], Current: st == filter})
		}
	}
	s.render(w, r, status, "records", say("title.records", "Title", c.Title), recordsData{Case: c, Rows: rows, Total: len(all),
		Filter: filter, Filters: filters, StaleAfter: s.stale, Edit: edit, F: f, Conflict: conflict})
}

// latestDay is the latest calendar day that has begun somewhere on earth
// (UTC+14): a fact dated later is in the future wherever the researcher
// is.
func (s *Server) latestDay() time.Time {
	t := s.now().UTC().Add(14 * time.Hour)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func recordForm(rec model.Record) *form {
	v := url.Values{}
	v.Set("id", strconv.FormatInt(rec.ID, 10))
	v.Set("version", strconv.Itoa(rec.Version))
	v.Set("name", rec.Name)
	v.Set("label", rec.Label)
	return newForm(v)
}

// parseRecord reads the record form, recording a message per bad field.
func (s *Server) parseRecord(f *form, caseID int64) model.Record {
	rec := model.Record{ID: f.id("id"), CaseID: caseID, Version: f.number("version", 0, 1<<30),
		Name: f.line("name", 200, false), Label: f.line("label", 60, false)}
	if rec.Name == "" && rec.Label == "" && f.Problem("name") == nil && f.Problem("label") == nil {
		f.fail("name", "form.record.who")
	}
	return rec
}

// saveRecord adds a record to the case (no id) or saves one at the version
// the form was read at.
func (s *Server) saveRecord(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	rec := s.parseRecord(f, c.ID)
	var stored model.Record
	if rec.ID != 0 {
		if stored, ok = s.recordOfCase(w, r, c, strconv.FormatInt(rec.ID, 10)); !ok {
			return
		}
	}
	if !f.OK() {
		s.renderRecords(w, r, http.StatusBadRequest, c, stored, f, nil)
		return
	}
	created := rec.ID == 0
	rec.Updated = s.now()
	err := s.store.SaveRecord(r.Context(), &rec)
	if errors.Is(err, model.ErrStale) {
		s.recordConflict(w, r, c, rec, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The note names no one: it travels in the address.
	if created {
		s.redirectDone(w, r, recordPath(c.ID, rec.ID), say("flash.record-added"))
		return
	}
	s.redirectDone(w, r, recordsPath(c.ID), say("flash.record-saved"))
}

// recordConflict shows what another researcher saved beside what this one
// sent, keeping this one's input at the newer version: saving again
// replaces theirs knowingly.
func (s *Server) recordConflict(w http.ResponseWriter, r *http.Request, c model.Case, yours model.Record, f *form) {
	theirs, err := s.store.RecordByID(r.Context(), yours.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.values.Set("version", strconv.Itoa(theirs.Version))
	diffs := differences("label.saved-meanwhile.values",
		difference{"label.field.name", theirs.Name, yours.Name},
		difference{"label.field.label", theirs.Label, yours.Label})
	s.renderRecords(w, r, http.StatusConflict, c, theirs, f, diffs)
}

func dayText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// deleteRecord deletes a record at the version the page showed.
func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	rec, ok := s.recordOfCase(w, r, c, r.PathValue("record"))
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := s.store.DeleteRecord(r.Context(), rec.ID, version)
	if errors.Is(err, model.ErrStale) {
		s.redirectDone(w, r, fmt.Sprintf("%s?edit=%d", recordsPath(c.ID), rec.ID),
			say("flash.record-stale"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirectDone(w, r, recordsPath(c.ID), say("flash.record-deleted"))
}

// timelineData is one individual's history with the form to add an
// event.
type timelineData struct {
	Case          model.Case
	Record        model.Record
	Row           recordRow
	Events        []model.RecordEvent // newest first
	F             *form
	Kinds         []model.EventKind
	Verifications []model.Verification
	StaleAfter    int
}

// recordPage shows one individual's history, newest first, with a form to
// add an event.
func (s *Server) recordPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	rec, ok := s.recordOfCase(w, r, c, r.PathValue("record"))
	if !ok {
		return
	}
	f := newForm(url.Values{"verification": {string(model.VerifiedSingle)}})
	s.renderTimeline(w, r, http.StatusOK, c, rec, f)
}

func (s *Server) renderTimeline(w http.ResponseWriter, r *http.Request, status int, c model.Case, rec model.Record, f *form) {
	if !s.auditRecordRead(w, r, "record.read", "record", rec.ID) {
		return
	}
	events := make([]model.RecordEvent, len(rec.Events))
	for i, e := range rec.Events {
		events[len(events)-1-i] = e
	}
	s.render(w, r, status, "record", say("title.record", "Title", rec.Title()), timelineData{Case: c, Record: rec,
		Row: s.rowsOf([]model.Record{rec})[0], Events: events, F: f, Kinds: model.EventKinds,
		Verifications: model.Verifications, StaleAfter: s.stale})
}

var (
	yearPattern  = regexp.MustCompile(`^\d{4}$`)
	monthPattern = regexp.MustCompile(`^\d{4}-\d{2}$`)
)

// eventDate reads an event's date: 2025-07-18 exactly, 2025-07 for a
// month, 2025 for a year.
func eventDate(f *form, name string) (time.Time, model.DatePrecision) {
	v := strings.TrimSpace(f.Value(name))
	var layout string
	precision := model.PrecisionDay
	switch {
	case v == "":
		f.fail(name, "form.required")
		return time.Time{}, model.PrecisionNone
	case yearPattern.MatchString(v):
		layout, precision = "2006", model.PrecisionYear
	case monthPattern.MatchString(v):
		layout, precision = "2006-01", model.PrecisionMonth
	default:
		layout = "2006-01-02"
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		f.fail(name, "form.event.date")
		return time.Time{}, model.PrecisionNone
	}
	return t, precision
}

// parseEvent reads the event form, recording a message per bad field.
func (s *Server) parseEvent(f *form, recordID int64) model.RecordEvent {
	e := model.RecordEvent{RecordID: recordID, Kind: model.EventKind(f.Value("kind")),
		Place: f.line("place", 200, false), Source: f.line("source", 200, true),
		SourceHow: f.line("source_how", 200, false), Verification: model.Verification(f.Value("verification")),
		Note: f.text("note", 4000, false)}
	if !e.Kind.Valid() {
		f.fail("kind", "form.event.kind")
	}
	e.Date, e.Precision = eventDate(f, "date")
	if e.Date.After(s.latestDay()) {
		f.fail("date", "form.event.future")
	}
	e.SourceDate = f.date("source_date", f.Value("source_date"))
	if e.SourceDate.After(s.latestDay()) {
		f.fail("source_date", "form.event.future")
	}
	if !e.Verification.Valid() {
		f.fail("verification", "form.event.verification")
	}
	return e
}

// addEvent adds an event to an individual's history. A verified
// re-detention, disappearance or death drafts the case's follow-up action
// in the same transaction (see followUp).
func (s *Server) addEvent(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	rec, ok := s.recordOfCase(w, r, c, r.PathValue("record"))
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	e := s.parseEvent(f, rec.ID)
	if !f.OK() {
		s.renderTimeline(w, r, http.StatusBadRequest, c, rec, f)
		return
	}
	e.Created = s.now()
	var draft = s.followUp(r, c, rec, e)
	if err := s.store.AddRecordEvent(r.Context(), &e, draft); err != nil {
		s.fail(w, r, err)
		return
	}
	if e.ActionID != 0 {
		s.redirectDone(w, r, recordPath(c.ID, rec.ID), say("flash.event-drafted"))
		return
	}
	s.redirectDone(w, r, recordPath(c.ID, rec.ID), say("flash.event-added"))
}

// verifyEvent changes an event's verification level (a second source,
// the family's word); a re-detention, disappearance or death that becomes
// verified drafts its follow-up then, once.
func (s *Server) verifyEvent(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	rec, ok := s.recordOfCase(w, r, c, r.PathValue("record"))
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("event"), 10, 64)
	i := slices.IndexFunc(rec.Events, func(e model.RecordEvent) bool { return e.ID == id })
	level := model.Verification(r.PostFormValue("verification"))
	if i < 0 || !level.Valid() {
		s.notFound(w, r)
		return
	}
	e := rec.Events[i]
	e.Verification, e.Created = level, s.now()
	var draft *store.FollowUp
	if e.ActionID == 0 {
		draft = s.followUp(r, c, rec, e)
	}
	got, err := s.store.SetEventVerification(r.Context(), rec.ID, id, level, s.now(), draft)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if got.ActionID != 0 && rec.Events[i].ActionID == 0 {
		s.redirectDone(w, r, recordPath(c.ID, rec.ID), say("flash.event-drafted"))
		return
	}
	s.redirectDone(w, r, recordPath(c.ID, rec.ID), say("flash.event-verified"))
}

// deleteEvent deletes an event recorded by mistake.
func (s *Server) deleteEvent(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	rec, ok := s.recordOfCase(w, r, c, r.PathValue("record"))
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("event"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := s.store.DeleteRecordEvent(r.Context(), rec.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirectDone(w, r, recordPath(c.ID, rec.ID), say("flash.event-deleted"))
}

// recordColumns are the columns of a case's records as CSV.
var recordCSVColumns = []string{"label", "name", "status", "last_confirmed", "days_since", "stale", "events",
	"latest_kind", "latest_date", "latest_place", "latest_source", "latest_verification"}

// exportRecords sends a case's individuals, with the status filter of the
// page, as CSV for the researcher; the export is in the audit log.
func (s *Server) exportRecords(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	filter, ok := statusFilter(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	records, err := s.store.RecordsOfCase(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := s.startCSV(w, fmt.Sprintf("%s-individuals-%s.csv", c.Slug, s.now().UTC().Format("2006-01-02")), recordCSVColumns)
	rows := 0
	for _, row := range s.rowsOf(records) {
		if filter != "" && row.Status != filter {
			continue
		}
		fields := []string{cell(row.Label), cell(row.Name), string(row.Status), dayText(row.LastConfirmed), "",
			yesNo(row.Stale), strconv.Itoa(len(row.Events)), "", "", "", "", ""}
		if !row.LastConfirmed.IsZero() {
			fields[4] = strconv.Itoa(row.Age)
		}
		if n := len(row.Events); n > 0 {
			e := row.Events[n-1]
			fields[7], fields[8], fields[9], fields[10], fields[11] = string(e.Kind), dayText(e.Date), cell(e.Place),
				cell(e.Source), string(e.Verification)
		}
		if err = d.write(fields); err != nil {
			break
		}
		rows++
	}
	d.end()
	s.auditExport(r, "records.export", "case", c.ID, rows, err)
}
