package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigil/internal/model"
)

// What is known of a case's individuals, in figures, on its public page:
// an editor chooses which figures appear and publishes them. Only figures
// of corroborated or confirmed events, of at least model.MinFigureGroup
// people, are offered (model.PublicFigures); the snapshot published is
// stored with the case, so that its page reads no record.

type figuresData struct {
	Case     model.Case
	Offered  []model.Figure // what may be published today
	Total    int
	Min      int
	Today    time.Time
	F        *form
	Statuses []model.RecordStatus // every status, for the checkboxes
	CanWrite bool
}

func figuresPath(caseID int64) string { return fmt.Sprintf("/admin/cases/%d/figures", caseID) }

// figuresPage shows the figures that may be published and those that are.
func (s *Server) figuresPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	v := url.Values{"version": {strconv.Itoa(c.Version)}, "intro": {c.FiguresIntro}}
	for _, f := range c.Figures.Figures {
		v.Add("status", string(f.Status))
	}
	s.renderFigures(w, r, http.StatusOK, c, newForm(v))
}

func (s *Server) renderFigures(w http.ResponseWriter, r *http.Request, status int, c model.Case, f *form) {
	counts, err := s.store.CaseFigures(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "figures", say("title.figures", "Title", c.Title), figuresData{Case: c,
		Offered: model.PublicFigures(counts, model.RecordStatuses, model.MinFigureGroup), Total: counts.Total,
		Min: model.MinFigureGroup, Today: s.now(), F: f, Statuses: model.RecordStatuses,
		CanWrite: allowed(sessionOf(r).User.Role, permContentWrite)})
}

// publishFigures publishes the figures chosen, as counted now; none
// chosen withdraws them.
func (s *Server) publishFigures(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	version := f.number("version", 0, 1<<30)
	intro := f.line("intro", 300, false)
	var chosen []model.RecordStatus
	for _, v := range f.Values("status") {
		if st := model.RecordStatus(v); st.Valid() {
			chosen = append(chosen, st)
		} else {
			f.fail("status", "form.figures.status")
		}
	}
	if !f.OK() {
		s.renderFigures(w, r, http.StatusBadRequest, c, f)
		return
	}
	counts, err := s.store.CaseFigures(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var snapshot model.CaseFigures
	if shown := model.PublicFigures(counts, chosen, model.MinFigureGroup); len(shown) > 0 {
		snapshot = model.CaseFigures{AsOf: s.now(), Total: counts.Total, Figures: shown}
	}
	err = s.store.PublishFigures(r.Context(), c.ID, version, intro, snapshot)
	if errors.Is(err, model.ErrStale) {
		s.redirectDone(w, r, figuresPath(c.ID), say("flash.publish-stale"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	if !snapshot.Shown() {
		s.redirectDone(w, r, figuresPath(c.ID), say("flash.figures-withdrawn"))
		return
	}
	s.redirectDone(w, r, figuresPath(c.ID), say("flash.figures-published"))
}

// figuresToTimeline adds the published figures to the case's timeline as
// an entry dated the day they were counted, written in the case's
// language from the public catalogues; translators translate it as any
// other entry.
func (s *Server) figuresToTimeline(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	if !c.Figures.Shown() {
		s.redirectDone(w, r, figuresPath(c.ID), say("flash.figures-none"))
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	c.Version = version
	l := s.composer.Cat.Localizer(c.Lang)
	var parts []string
	for _, f := range c.Figures.Figures {
		parts = append(parts, l.N("case.figures.status."+string(f.Status), f.Count, "People", l.Number(f.Count)))
	}
	intro := c.FiguresIntro
	if intro == "" {
		intro = l.N("case.figures.of", c.Figures.Total, "People", l.Number(c.Figures.Total))
	}
	entry := model.TimelineEvent{CaseID: c.ID, Date: c.Figures.AsOf, Title: intro + l.T("case.figures.asof", "Date",
		l.Date(c.Figures.AsOf)) + " " + strings.Join(parts, l.T("list.separator")), PeopleCount: c.Figures.Total}
	if slices.ContainsFunc(c.Timeline, func(e model.TimelineEvent) bool { return e.Date.Equal(entry.Date) && e.Title == entry.Title }) {
		s.redirectDone(w, r, figuresPath(c.ID), say("flash.figures-in-timeline"))
		return
	}
	c.Timeline = append(c.Timeline, entry)
	c.Updated = s.now()
	err := s.store.SaveCase(r.Context(), &c)
	if errors.Is(err, model.ErrStale) {
		s.redirectDone(w, r, figuresPath(c.ID), say("flash.publish-stale"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	s.redirectDone(w, r, figuresPath(c.ID), say("flash.figures-in-timeline"))
}
