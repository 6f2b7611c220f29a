package admin

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vigil/internal/model"
)

type actionListData struct {
	Actions []model.Action
}

func (s *Server) actionsPage(w http.ResponseWriter, r *http.Request) {
	actions, err := s.store.AllActions(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "actions", "title.actions", actionListData{Actions: actions})
}

type actionEdit struct {
	Action    model.Action
	F         *form
	Cases     []model.Case
	Targets   []model.Target
	Languages []string
	Consents  []int // indexes of the consent rows
	Preview   *model.Action
	Conflict  []difference
	CanWrite  bool
	Now       time.Time
	// Translations shows the action's state in each language it can be
	// translated into; nil for a new action.
	Translations *translationGrid
	// Embed is the HTML a partner site pastes to show the action's form;
	// "" for a new action.
	Embed string
}

func (s *Server) newActionPage(w http.ResponseWriter, r *http.Request) {
	a := model.Action{Lang: "en", Kind: model.ActionPetition, Delivery: model.DeliverEach}
	f := actionForm(a)
	f.values.Set("case", r.URL.Query().Get("case"))
	s.renderAction(w, r, http.StatusOK, a, f, nil, nil)
}

func (s *Server) actionPage(w http.ResponseWriter, r *http.Request) {
	a, ok := fromPath(s, w, r, s.store.ActionByID)
	if !ok {
		return
	}
	s.renderAction(w, r, http.StatusOK, a, actionForm(a), nil, nil)
}

func (s *Server) renderAction(w http.ResponseWriter, r *http.Request, status int, a model.Action, f *form, preview *model.Action, conflict []difference) {
	ctx := r.Context()
	cases, err := s.store.AllCases(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	targets, err := s.store.Targets(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := actionEdit{Action: a, F: f, Cases: cases, Targets: targets, Languages: s.languages(), Preview: preview,
		Conflict: conflict, CanWrite: allowed(sessionOf(r).User.Role, permContentWrite), Now: s.now(),
		Translations: s.actionGrid(r, a)}
	if a.ID != 0 {
		d.Embed = embedSnippet(s.baseURL, a)
	}
	for i := range len(f.Values("consent_key")) + 2 {
		d.Consents = append(d.Consents, i)
	}
	title := say("title.new-action")
	if a.ID != 0 {
		title = say("title.named", "Title", a.Title)
	}
	s.render(w, r, status, "action", title, d)
}

// embedSnippet is the <iframe> a partner site pastes to show an action's
// form (the public site's /embed/actions/{slug}). With no language in its
// address the form speaks each reader's. The frame cannot grow with its
// content, as the form runs no script: its height fits the form of the
// action's kind on a medium screen, and the partner may change it. The
// frame sends the partner's origin, and only that, whatever referrer
// policy their page has otherwise, so signatures record where they came
// from.
func embedSnippet(baseURL string, a model.Action) string {
	height := 1400
	if a.Kind == model.ActionAppeal {
		height = 2200 // the letter to edit
	}
	return fmt.Sprintf(`<iframe src="%s/embed/actions/%s" title="%s" width="100%%" height="%d" referrerpolicy="strict-origin"></iframe>`,
		html.EscapeString(baseURL), html.EscapeString(url.PathEscape(a.Slug)), html.EscapeString(a.Title), height)
}

// actionForm fills a form from a stored action.
func actionForm(a model.Action) *form {
	v := url.Values{}
	v.Set("version", strconv.Itoa(a.Version))
	v.Set("slug", a.Slug)
	if a.CaseID != 0 {
		v.Set("case", strconv.FormatInt(a.CaseID, 10))
	}
	v.Set("lang", a.Lang)
	v.Set("kind", string(a.Kind))
	v.Set("title", a.Title)
	v.Set("summary", a.Summary)
	v.Set("body", a.Body)
	if a.Goal > 0 {
		v.Set("goal", strconv.Itoa(a.Goal))
	}
	if !a.Deadline.IsZero() {
		v.Set("deadline", a.Deadline.UTC().Format("2006-01-02 15:04"))
	}
	v.Set("closing_text", a.ClosingText)
	v.Set("delivery", string(a.Delivery))
	v.Set("subject", a.Subject)
	v.Set("letter", a.Letter)
	for lang, l := range a.Letters {
		v.Set("subject_"+lang, l.Subject)
		v.Set("letter_"+lang, l.Text)
	}
	v.Set("tags", strings.Join(a.Tags, ", "))
	for _, t := range a.Targets {
		v.Add("target", strconv.FormatInt(t.ID, 10))
	}
	for i, c := range a.Consents {
		v.Add("consent_key", c.Key)
		v.Add("consent_text", c.Text)
		if c.Required {
			v.Add("consent_required", strconv.Itoa(i))
		}
	}
	if a.SendToHour != 0 {
		v.Set("send_from", strconv.Itoa(a.SendFromHour))
		v.Set("send_to", strconv.Itoa(a.SendToHour))
	}
	v.Set("time_zone", a.TimeZone)
	if a.DailyCap > 0 {
		v.Set("daily_cap", strconv.Itoa(a.DailyCap))
	}
	v.Set("cc", a.CC)
	v.Set("bcc", a.BCC)
	v.Set("test_recipient", a.TestRecipient)
	if a.Image != nil {
		v.Set("image_id", strconv.FormatInt(a.Image.ID, 10))
		v.Set("image_alt", a.Image.Alt)
		v.Set("image_credit", a.Image.Credit)
	}
	return newForm(v)
}

var consentKey = slugPattern

func (s *Server) parseAction(r *http.Request, f *form, a *model.Action, targets []model.Target) {
	a.Version = f.number("version", 0, 1<<30)
	a.Slug = f.slug("slug")
	a.CaseID = f.id("case")
	a.CaseSlug = ""
	a.Lang = f.lang("lang", s.languages())
	a.Kind = model.ActionKind(f.Value("kind"))
	if a.Kind != model.ActionPetition && a.Kind != model.ActionAppeal {
		f.fail("kind", "form.action.kind")
	}
	a.Title = f.line("title", 200, true)
	a.Summary = f.text("summary", 600, false)
	a.Body = f.text("body", 50_000, false)
	a.Goal = f.number("goal", 0, 100_000_000)
	a.Deadline = f.instant("deadline")
	a.ClosingText = f.text("closing_text", 2000, false)
	a.Delivery = model.DeliveryMode(f.Value("delivery"))
	if a.Delivery != model.DeliverEach && a.Delivery != model.DeliverDigest {
		f.fail("delivery", "form.action.delivery")
	}
	a.Subject = f.line("subject", 200, a.Kind == model.ActionAppeal)
	a.Letter = f.text("letter", 10_000, a.Kind == model.ActionAppeal)
	a.Letters = nil
	for _, lang := range s.languages() {
		if lang == a.Lang {
			continue
		}
		subject, text := f.line("subject_"+lang, 200, false), f.text("letter_"+lang, 10_000, false)
		if (subject == "") != (text == "") {
			f.fail("letter_"+lang, "form.action.letter-pair")
		}
		if subject != "" && text != "" {
			if a.Letters == nil {
				a.Letters = map[string]model.Letter{}
			}
			a.Letters[lang] = model.Letter{Subject: subject, Text: text}
		}
	}
	a.Tags = f.list("tags", 20, 60)
	a.Targets = nil
	for _, v := range f.Values("target") {
		id, _ := strconv.ParseInt(v, 10, 64)
		found := false
		for _, t := range targets {
			if t.ID == id {
				a.Targets, found = append(a.Targets, t), true
			}
		}
		if !found {
			f.fail("target", "form.action.target-list")
		}
	}
	if a.Kind == model.ActionAppeal && len(a.Targets) == 0 {
		f.fail("target", "form.action.target-needed")
	}
	a.Consents = nil
	keys, texts := f.Values("consent_key"), f.Values("consent_text")
	for i := range keys {
		key := strings.TrimSpace(keys[i])
		text := ""
		if i < len(texts) {
			text = strings.TrimSpace(texts[i])
		}
		if key == "" && text == "" {
			continue
		}
		row := fmt.Sprintf("consent_%d", i)
		if !consentKey.MatchString(key) || len(key) > 40 || text == "" || len(text) > 1000 {
			f.fail(row, "form.action.consent")
		}
		a.Consents = append(a.Consents, model.ConsentRequest{Key: key, Text: text, Required: f.Has("consent_required", strconv.Itoa(i))})
	}
	a.SendFromHour = f.number("send_from", 0, 23)
	a.SendToHour = f.number("send_to", 0, 24)
	if a.SendToHour != 0 && a.SendToHour <= a.SendFromHour {
		f.fail("send_to", "form.action.window")
	}
	a.TimeZone = f.line("time_zone", 60, false)
	if a.TimeZone != "" {
		if _, err := time.LoadLocation(a.TimeZone); err != nil {
			f.fail("time_zone", "form.action.time-zone")
		}
	}
	a.DailyCap = f.number("daily_cap", 0, 1_000_000)
	a.CC = f.line("cc", 1000, false)
	a.BCC = f.line("bcc", 1000, false)
	for _, name := range []string{"cc", "bcc"} {
		if v := f.Value(name); strings.TrimSpace(v) != "" {
			if _, err := mail.ParseAddressList(v); err != nil {
				f.fail(name, "form.action.emails")
			}
		}
	}
	a.TestRecipient = f.line("test_recipient", 254, false)
	if a.TestRecipient != "" {
		if _, err := mail.ParseAddress(a.TestRecipient); err != nil {
			f.fail("test_recipient", "form.action.email")
		}
	}
	a.Image = s.picture(r, f, a.Image)
}

func (s *Server) saveAction(w http.ResponseWriter, r *http.Request) {
	var stored model.Action
	if r.PathValue("id") != "" {
		var ok bool
		if stored, ok = fromPath(s, w, r, s.store.ActionByID); !ok {
			return
		}
	}
	targets, err := s.store.Targets(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	a := stored
	s.parseAction(r, f, &a, targets)
	if !f.OK() {
		s.renderAction(w, r, http.StatusBadRequest, stored, f, nil, nil)
		return
	}
	if f.Value("do") == "preview" {
		s.renderAction(w, r, http.StatusOK, stored, f, &a, nil)
		return
	}
	err = s.store.SaveAction(r.Context(), &a)
	switch {
	case errors.Is(err, model.ErrStale):
		theirs, err := s.store.ActionByID(r.Context(), a.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.values.Set("version", strconv.Itoa(theirs.Version))
		diffs := differences("label.action-changed",
			difference{"label.field.title", theirs.Title, a.Title}, difference{"label.field.summary", theirs.Summary, a.Summary},
			difference{"label.field.text", theirs.Body, a.Body}, difference{"label.field.subject", theirs.Subject, a.Subject},
			difference{"label.field.letter", theirs.Letter, a.Letter}, difference{"label.field.closing-text", theirs.ClosingText, a.ClosingText},
			difference{"label.field.goal", strconv.Itoa(theirs.Goal), strconv.Itoa(a.Goal)},
			difference{"label.field.open", fmt.Sprint(!theirs.Closed), fmt.Sprint(!stored.Closed)})
		s.renderAction(w, r, http.StatusConflict, theirs, f, nil, diffs)
		return
	case errors.Is(err, model.ErrConflict):
		f.fail("slug", "form.action.slug-taken")
		s.renderAction(w, r, http.StatusConflict, stored, f, nil, nil)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	s.redirectDone(w, r, fmt.Sprintf("/admin/actions/%d", a.ID), say("flash.saved"))
}

// closeAction closes an action now (the form is replaced by its closing
// text) or reopens it.
func (s *Server) closeAction(w http.ResponseWriter, r *http.Request) {
	a, ok := fromPath(s, w, r, s.store.ActionByID)
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	closing := r.PostFormValue("do") != "reopen"
	back := fmt.Sprintf("/admin/actions/%d", a.ID)
	err := s.store.CloseAction(r.Context(), a.ID, version, closing, s.now())
	if errors.Is(err, model.ErrStale) {
		s.redirectDone(w, r, back, say("flash.action-stale"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	note := say("flash.action-reopened")
	if closing {
		note = say("flash.action-closed")
	}
	s.redirectDone(w, r, back, note)
}

func (s *Server) previewAction(w http.ResponseWriter, r *http.Request) {
	a, ok := fromPath(s, w, r, s.store.ActionByID)
	if !ok {
		return
	}
	if lang := r.URL.Query().Get("lang"); s.offered(lang) {
		a = actionOnlyIn(a, lang)
	}
	s.site.PreviewAction(w, r, a)
}
