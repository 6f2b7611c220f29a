package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vigil/internal/model"
)

// blankRows is how many empty timeline rows a case form offers, beyond the
// events it has; saving with all of them used offers more.
const blankRows = 3

type caseListData struct {
	Cases []model.Case
}

func (s *Server) casesPage(w http.ResponseWriter, r *http.Request) {
	cases, err := s.store.AllCases(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cases", "title.cases", caseListData{Cases: cases})
}

// caseEdit is what the case form shows.
type caseEdit struct {
	Case      model.Case // as stored (ID 0 for a new one)
	F         *form
	Rows      []int // indexes of the timeline rows
	Statuses  []model.CaseStatus
	Languages []string
	Preview   *model.Case // set when the editor asked for a preview
	Conflict  []difference
	CanWrite  bool
	// Translations shows the case's state in each language it can be
	// translated into; nil for a new case.
	Translations *translationGrid

	CanRecords bool // the role may open the case's records of individuals
}

// difference is one field two editors changed differently.
type difference struct {
	Field         any // a msg, or a key of the staff catalogues
	Theirs, Yours string
}

// differences keeps the fields whose two versions differ. When none does
// (the record changed in a way the form does not show), it says so with
// otherwise (a key of the staff catalogues), so a conflict never shows an
// empty comparison; "" adds nothing. Fields are named by their keys too.
func differences(otherwise string, pairs ...difference) []difference {
	var out []difference
	for _, d := range pairs {
		if d.Theirs != d.Yours {
			out = append(out, d)
		}
	}
	if len(out) == 0 && otherwise != "" {
		out = append(out, difference{Field: "label.field.other", Theirs: otherwise, Yours: "label.as-before"})
	}
	return out
}

func (s *Server) newCasePage(w http.ResponseWriter, r *http.Request) {
	c := model.Case{Lang: "en", Status: model.CaseActive}
	s.renderCase(w, r, http.StatusOK, c, caseForm(c), nil, nil)
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	s.renderCase(w, r, http.StatusOK, c, caseForm(c), nil, nil)
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, c model.Case, f *form, preview *model.Case, conflict []difference) {
	rows := len(f.Values("event_title"))
	if rows == 0 || f.Value("more") == "yes" || allFilled(f.Values("event_title")) {
		rows += blankRows
	}
	d := caseEdit{Case: c, F: f, Statuses: []model.CaseStatus{model.CaseActive, model.CaseMonitoring, model.CaseClosed},
		Languages: s.languages(), Preview: preview, Conflict: conflict,
		CanWrite: allowed(sessionOf(r).User.Role, permContentWrite)}
	d.CanRecords = allowed(sessionOf(r).User.Role, permRecords)
	d.Translations = s.caseGrid(r, c)
	for i := range rows {
		d.Rows = append(d.Rows, i)
	}
	title := say("title.new-case")
	if c.ID != 0 {
		title = say("title.named", "Title", c.Title)
	}
	s.render(w, r, status, "case", title, d)
}

func allFilled(vs []string) bool {
	for _, v := range vs {
		if strings.TrimSpace(v) == "" {
			return false
		}
	}
	return true
}

// caseForm fills a form from a stored case.
func caseForm(c model.Case) *form {
	v := url.Values{}
	v.Set("version", strconv.Itoa(c.Version))
	v.Set("slug", c.Slug)
	v.Set("lang", c.Lang)
	v.Set("title", c.Title)
	v.Set("summary", c.Summary)
	v.Set("body", c.Body)
	v.Set("status", string(c.Status))
	v.Set("reference", c.Reference)
	if c.PeopleCount > 0 {
		v.Set("people_count", strconv.Itoa(c.PeopleCount))
	}
	v.Set("countries", strings.Join(c.Countries, ", "))
	v.Set("tags", strings.Join(c.Tags, ", "))
	var demands []string
	for _, d := range c.Demands {
		demands = append(demands, d.Text)
	}
	v.Set("demands", strings.Join(demands, "\n"))
	for _, e := range c.Timeline {
		v.Add("event_date", e.Date.Format("2006-01-02"))
		v.Add("event_place", e.Place)
		v.Add("event_title", e.Title)
		people := ""
		if e.PeopleCount > 0 {
			people = strconv.Itoa(e.PeopleCount)
		}
		v.Add("event_people", people)
		v.Add("event_body", e.Body)
	}
	if c.Image != nil {
		v.Set("image_id", strconv.FormatInt(c.Image.ID, 10))
		v.Set("image_alt", c.Image.Alt)
		v.Set("image_credit", c.Image.Credit)
	}
	return newForm(v)
}

// parseCase reads the case form onto c, recording a message per bad field.
func (s *Server) parseCase(r *http.Request, f *form, c *model.Case) {
	c.Version = f.number("version", 0, 1<<30)
	c.Slug = f.slug("slug")
	c.Lang = f.lang("lang", s.languages())
	c.Title = f.line("title", 200, true)
	c.Summary = f.text("summary", 600, false)
	c.Body = f.text("body", 50_000, false)
	c.Reference = f.line("reference", 40, false)
	c.PeopleCount = f.number("people_count", 0, 10_000_000)
	c.Status = model.CaseStatus(f.Value("status"))
	switch c.Status {
	case model.CaseActive, model.CaseMonitoring, model.CaseClosed:
	default:
		f.fail("status", "form.update.status")
	}
	c.Countries = nil
	for _, code := range f.list("countries", 30, 60) {
		code = strings.ToUpper(code)
		if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
			f.fail("countries", "form.case.countries")
			break
		}
		c.Countries = append(c.Countries, code)
	}
	c.Tags = f.list("tags", 20, 60)
	c.Demands = nil
	for line := range strings.Lines(f.text("demands", 5000, false)) {
		if line = strings.TrimSpace(line); line != "" {
			c.Demands = append(c.Demands, model.Demand{Text: line})
		}
	}
	c.Timeline = nil
	dates, places, titles := f.Values("event_date"), f.Values("event_place"), f.Values("event_title")
	people, bodies := f.Values("event_people"), f.Values("event_body")
	for i := range titles {
		at := func(vs []string) string {
			if i < len(vs) {
				return strings.TrimSpace(vs[i])
			}
			return ""
		}
		if at(dates)+at(places)+at(titles)+at(people)+at(bodies) == "" {
			continue // a blank row
		}
		row := fmt.Sprintf("event_%d", i)
		e := model.TimelineEvent{Date: f.date(row, at(dates)), Place: at(places), Title: at(titles), Body: at(bodies)}
		if e.Date.IsZero() {
			f.fail(row, "form.case.event-date")
		}
		if e.Title == "" || len(e.Title) > 300 || len(e.Place) > 200 || len(e.Body) > 5000 {
			f.fail(row, "form.case.event-title")
		}
		if p := at(people); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 0 {
				f.fail(row, "form.case.event-people")
			} else {
				e.PeopleCount = n
			}
		}
		c.Timeline = append(c.Timeline, e)
	}
	c.Image = s.picture(r, f, c.Image)
}

// saveCase creates (no id in the path) or saves a case; "preview" shows
// the text as it will read without saving.
func (s *Server) saveCase(w http.ResponseWriter, r *http.Request) {
	var stored model.Case
	if r.PathValue("id") != "" {
		var ok bool
		if stored, ok = s.caseFromPath(w, r); !ok {
			return
		}
	}
	f := newForm(r.PostForm)
	c := stored
	s.parseCase(r, f, &c)
	if !f.OK() {
		s.renderCase(w, r, http.StatusBadRequest, stored, f, nil, nil)
		return
	}
	if f.Value("do") == "preview" || f.Value("more") == "yes" {
		var preview *model.Case
		if f.Value("do") == "preview" {
			preview = &c
		}
		s.renderCase(w, r, http.StatusOK, stored, f, preview, nil)
		return
	}
	c.Updated = s.now()
	err := s.store.SaveCase(r.Context(), &c)
	switch {
	case errors.Is(err, model.ErrStale):
		s.caseConflict(w, r, c, f)
		return
	case errors.Is(err, model.ErrConflict):
		f.fail("slug", "form.case.slug-taken")
		s.renderCase(w, r, http.StatusConflict, stored, f, nil, nil)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	s.redirectDone(w, r, fmt.Sprintf("/admin/cases/%d", c.ID), say("flash.saved"))
}

// caseConflict shows what another editor saved beside what this one sent,
// keeping this one's input in the form at the newer version: saving again
// replaces theirs knowingly.
func (s *Server) caseConflict(w http.ResponseWriter, r *http.Request, yours model.Case, f *form) {
	theirs, err := s.store.CaseByID(r.Context(), yours.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.values.Set("version", strconv.Itoa(theirs.Version))
	diffs := differences("label.published-or-updated",
		difference{"label.field.title", theirs.Title, yours.Title},
		difference{"label.field.summary", theirs.Summary, yours.Summary},
		difference{"label.field.text", theirs.Body, yours.Body},
		difference{"label.field.status", string(theirs.Status), string(yours.Status)},
		difference{"label.field.timeline", timelineText(theirs.Timeline), timelineText(yours.Timeline)},
		difference{"label.field.demands", demandsText(theirs.Demands), demandsText(yours.Demands)},
		difference{"label.field.countries", strings.Join(theirs.Countries, ", "), strings.Join(yours.Countries, ", ")},
		difference{"label.field.themes", strings.Join(theirs.Tags, ", "), strings.Join(yours.Tags, ", ")})
	s.renderCase(w, r, http.StatusConflict, theirs, f, nil, diffs)
}

func timelineText(events []model.TimelineEvent) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%s %s: %s (%d)\n", e.Date.Format("2006-01-02"), e.Place, e.Title, e.PeopleCount)
	}
	return b.String()
}

func demandsText(demands []model.Demand) string {
	var b strings.Builder
	for _, d := range demands {
		b.WriteString(d.Text + "\n")
	}
	return b.String()
}

// publish publishes or unpublishes a case, an action or an article.
func (s *Server) publish(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.notFound(w, r)
			return
		}
		version, _ := strconv.Atoi(r.PostFormValue("version"))
		when, note := s.now(), say("flash.published")
		if r.PostFormValue("do") == "unpublish" {
			when, note = time.Time{}, say("flash.unpublished")
		}
		back := fmt.Sprintf("/admin/%s/%d", plural[kind], id)
		err = s.store.SetPublished(r.Context(), kind, id, version, when)
		if errors.Is(err, model.ErrStale) {
			s.redirectDone(w, r, back, say("flash.publish-stale"))
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.site.ContentChanged()
		s.redirectDone(w, r, back, note)
	}
}

var plural = map[string]string{"case": "cases", "action": "actions", "news": "news", "target": "targets"}

// previewCase shows the stored case, draft or not, as the public page
// would.
func (s *Server) previewCase(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	if lang := r.URL.Query().Get("lang"); s.offered(lang) {
		c = caseOnlyIn(c, lang)
	}
	s.site.PreviewCase(w, r, c)
}
