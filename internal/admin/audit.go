package admin

import (
	"html/template"
	"net/http"
	"strconv"

	"vigil/internal/model"
	"vigil/internal/store"
)

type auditData struct {
	Filter  store.AuditFilter
	Entries []model.AuditEntry
	Older   template.URL // link to the next page; "" on the last
}

// auditPage lists the audit log, filtered by who, what and which object,
// newest first, a page at a time. There is nothing here to change or
// delete an entry.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AuditFilter{UserEmail: q.Get("user"), Action: q.Get("action"), ObjectType: q.Get("type"), Limit: 50}
	f.ObjectID, _ = strconv.ParseInt(q.Get("id"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := s.store.AuditLog(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := auditData{Filter: f, Entries: entries}
	if len(entries) == f.Limit {
		q.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		d.Older = template.URL("/admin/audit?" + q.Encode())
	}
	s.render(w, r, http.StatusOK, "audit", "title.audit", d)
}
