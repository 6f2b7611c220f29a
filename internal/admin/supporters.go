package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"vigil/internal/model"
	"vigil/internal/secret"
)

type supportersData struct {
	Query   string
	Problem any // a msg; nil: none
	Actions []model.Action
	CanEdit bool
}

// supportersPage finds a supporter by email, through the blind index:
// there is no list of everyone to browse. Every search is in the audit
// log, found or not (whether someone is a supporter is itself personal
// data); the address searched is not, only whom it found.
func (s *Server) supportersPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The address comes by POST, so it stays out of proxy logs and
	// browser history.
	d := supportersData{Query: strings.TrimSpace(r.PostFormValue("email")), CanEdit: allowed(sessionOf(r).User.Role, permSupportersEdit)}
	status := http.StatusOK
	if d.Query != "" {
		var found int64
		email, err := secret.NormaliseEmail(d.Query)
		if err != nil {
			d.Problem, status = say("form.supporter.email"), http.StatusBadRequest
		} else if sup, err := s.store.SupporterByEmail(ctx, email); err == nil {
			found = sup.ID
		} else if errors.Is(err, model.ErrNotFound) {
			d.Problem, status = say("form.supporter.unknown"), http.StatusNotFound
		} else {
			s.serverError(w, r, err)
			return
		}
		if err := s.auditRead(r, "supporter.search", found, fmt.Sprintf(`{"found":%t}`, found != 0)); err != nil {
			s.serverError(w, r, err)
			return
		}
		if found != 0 {
			http.Redirect(w, r, fmt.Sprintf("/admin/supporters/%d", found), http.StatusSeeOther)
			return
		}
	}
	var err error
	if d.Actions, err = s.store.AllActions(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "supporters", "title.supporters", d)
}

type supporterData struct {
	Supporter      model.Supporter
	Consents       []model.Consent
	Participations []participationLine
	Messages       []model.OutboxMessage
	Donations      []donationLine
	CanErase       bool
}

type participationLine struct {
	Participation model.Participation
	Action        model.Action
}

func (s *Server) supporterPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	d := supporterData{CanErase: allowed(sessionOf(r).User.Role, permSupportersEdit)}
	if d.Supporter, err = s.store.SupporterForStaff(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Consents, err = s.store.Consents(ctx, id); err != nil {
		s.serverError(w, r, err)
		return
	}
	participations, err := s.store.ParticipationsOf(ctx, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, p := range participations {
		a, err := s.store.ActionByID(ctx, p.ActionID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Participations = append(d.Participations, participationLine{Participation: p, Action: a})
	}
	if d.Messages, err = s.store.SupporterMessages(ctx, id, 100); err != nil {
		s.serverError(w, r, err)
		return
	}
	gifts, err := s.store.SupporterDonations(ctx, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Donations = donationLines(gifts)
	title := say("title.supporter", "Email", d.Supporter.Email)
	if !d.Supporter.Erased.IsZero() {
		title = say("title.supporter-erased", "ID", id)
	}
	if err := s.auditRead(r, "supporter.read", id, ""); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "supporter", title, d)
}

// auditRead records that the session's user read a supporter's data (a
// page, a search), as exports are recorded. It is written before the data
// is shown: when it cannot be, nothing is.
func (s *Server) auditRead(r *http.Request, action string, supporterID int64, after string) error {
	u := sessionOf(r).User
	return s.store.RecordAudit(r.Context(), model.AuditEntry{At: s.now(), UserID: u.ID, UserEmail: u.Email,
		IPHash: s.ipHash(r), Action: action, ObjectType: "supporter", ObjectID: supporterID, After: after})
}

// eraseSupporter removes a supporter's personal data at their request;
// the confirmation box guards against a slip.
func (s *Server) eraseSupporter(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	back := fmt.Sprintf("/admin/supporters/%d", id)
	if r.PostFormValue("confirm") != "yes" {
		s.redirectDone(w, r, back, say("flash.erase-unconfirmed"))
		return
	}
	if err := s.store.EraseSupporter(r.Context(), id, s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	s.redirectDone(w, r, back, say("flash.erased"))
}
