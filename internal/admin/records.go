package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"vigil/internal/model"
)

// Researchers' records of the individuals a case concerns: restricted to
// the roles holding permRecords, never on the public site, and every view
// of them is in the audit log (writes by the store, reads here).

type recordsData struct {
	Case     model.Case
	Records  []model.Record
	Edit     model.Record // as stored; ID 0: a new record
	F        *form
	Statuses []model.RecordStatus
	Conflict []difference
}

func recordsPath(caseID int64) string { return fmt.Sprintf("/admin/cases/%d/records", caseID) }

// recordsPage lists a case's records with a form to add one, or to edit
// the one named by ?edit=.
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

// renderRecords shows the records page. Showing the records is reading
// them: the read is written to the audit log first, and when it cannot be,
// nothing is shown.
func (s *Server) renderRecords(w http.ResponseWriter, r *http.Request, status int, c model.Case, edit model.Record, f *form, conflict []difference) {
	records, err := s.store.RecordsOfCase(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	user := sessionOf(r).User
	if err := s.store.RecordAudit(r.Context(), model.AuditEntry{At: s.now(), UserID: user.ID, UserEmail: user.Email,
		Action: "records.read", ObjectType: "case", ObjectID: c.ID, IPHash: s.ipHash(r)}); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "records", say("title.records", "Title", c.Title), recordsData{Case: c, Records: records, Edit: edit, F: f,
		Statuses: model.RecordStatuses, Conflict: conflict})
}

// latestDay is the latest calendar day that has begun somewhere on earth
// (UTC+14): a confirmation dated later is in the future wherever the
// researcher is.
func (s *Server) latestDay() time.Time {
	t := s.now().UTC().Add(14 * time.Hour)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func recordForm(rec model.Record) *form {
	v := url.Values{}
	v.Set("id", strconv.FormatInt(rec.ID, 10))
	v.Set("version", strconv.Itoa(rec.Version))
	v.Set("name", rec.Name)
	v.Set("status", string(rec.Status))
	v.Set("place", rec.Place)
	if !rec.LastConfirmed.IsZero() {
		v.Set("last_confirmed", rec.LastConfirmed.Format("2006-01-02"))
	}
	v.Set("source_note", rec.SourceNote)
	return newForm(v)
}

// parseRecord reads the record form, recording a message per bad field.
func (s *Server) parseRecord(f *form, caseID int64) model.Record {
	rec := model.Record{ID: f.id("id"), CaseID: caseID, Version: f.number("version", 0, 1<<30),
		Name: f.line("name", 200, true), Status: model.RecordStatus(f.Value("status")),
		Place: f.line("place", 200, false), SourceNote: f.text("source_note", 2000, false)}
	if !rec.Status.Valid() {
		f.fail("status", "form.record.status")
	}
	rec.LastConfirmed = f.date("last_confirmed", f.Value("last_confirmed"))
	if rec.LastConfirmed.After(s.latestDay()) {
		f.fail("last_confirmed", "form.record.future")
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
	note := say("flash.record-saved")
	if created {
		note = say("flash.record-added")
	}
	s.redirectDone(w, r, recordsPath(c.ID), note)
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
		difference{"label.field.status", string(theirs.Status), string(yours.Status)},
		difference{"label.field.place", theirs.Place, yours.Place},
		difference{"label.field.last-confirmed", dayText(theirs.LastConfirmed), dayText(yours.LastConfirmed)},
		difference{"label.field.source", theirs.SourceNote, yours.SourceNote})
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
