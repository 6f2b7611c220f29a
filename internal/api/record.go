package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// The record helpers take what Action Network's take: the person, when
// they acted, their comment, where they came from, and whether Vigil
// sends its own confirmation email. A signature recorded here is what a
// form on the site stores, through the same group commit: one per person
// and action, counted once confirmed from the mailbox, an appeal
// delivered to officials only then. Vigil never confirms for anyone: with
// the autoresponse off no email goes now, and the participation waits for
// its confirmation as any other (docs/decisions.md).

// recordRequest is the body of a record helper.
type recordRequest struct {
	Person       recordPerson    `json:"person"`
	ActionDate   string          `json:"action_date"`
	Comments     string          `json:"comments"`
	ReferrerData *referrerFields `json:"referrer_data"`
	Triggers     *struct {
		Autoresponse *struct {
			Enabled *bool `json:"enabled"`
		} `json:"autoresponse"`
	} `json:"triggers"`
	// Outreaches: the letter the person sends (else the model letter).
	Subject string `json:"subject"`
	Message string `json:"message"`
	// Consents answers the action's consent requests by key; one not
	// named is not answered.
	Consents map[string]bool `json:"vigil:consents"`
}

type recordPerson struct {
	GivenName      string `json:"given_name"`
	FamilyName     string `json:"family_name"`
	EmailAddresses []struct {
		Address string `json:"address"`
		Primary *bool  `json:"primary"`
		Status  string `json:"status"`
	} `json:"email_addresses"`
	PostalAddresses []struct {
		Primary    *bool  `json:"primary"`
		PostalCode string `json:"postal_code"`
		Country    string `json:"country"`
	} `json:"postal_addresses"`
	PreferredLanguage string   `json:"preferred_language"`
	LanguagesSpoken   []string `json:"languages_spoken"`
}

type referrerFields struct {
	Source   string `json:"source"`
	Referrer string `json:"referrer"`
	Website  string `json:"website"`
}

// fieldError is a 400 naming the field at fault.
type fieldError struct{ field, msg string }

func (e fieldError) Error() string { return e.field + ": " + e.msg }

// record is a record helper: POST to an action's signatures or
// outreaches.
func (s *Server) record(kind model.ActionKind) func(http.ResponseWriter, *http.Request, caller) {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		a, ok := s.findAction(w, r, kind)
		if !ok {
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") &&
			!strings.HasPrefix(ct, "application/hal+json") {
			s.fail(w, http.StatusUnsupportedMediaType, "send the request as application/json")
			return
		}
		body, err := io.ReadAll(r.Body)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.fail(w, http.StatusBadRequest, fmt.Sprintf("the request is over %d bytes", maxBody))
			return
		}
		if err != nil {
			s.fail(w, http.StatusBadRequest, "the request could not be read")
			return
		}
		var req recordRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			s.fail(w, http.StatusBadRequest, "the request is not the JSON expected: "+err.Error())
			return
		}
		if dec.More() {
			s.fail(w, http.StatusBadRequest, "the request holds more than one JSON value")
			return
		}
		p, err := s.participate(a, req, c)
		if err != nil {
			s.fail(w, http.StatusBadRequest, err.Error())
			return
		}
		res, err := s.store.Participate(r.Context(), p)
		switch {
		case errors.Is(err, model.ErrClosed):
			s.fail(w, http.StatusConflict, "this action is closed: it takes no more participations")
			return
		case errors.Is(err, model.ErrNotFound):
			s.fail(w, http.StatusNotFound, "no such action")
			return
		case err != nil:
			s.internal(w, err)
			return
		}
		if p.Email.MessageID != "" && s.mailer != nil {
			s.mailer.Wake()
		}
		if err := s.audit(r, c, "api."+collections[kind].items+".record", "participation", res.ParticipationID, 1); err != nil {
			s.internal(w, err)
			return
		}
		// A new participation is what was sent; a repeat, what was
		// stored the first time.
		stored := p.Participation
		stored.ID, stored.SupporterID, stored.ActionID, stored.Created = res.ParticipationID, res.SupporterID, a.ID, p.Now
		if res.Duplicate {
			list, _, err := s.store.ParticipationsPage(r.Context(), store.ParticipationFilter{ID: res.ParticipationID, Limit: 1})
			if err != nil || len(list) != 1 {
				s.internal(w, fmt.Errorf("reading participation %d back: %v", res.ParticipationID, err))
				return
			}
			stored = list[0]
		}
		s.writeJSON(w, http.StatusOK, s.participationBody(kind, stored, a.Targets))
	}
}

// participate checks a record request and turns it into what the store
// takes, as the site's form does.
func (s *Server) participate(a model.Action, req recordRequest, c caller) (store.Participate, error) {
	var p store.Participate
	person := req.Person
	if len(person.EmailAddresses) == 0 {
		return p, fieldError{"person.email_addresses", "an email address is required"}
	}
	// The primary address, else the first.
	raw := person.EmailAddresses[0].Address
	for _, e := range person.EmailAddresses {
		if e.Primary != nil && *e.Primary {
			raw = e.Address
			break
		}
	}
	email, err := secret.NormaliseEmail(raw)
	if err != nil {
		return p, fieldError{"person.email_addresses", fmt.Sprintf("%q is not an email address", raw)}
	}
	name := strings.TrimSpace(strings.TrimSpace(person.GivenName) + " " + strings.TrimSpace(person.FamilyName))
	sup := model.Supporter{Email: email, Name: name}
	if len(person.PostalAddresses) > 0 {
		addr := person.PostalAddresses[0]
		for _, pa := range person.PostalAddresses {
			if pa.Primary != nil && *pa.Primary {
				addr = pa
				break
			}
		}
		sup.PostalCode = strings.TrimSpace(addr.PostalCode)
		sup.Country = strings.ToUpper(strings.TrimSpace(addr.Country))
		if sup.Country != "" && !model.ValidCountry(sup.Country) {
			return p, fieldError{"person.postal_addresses.country", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code", addr.Country)}
		}
	}
	sup.Lang = strings.ToLower(strings.TrimSpace(person.PreferredLanguage))
	if sup.Lang == "" && len(person.LanguagesSpoken) > 0 {
		sup.Lang = strings.ToLower(strings.TrimSpace(person.LanguagesSpoken[0]))
	}
	if sup.Lang == "" {
		sup.Lang = a.Lang
	}
	if req.ActionDate != "" {
		if _, err := parseDate(req.ActionDate); err != nil {
			return p, fieldError{"action_date", err.Error()}
		}
	}
	part := model.Participation{Comment: strings.TrimSpace(req.Comments)}
	if req.ReferrerData != nil {
		part.ShareCode = strings.TrimSpace(req.ReferrerData.Source)
		part.Referrer = strings.TrimSpace(req.ReferrerData.Website)
		if part.Referrer == "" {
			part.Referrer = strings.TrimSpace(req.ReferrerData.Referrer)
		}
	}
	if a.Kind == model.ActionAppeal {
		// The person's letter, else the model letter in their language.
		// (as the site's form offers it, without the salutation).
		letter := a.LetterIn(sup.Lang)
		part.Subject, part.Letter = strings.TrimSpace(req.Subject), strings.TrimSpace(req.Message)
		if part.Subject == "" {
			part.Subject = strings.TrimSpace(letter.Subject)
		}
		if part.Letter == "" {
			part.Letter = model.LetterBody(letter.Text)
		}
	} else if req.Subject != "" || req.Message != "" {
		return p, fieldError{"message", "a petition takes no letter: record an outreach on an advocacy campaign"}
	}
	for _, l := range []struct {
		field, value string
		max          int
	}{
		{"person.given_name and family_name", sup.Name, model.MaxName},
		{"person.postal_addresses.postal_code", sup.PostalCode, model.MaxPostalCode},
		{"comments", part.Comment, model.MaxComment},
		{"subject", part.Subject, model.MaxSubject},
		{"message", part.Letter, model.MaxLetter},
		{"referrer_data.source", part.ShareCode, 40},
		{"referrer_data.website", part.Referrer, 200},
		{"person.preferred_language", sup.Lang, 35},
	} {
		if !utf8.ValidString(l.value) || utf8.RuneCountInString(l.value) > l.max {
			return p, fieldError{l.field, fmt.Sprintf("at most %d characters", l.max)}
		}
	}
	// Consents only as the request states them, with the text the action
	// shows in the person's language.
	shown := a.In(sup.Lang)
	known := map[string]model.ConsentRequest{}
	for _, cr := range shown.Consents {
		known[cr.Key] = cr
	}
	for key := range req.Consents {
		if _, ok := known[key]; !ok {
			return p, fieldError{"vigil:consents", fmt.Sprintf("this action asks no consent %q", key)}
		}
	}
	now := s.now()
	var consents []model.Consent
	for _, cr := range shown.Consents {
		given, stated := req.Consents[cr.Key]
		if cr.Required && !given {
			return p, fieldError{"vigil:consents", fmt.Sprintf("this action requires the consent %q to be given", cr.Key)}
		}
		if stated {
			consents = append(consents, model.Consent{Key: cr.Key, Text: cr.Text, Given: given,
				Source: fmt.Sprintf("api key %d: %s", c.key.ID, c.key.Name), At: now})
		}
	}
	p = store.Participate{ActionSlug: a.Slug, Supporter: sup, Participation: part, Consents: consents, Now: now}
	autoresponse := true
	if req.Triggers != nil && req.Triggers.Autoresponse != nil && req.Triggers.Autoresponse.Enabled != nil {
		autoresponse = *req.Triggers.Autoresponse.Enabled
	}
	if autoresponse && s.emails != nil {
		p.Email = s.emails.ParticipationEmail(sup.Lang)
	}
	return p, nil
}
