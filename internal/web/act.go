package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// Limits on what a supporter may type. Each has a message in the catalogue.
const (
	maxFormBytes  = 64 << 10 // a whole form body; more is 413
	maxName       = model.MaxName
	maxPostalCode = model.MaxPostalCode
	maxSubject    = model.MaxSubject
	maxLetter     = model.MaxLetter
	maxComment    = model.MaxComment
)

// actForm is a supporter's action form: the values typed, kept when
// something is wrong, and a message per field.
type actForm struct {
	Name, Email, Country, PostalCode, Lang string
	Subject, Letter, Comment               string
	Consents                               map[string]bool
	Errors                                 map[string]string // field -> catalogue key
	Notice                                 string            // catalogue key of a message above the form
}

// newActForm is the empty form for an action, in the page's language, with
// the model letter to edit.
func newActForm(a model.Action, lang string) *actForm {
	l := a.LetterIn(lang)
	return &actForm{Lang: lang, Subject: l.Subject, Letter: model.LetterBody(l.Text), Consents: map[string]bool{}}
}

// Error returns the catalogue key of a field's message, or "".
func (f *actForm) Error(field string) string { return f.Errors[field] }

// parseActForm reads and checks a submitted form. Every value is kept as
// typed (cut to its limit only when it is not valid UTF-8) so the form can
// be shown again.
func (s *Server) parseActForm(r *http.Request, a model.Action) (*actForm, model.Supporter) {
	f := &actForm{Consents: map[string]bool{}, Errors: map[string]string{}}
	field := func(name string) string { return r.PostForm.Get(name) }
	f.Name = strings.TrimSpace(field("name"))
	f.Email = strings.TrimSpace(field("email"))
	f.Country = strings.TrimSpace(field("country"))
	f.PostalCode = strings.TrimSpace(field("postal_code"))
	f.Lang = field("lang")
	f.Subject = strings.TrimSpace(field("subject"))
	f.Letter = strings.TrimSpace(strings.ReplaceAll(field("letter"), "\r\n", "\n"))
	f.Comment = strings.TrimSpace(field("comment"))
	for _, c := range a.Consents {
		f.Consents[c.Key] = field("consent_"+c.Key) == "yes"
	}

	check := func(name, value string, required bool, max int, oneLine bool) {
		if key := fieldError(name, value, required, max, oneLine); key != "" {
			f.Errors[name] = key
		}
	}
	check("name", f.Name, true, maxName, true)
	check("postal_code", f.PostalCode, false, maxPostalCode, true)
	check("comment", f.Comment, false, maxComment, false)
	if a.Kind == model.ActionAppeal {
		check("subject", f.Subject, true, maxSubject, true)
		check("letter", f.Letter, true, maxLetter, false)
	}

	email, key := s.checkEmail(f.Email)
	if key != "" {
		f.Errors["email"] = key
	}
	if !validCountry(f.Country) {
		if f.Country == "" {
			f.Errors["country"] = "form.error.required.country"
		} else {
			f.Errors["country"] = "form.error.country"
		}
	}
	if !s.cat.Has(f.Lang) {
		f.Errors["lang"] = "form.error.lang"
	}
	for _, c := range a.Consents {
		if c.Required && !f.Consents[c.Key] {
			f.Errors["consent_"+c.Key] = "form.error.consent"
		}
	}
	// Never keep invalid bytes: they would break the page shown again.
	for _, p := range []*string{&f.Name, &f.Email, &f.Country, &f.PostalCode, &f.Lang, &f.Subject, &f.Letter, &f.Comment} {
		if !utf8.ValidString(*p) {
			*p = strings.ToValidUTF8(*p, "\uFFFD")
		}
	}
	sup := model.Supporter{Email: email, Name: f.Name, Country: f.Country, PostalCode: f.PostalCode, Lang: f.Lang}
	return f, sup
}

// fieldError checks one typed value and returns the catalogue key of what
// is wrong with it, or "".
func fieldError(name, value string, required bool, max int, oneLine bool) string {
	switch {
	case !utf8.ValidString(value):
		return "form.error.encoding"
	case value == "" && required:
		return "form.error.required." + name
	case utf8.RuneCountInString(value) > max:
		return "form.error.toolong." + name
	case oneLine && strings.ContainsAny(value, "\r\n"):
		return "form.error.oneline"
	case hasControl(value, !oneLine):
		return "form.error.control"
	case name == "name" && value != "" && !readableName(value):
		return "form.error.name.unreadable"
	}
	return ""
}

// readableName reports whether a name can be printed on the list handed
// to officials as typed: it shows at least one letter or digit, and holds
// no bidirectional embedding, override or isolate (U+202A–U+202E,
// U+2066–U+2069), which would reorder the text around it, the rest of
// the list included.
func readableName(s string) bool {
	visible := false
	for _, r := range s {
		switch {
		case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
			return false
		case unicode.IsLetter(r), unicode.IsDigit(r):
			visible = true
		}
	}
	return visible
}

// checkEmail normalises a typed email address, or returns the catalogue
// key of what is wrong with it.
func (s *Server) checkEmail(typed string) (normalised, errKey string) {
	switch {
	case typed == "":
		return "", "form.error.required.email"
	case !utf8.ValidString(typed):
		return "", "form.error.encoding"
	}
	email, err := secret.NormaliseEmail(typed)
	if err != nil {
		return "", "form.error.email"
	}
	if s.blockedDomain(email) {
		return "", "form.error.disposable"
	}
	return email, ""
}

// readForm reads a posted form within the size limit, answering 413 or 400
// itself when it cannot.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.toolarge.title", "error.toolarge.text")
		} else {
			s.errorPage(w, r, http.StatusBadRequest, "error.badrequest.title", "error.badrequest.text")
		}
		return false
	}
	return true
}

// hasControl reports control characters other than the line breaks and
// tabs a letter may hold.
func hasControl(s string, allowBreaks bool) bool {
	for _, r := range s {
		if allowBreaks && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// act takes a supporter's action from the form on the site's own pages.
func (s *Server) act(w http.ResponseWriter, r *http.Request) { s.takeAction(w, r, false) }

// actEmbedded takes it from the form a partner site shows in a frame
// (embed.go): its answers stay in the frame, and the participation records
// the partner's origin as its source.
func (s *Server) actEmbedded(w http.ResponseWriter, r *http.Request) { s.takeAction(w, r, true) }

// takeAction takes a supporter's action: check, store durably, then
// redirect to the thank-you page (POST-redirect-GET).
func (s *Server) takeAction(w http.ResponseWriter, r *http.Request, embedded bool) {
	if !s.readForm(w, r) {
		return
	}
	now := s.now()
	if !s.limits.allowIP(s.clients.IP(r), now) {
		s.tooMany(w, r)
		return
	}
	a, err := s.actionForForm(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The consent texts stored are those the supporter read.
	a = a.In(languageOf(r).Lang)
	// Where the supporter acted: the page's path for the site's own
	// forms; for a frame, the partner's origin when --embed-origins
	// allows it, else only that it was a frame.
	source := limit(r.PostForm.Get("source"), 200)
	referrer := source
	thanks := languageOf(r).Prefix + "/actions/" + a.Slug + "/thanks"
	show := func(form *actForm, status int) { s.showActionForm(w, r, a, form, status) }
	if embedded {
		origin := s.embedder(source)
		source = cmp.Or(origin, embedSource)
		referrer = source
		thanks = languageOf(r).Prefix + "/embed/actions/" + a.Slug + "/thanks"
		show = func(form *actForm, status int) { s.showEmbedForm(w, r, a, form, status, origin) }
	} else if source == "" {
		source = "/actions/" + a.Slug
	}
	if !a.IsOpen(now) {
		show(&actForm{Notice: "form.closed"}, http.StatusConflict)
		return
	}
	// The honeypot: people never see it, many bots fill it. Answer as if
	// it worked, store nothing.
	if r.PostForm.Get("website") != "" {
		http.Redirect(w, r, thanks, http.StatusSeeOther)
		return
	}
	form, sup := s.parseActForm(r, a)
	if len(form.Errors) > 0 {
		show(form, http.StatusUnprocessableEntity)
		return
	}
	if !s.limits.allowEmail(sup.Email, now) {
		s.tooMany(w, r)
		return
	}
	sup.Lang = form.Lang
	part := model.Participation{
		Comment:    form.Comment,
		Referrer:   referrer,
		ShareCode:  limit(r.URL.Query().Get("ref"), 40),
		IPHash:     s.keys.HashIP(s.clients.IP(r)),
		AgentClass: agentClass(r.UserAgent()),
		FillMillis: fillMillis(r.PostForm.Get("rendered"), now),
	}
	if a.Kind == model.ActionAppeal {
		part.Subject, part.Letter = form.Subject, form.Letter
	}
	var consents []model.Consent
	for _, c := range a.Consents {
		consents = append(consents, model.Consent{Key: c.Key, Text: c.Text, Given: form.Consents[c.Key], Source: source, At: now})
	}
	req := store.Participate{ActionSlug: a.Slug, Supporter: sup, Participation: part, Consents: consents, Now: now,
		Email: s.composer.ParticipationEmail(sup.Lang)}
	_, err = s.store.Participate(r.Context(), req)
	switch {
	case errors.Is(err, model.ErrClosed):
		show(&actForm{Notice: "form.closed"}, http.StatusConflict)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.mailer.Wake()
	// The same answer whoever it was: the page must not tell a stranger
	// whether an address had acted before or is known to us, and no count
	// moves until the mailbox confirms (store.Participated.Count). The
	// email says the rest.
	http.Redirect(w, r, thanks, http.StatusSeeOther)
}

// actionForForm returns an action as far as its form needs it (kind,
// consents, open or not), from memory while no content has changed: a
// signature should not cost the database a full action load. Counts in it
// may be old.
func (s *Server) actionForForm(ctx context.Context, slug string) (model.Action, error) {
	gen := s.cache.content.Load()
	s.formActionsMu.RLock()
	e, ok := s.formActions[slug]
	s.formActionsMu.RUnlock()
	if ok && e.content == gen && s.now().Sub(e.loaded) < maxPageAge {
		return e.action, nil
	}
	a, err := s.store.ActionBySlug(ctx, slug)
	if err != nil {
		return a, err
	}
	s.formActionsMu.Lock()
	if len(s.formActions) >= maxCachedPages {
		s.formActions = map[string]formAction{}
	}
	s.formActions[slug] = formAction{action: a, content: gen, loaded: s.now()}
	s.formActionsMu.Unlock()
	return a, nil
}

type formAction struct {
	action  model.Action
	content uint64
	loaded  time.Time
}

// fillMillis is the time from the form's rendering to its submission.
func fillMillis(rendered string, now time.Time) int {
	ms, err := strconv.ParseInt(rendered, 10, 64)
	if err != nil || ms <= 0 {
		return 0
	}
	d := now.UnixMilli() - ms
	if d < 0 || d > int64(24*time.Hour/time.Millisecond) {
		return 0
	}
	return int(d)
}

// agentClass keeps only a coarse class of the User-Agent, for moderation.
func agentClass(ua string) string {
	ua = strings.ToLower(ua)
	switch {
	case ua == "":
		return "none"
	case strings.Contains(ua, "bot") || strings.Contains(ua, "crawl") || strings.Contains(ua, "spider") ||
		strings.Contains(ua, "curl") || strings.Contains(ua, "python") || strings.Contains(ua, "go-http-client"):
		return "bot"
	case strings.Contains(ua, "mobile") || strings.Contains(ua, "android") || strings.Contains(ua, "iphone"):
		return "mobile"
	case strings.Contains(ua, "mozilla"):
		return "desktop"
	}
	return "other"
}
