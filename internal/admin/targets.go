package admin

import (
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"

	"vigil/internal/model"
)

type targetsData struct {
	Targets   []model.Target
	Edit      model.Target
	F         *form
	Languages []string
	CanWrite  bool
	Conflict  []difference
}

func (s *Server) targetsPage(w http.ResponseWriter, r *http.Request) {
	var edit model.Target
	if id, err := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); err == nil {
		if edit, err = s.store.TargetByID(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.renderTargets(w, r, http.StatusOK, edit, targetForm(edit), nil)
}

func (s *Server) renderTargets(w http.ResponseWriter, r *http.Request, status int, edit model.Target, f *form, conflict []difference) {
	targets, err := s.store.Targets(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "targets", "title.targets", targetsData{Targets: targets, Edit: edit, F: f, Languages: s.languages(),
		CanWrite: allowed(sessionOf(r).User.Role, permContentWrite), Conflict: conflict})
}

func targetForm(t model.Target) *form {
	v := url.Values{}
	v.Set("id", strconv.FormatInt(t.ID, 10))
	v.Set("version", strconv.Itoa(t.Version))
	v.Set("name", t.Name)
	v.Set("title", t.Title)
	v.Set("organisation", t.Organisation)
	v.Set("address", t.Address)
	v.Set("email", t.Email)
	v.Set("salutation", t.Salutation)
	v.Set("lang", t.Lang)
	return newForm(v)
}

// saveTarget creates or saves an official appeals go to.
func (s *Server) saveTarget(w http.ResponseWriter, r *http.Request) {
	f := newForm(r.PostForm)
	t := model.Target{ID: f.id("id"), Version: f.number("version", 0, 1<<30),
		Name: f.line("name", 200, true), Title: f.line("title", 200, false), Organisation: f.line("organisation", 200, false),
		Address: f.text("address", 1000, false), Email: f.line("email", 254, false), Salutation: f.line("salutation", 200, false),
		Lang: f.lang("lang", s.languages())}
	if t.Email != "" {
		if _, err := mail.ParseAddress(t.Email); err != nil {
			f.fail("email", "form.target.email")
		}
	}
	var stored model.Target
	if t.ID != 0 {
		var err error
		if stored, err = s.store.TargetByID(r.Context(), t.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if !f.OK() {
		s.renderTargets(w, r, http.StatusBadRequest, stored, f, nil)
		return
	}
	err := s.store.SaveTarget(r.Context(), &t)
	if errors.Is(err, model.ErrStale) {
		theirs, err := s.store.TargetByID(r.Context(), t.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.values.Set("version", strconv.Itoa(theirs.Version))
		diffs := []difference{{Field: "label.field.target", Theirs: theirs.Name + ", " + theirs.Title + " <" + theirs.Email + ">",
			Yours: t.Name + ", " + t.Title + " <" + t.Email + ">"}}
		s.renderTargets(w, r, http.StatusConflict, theirs, f, diffs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	s.redirectDone(w, r, "/admin/targets", say("flash.target-saved", "Name", t.Name))
}
