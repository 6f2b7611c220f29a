package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
)

// privacyForm is one of the two forms of /privacy: send me my data,
// delete my data.
type privacyForm struct {
	Email string
	Error string // catalogue key of the message beside the field
}

// privacyData is the /privacy page.
type privacyData struct {
	Controller model.Controller
	Retention  Retention
	MailDays   int
	PurgeDays  int
	LinkHours  int
	Send       privacyForm
	Delete     privacyForm
	Check      string // "send" or "delete": a request was made, check your email
}

// privacyPage shows what Vigil keeps and why, for how long, who is
// responsible, and the two forms.
func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) {
	data := privacyData{}
	switch check := r.URL.Query().Get("check"); check {
	case "send", "delete":
		data.Check = check
	}
	s.renderPrivacy(w, r, data, http.StatusOK)
}

func (s *Server) renderPrivacy(w http.ResponseWriter, r *http.Request, data privacyData, status int) {
	ctx := r.Context()
	for _, f := range []struct {
		key string
		to  *string
	}{
		{model.SettingControllerName, &data.Controller.Name},
		{model.SettingControllerAddress, &data.Controller.Address},
		{model.SettingControllerContact, &data.Controller.Contact},
		{model.SettingControllerFinance, &data.Controller.Finance},
	} {
		v, err := s.store.Setting(ctx, f.key)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		*f.to = v
	}
	data.Retention = s.retention
	data.MailDays = int(s.retention.Mail / (24 * time.Hour))
	data.PurgeDays = int(s.retention.Unconfirmed / (24 * time.Hour))
	data.LinkHours = int(notify.PrivacyLinkLife / time.Hour)
	loc := s.cat.Localizer(languageOf(r).Lang)
	p := s.newPage(r, loc.T("privacy.title"), loc.T("privacy.lede"))
	p.Data = data
	// Not from the page cache: the controller's details are settings.
	if status != http.StatusOK || data.Check != "" {
		private(w)
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	s.render(w, r, status, "privacy", p)
}

// privacyRequest answers either form of /privacy (what: "send" or
// "delete"). Whatever the address, known or not, the answer is the same
// redirect to the same page, after the same limits; only a known address,
// not erased, gets an email (see docs/decisions.md).
func (s *Server) privacyRequest(what string) http.HandlerFunc {
	purpose := notify.PurposePrivacySend
	if what == "delete" {
		purpose = notify.PurposePrivacyDelete
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.readForm(w, r) {
			return
		}
		now := s.now()
		if !s.limits.allowIP(s.clients.IP(r), now) {
			s.tooMany(w, r)
			return
		}
		prefix := languageOf(r).Prefix
		done := prefix + "/privacy?check=" + what
		if r.PostForm.Get("website") != "" {
			http.Redirect(w, r, done, http.StatusSeeOther)
			return
		}
		typed := limit(strings.TrimSpace(r.PostForm.Get("email")), 320)
		email, key := s.checkEmail(typed)
		if key == "form.error.disposable" {
			// Such an address may well be known: it gets its answer
			// like any other.
			email, key = strings.ToLower(typed), ""
			if normalised, err := secret.NormaliseEmail(typed); err == nil {
				email = normalised
			}
		}
		if key != "" {
			f := privacyForm{Email: strings.ToValidUTF8(typed, "\uFFFD"), Error: key}
			data := privacyData{}
			if what == "send" {
				data.Send = f
			} else {
				data.Delete = f
			}
			s.renderPrivacy(w, r, data, http.StatusUnprocessableEntity)
			return
		}
		if !s.limits.allowEmail(email, now) {
			s.tooMany(w, r)
			return
		}
		lang := languageOf(r).Lang
		err := s.store.QueueToAddress(r.Context(), email, now, func(sup model.Supporter) (model.OutboxMessage, error) {
			return s.composer.PrivacyLink(purpose, sup, lang, now)
		})
		switch {
		case err == nil:
			s.mailer.Wake()
		case !errors.Is(err, model.ErrNotFound):
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, done, http.StatusSeeOther)
	}
}

// privacyLinkData is a page behind a link of a privacy email.
type privacyLinkData struct {
	What  string // "send" or "delete"
	Token string
	linkState
	Done bool
	Data *personalView // send: what Vigil holds
}

// privacyLink serves /privacy/{send,delete}/{token}. Opening the link
// changes nothing: it shows one button, whose POST shows the data or
// erases it. An expired link says so (410), a broken or used one that it
// does not work (404).
func (s *Server) privacyLink(what string) http.HandlerFunc {
	purpose := notify.PurposePrivacySend
	if what == "delete" {
		purpose = notify.PurposePrivacyDelete
	}
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		data := privacyLinkData{What: what, Token: token}
		id, state, status := s.checkLink(token, purpose)
		data.linkState = state
		if status == http.StatusOK && r.Method == http.MethodPost {
			if !s.readForm(w, r) {
				return
			}
			var err error
			if what == "send" {
				data.Data, err = s.personalView(r.Context(), id, languageOf(r).Lang)
			} else {
				err = s.eraseOnRequest(r, id)
			}
			switch {
			case errors.Is(err, model.ErrNotFound):
				status = data.gone()
			case err != nil:
				s.fail(w, r, err)
				return
			default:
				data.Done = true
			}
		}
		loc := s.cat.Localizer(languageOf(r).Lang)
		p := s.newPage(r, loc.T("privacy."+what+".title"), "")
		p.Canonical = ""
		p.Data = data
		private(w)
		w.Header().Set("X-Robots-Tag", "noindex")
		s.render(w, r, status, "privacy_link", p)
	}
}

// privacyDownload answers the download button of the data page with the
// same data as a JSON file, which no cache may keep.
func (s *Server) privacyDownload(w http.ResponseWriter, r *http.Request) {
	id, err := s.keys.CheckToken(r.PathValue("token"), notify.PurposePrivacySend, s.now())
	if err != nil {
		s.privacyLink("send")(w, r) // the page that says why
		return
	}
	if !s.readForm(w, r) {
		return
	}
	view, err := s.personalView(r.Context(), id, languageOf(r).Lang)
	if err != nil {
		if errors.Is(err, model.ErrNotFound) {
			s.privacyLink("send")(w, r)
			return
		}
		s.fail(w, r, err)
		return
	}
	private(w)
	h := w.Header()
	h.Set("Cache-Control", "no-store, private")
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="my-data.json"`)
	h.Set("X-Robots-Tag", "noindex")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(view)
}

// personalView is what Vigil holds about one supporter, as the data page
// shows it and the JSON download holds it.
type personalView struct {
	Email          string              `json:"email"`
	Name           string              `json:"name"`
	Country        string              `json:"country"`
	PostalCode     string              `json:"postal_code"`
	Language       string              `json:"language"`
	Created        time.Time           `json:"created"`
	Confirmed      *time.Time          `json:"confirmed"`
	Unsubscribed   *time.Time          `json:"unsubscribed"`
	Consents       []consentView       `json:"consents"`
	Participations []participationView `json:"participations"`
	Emails         []emailView         `json:"emails"`
	Donations      []donationView      `json:"donations"`
}

// donationView is one payment: amounts in minor units, as accounts keep
// them, and as the page shows them.
type donationView struct {
	Amount    int64     `json:"amount_minor_units"`
	Currency  string    `json:"currency"`
	Display   string    `json:"-"`
	Monthly   bool      `json:"monthly"`
	Paid      time.Time `json:"paid"`
	Reference string    `json:"reference"`
	Name      string    `json:"name,omitempty"`
	Email     string    `json:"email,omitempty"`
	Case      string    `json:"case,omitempty"`
	CaseURL   string    `json:"case_url,omitempty"`
}

type consentView struct {
	Key    string    `json:"key"`
	Text   string    `json:"text"`
	Given  bool      `json:"given"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

type participationView struct {
	Action     string     `json:"action"`
	ActionLang string     `json:"-"`
	URL        string     `json:"url"`
	Kind       string     `json:"kind"`
	Created    time.Time  `json:"created"`
	Confirmed  *time.Time `json:"confirmed"`
	Subject    string     `json:"subject,omitempty"`
	Letter     string     `json:"letter,omitempty"`
	Comment    string     `json:"comment,omitempty"`
}

type emailView struct {
	Subject string     `json:"subject"` // "" once its text is dropped (--mail-retention)
	Kind    string     `json:"kind"`
	Created time.Time  `json:"created"`
	Sent    *time.Time `json:"sent"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// personalView reads and lays out what Vigil holds about a supporter; an
// email's subject is read from its sealed text while it is kept, or from
// the email an intent stands for.
func (s *Server) personalView(ctx context.Context, supporterID int64, lang string) (*personalView, error) {
	d, err := s.store.PersonalData(ctx, supporterID)
	if err != nil {
		return nil, err
	}
	sup := d.Supporter
	v := &personalView{Email: sup.Email, Name: sup.Name, Country: sup.Country, PostalCode: sup.PostalCode, Language: sup.Lang,
		Created: sup.Created.UTC(), Confirmed: timeOrNil(sup.Confirmed), Unsubscribed: timeOrNil(sup.Unsubscribed),
		Consents: []consentView{}, Participations: []participationView{}, Emails: []emailView{}, Donations: []donationView{}}
	for _, c := range d.Consents {
		v.Consents = append(v.Consents, consentView{Key: c.Key, Text: c.Text, Given: c.Given, Source: c.Source, At: c.At.UTC()})
	}
	for _, p := range d.Participations {
		a := p.Action.In(lang)
		v.Participations = append(v.Participations, participationView{Action: a.Title, ActionLang: a.Lang,
			URL: s.baseURL + "/actions/" + a.Slug, Kind: string(a.Kind), Created: p.Participation.Created.UTC(),
			Confirmed: timeOrNil(p.Participation.Confirmed), Subject: p.Participation.Subject, Letter: p.Participation.Letter,
			Comment: p.Participation.Comment})
	}
	for _, m := range d.Messages {
		e := emailView{Kind: m.Kind, Created: m.CreatedAt.UTC(), Sent: timeOrNil(m.SentAt)}
		var msg delivery.Message
		var err error
		if m.Intent() && m.ParticipationID != 0 {
			msg, err = s.composer.Compose(ctx, m)
		} else if !m.Intent() {
			msg, err = delivery.Open(s.keys, m.MessageID, m.Sealed)
		}
		if err == nil {
			e.Subject = msg.Subject
		}
		v.Emails = append(v.Emails, e)
	}
	gifts, err := s.store.SupporterDonations(ctx, supporterID)
	if err != nil {
		return nil, err
	}
	loc := s.cat.Localizer(lang)
	for _, g := range gifts {
		dv := donationView{Amount: g.Amount, Currency: g.Currency, Display: loc.Money(g.Amount, g.Currency), Monthly: g.Monthly,
			Paid: g.Paid.UTC(), Reference: g.Ref, Name: g.Name, Email: g.Email, Case: g.CaseSlug}
		if g.CaseSlug != "" {
			dv.CaseURL = s.baseURL + "/cases/" + g.CaseSlug
		}
		v.Donations = append(v.Donations, dv)
	}
	return v, nil
}

// eraseOnRequest erases the supporter behind a delete link. The email
// confirming it is composed first, from the record about to be erased,
// and queued in the erasure's own transaction: both happen, or neither.
func (s *Server) eraseOnRequest(r *http.Request, supporterID int64) error {
	ctx := r.Context()
	now := s.now()
	d, err := s.store.PersonalData(ctx, supporterID)
	if err != nil {
		return err
	}
	farewell, err := s.composer.Erased(d.Supporter, languageOf(r).Lang, now)
	if err != nil {
		return err
	}
	if err := s.store.EraseOnRequest(ctx, supporterID, now, farewell); err != nil {
		return err
	}
	s.log.Info("supporter erased at their request", "supporter", supporterID)
	s.mailer.Wake()
	return nil
}

// preferencesData is the page where a supporter chooses their emails.
type preferencesData struct {
	Token string
	linkState
	Saved   bool
	Choices model.EmailChoices
}

// preferences serves /preferences/{token}, the link in every email to a
// supporter: the emails they receive, one box each (each case's updates,
// the newsletter). Opening it changes nothing; the form's POST saves.
func (s *Server) preferences(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	data := preferencesData{Token: token}
	now := s.now()
	id, state, status := s.checkLink(token, notify.PurposePreferences)
	data.linkState = state
	if status == http.StatusOK {
		choices, err := s.store.EmailChoices(r.Context(), id)
		switch {
		case errors.Is(err, model.ErrNotFound):
			status = data.gone()
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			data.Choices = choices
			if r.Method == http.MethodPost {
				if !s.readForm(w, r) {
					return
				}
				if err := s.saveChoices(r, id, &data.Choices, now); err != nil {
					s.fail(w, r, err)
					return
				}
				data.Saved = true
			}
		}
	}
	loc := s.cat.Localizer(languageOf(r).Lang)
	p := s.newPage(r, loc.T("preferences.title"), "")
	p.Canonical = ""
	lang := languageOf(r).Lang
	for i := range data.Choices.Cases {
		data.Choices.Cases[i].Case = data.Choices.Cases[i].Case.In(lang)
	}
	p.Data = data
	private(w)
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, status, "preferences", p)
}

// saveChoices reads the boxes ticked: "case" once per case wanted, by id,
// and "newsletter". A newsletter answer is recorded only when it changes,
// with the words of the box in the page's language.
func (s *Server) saveChoices(r *http.Request, supporterID int64, choices *model.EmailChoices, now time.Time) error {
	wanted := map[string]bool{}
	for _, v := range r.PostForm["case"] {
		wanted[v] = true
	}
	for i := range choices.Cases {
		choices.Cases[i].Updates = wanted[strconv.FormatInt(choices.Cases[i].Case.ID, 10)]
	}
	newsletter := r.PostForm.Get("newsletter") == "yes"
	var answer model.Consent
	if newsletter != choices.Newsletter {
		loc := s.cat.Localizer(languageOf(r).Lang)
		answer = model.Consent{Key: model.ConsentNewsletter, Text: loc.T("preferences.newsletter"), Given: newsletter,
			Source: "/" + notify.PurposePreferences, At: now}
	}
	choices.Newsletter = newsletter
	if err := s.store.SaveEmailChoices(r.Context(), supporterID, *choices, answer, now); err != nil {
		return err
	}
	if choices.WantsNothing() {
		choices.Unsubscribed = now
	} else {
		choices.Unsubscribed = time.Time{}
	}
	return nil
}
