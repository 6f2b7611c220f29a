package web

import (
	"net/http"
	"strings"

	"vigil/internal/model"
	"vigil/internal/store"
)

// subscribeForm is the newsletter sign-up, on its own page and on the home
// page.
type subscribeForm struct {
	Name, Email, Lang string
	Consent           bool
	Errors            map[string]string
}

// Error returns the catalogue key of a field's message, or "".
func (f *subscribeForm) Error(field string) string { return f.Errors[field] }

type subscribeData struct {
	Form      *subscribeForm
	Languages []languageChoice
	Done      bool // signed up: check your email
}

func (s *Server) languageChoices() []languageChoice {
	var out []languageChoice
	for _, l := range s.cat.Languages() {
		out = append(out, languageChoice{Code: l, Name: s.cat.Name(l)})
	}
	return out
}

// subscribePage shows the sign-up form, or the answer after it.
func (s *Server) subscribePage(w http.ResponseWriter, r *http.Request) {
	rl := languageOf(r)
	data := subscribeData{Form: &subscribeForm{Lang: rl.Lang}, Languages: s.languageChoices()}
	q := r.URL.Query()
	data.Done = q.Get("check") == "1"
	s.renderSubscribe(w, r, data, http.StatusOK)
}

func (s *Server) renderSubscribe(w http.ResponseWriter, r *http.Request, data subscribeData, status int) {
	loc := s.cat.Localizer(languageOf(r).Lang)
	p := s.newPage(r, loc.T("subscribe.title"), loc.T("subscribe.lede"))
	p.Data = data
	if status != http.StatusOK || data.Done {
		private(w)
	}
	s.render(w, r, status, "subscribe", p)
}

// subscribe signs a supporter up for the newsletter through the same double
// opt-in as actions.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	now := s.now()
	if !s.limits.allowIP(s.clients.IP(r), now) {
		s.tooMany(w, r)
		return
	}
	prefix := languageOf(r).Prefix
	if r.PostForm.Get("website") != "" {
		http.Redirect(w, r, prefix+"/subscribe?check=1", http.StatusSeeOther)
		return
	}
	f := &subscribeForm{
		Name:    strings.TrimSpace(r.PostForm.Get("name")),
		Email:   strings.TrimSpace(r.PostForm.Get("email")),
		Lang:    r.PostForm.Get("lang"),
		Consent: r.PostForm.Get("consent") == "yes",
		Errors:  map[string]string{},
	}
	if key := fieldError("name", f.Name, false, maxName, true); key != "" {
		f.Errors["name"] = key
	}
	email, key := s.checkEmail(f.Email)
	if key != "" {
		f.Errors["email"] = key
	}
	if !s.cat.Has(f.Lang) {
		f.Errors["lang"] = "form.error.lang"
	}
	if !f.Consent {
		f.Errors["consent"] = "subscribe.error.consent"
	}
	f.Name, f.Email = strings.ToValidUTF8(f.Name, "\uFFFD"), strings.ToValidUTF8(f.Email, "\uFFFD")
	if len(f.Errors) > 0 {
		s.renderSubscribe(w, r, subscribeData{Form: f, Languages: s.languageChoices()}, http.StatusUnprocessableEntity)
		return
	}
	if !s.limits.allowEmail(email, now) {
		s.tooMany(w, r)
		return
	}
	loc := s.cat.Localizer(f.Lang)
	sub := store.Subscribe{
		Supporter: model.Supporter{Email: email, Name: f.Name, Lang: f.Lang},
		Consent:   model.Consent{Key: "newsletter", Text: loc.T("subscribe.consent"), Given: true, Source: limit(r.PostForm.Get("source"), 200), At: now},
		Now:       now,
	}
	if sub.Consent.Source == "" {
		sub.Consent.Source = "/subscribe"
	}
	res, err := s.store.Subscribe(r.Context(), sub, s.composer.Subscription(sub))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.mailer.Wake()
	_ = res // the same answer whoever it was; the email says the rest
	http.Redirect(w, r, prefix+"/subscribe?check=1", http.StatusSeeOther)
}
