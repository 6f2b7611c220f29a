package web

import (
	"errors"
	"net/http"

	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
)

// thanksData is the page after acting.
type thanksData struct {
	Action model.Action
	Next   *model.Action
	Share  shareLinks
}

// thanks is where a supporter lands after acting (POST-redirect-GET): the
// count includes their action, share links and the next action to take.
func (s *Server) thanks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := s.store.ActionBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	others, err := s.otherActions(r, a.CaseID, a.Slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := languageOf(r).Lang
	a = a.In(lang)
	loc := s.cat.Localizer(lang)
	p := s.newPage(r, loc.T("thanks.title"), "")
	data := thanksData{Action: a}
	if len(others) > 0 {
		data.Next = &others[0]
	}
	// Share the action, not the thank-you page.
	sp := p
	sp.Title = a.Title
	sp.Canonical = s.baseURL + "/" + p.Lang + "/actions/" + a.Slug
	data.Share = s.shareLinks(r, sp, "thanks")
	p.Data = data
	private(w)
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, http.StatusOK, "thanks", p)
}

// linkState is what a page behind a link in an email knows of its link:
// it works, it has expired, or it is not one of ours or names what exists
// no more. Each such page's data embeds it.
type linkState struct {
	Expired bool
	Invalid bool
}

// checkLink checks a link's token for purpose. The status is the page's:
// 200 with the id the token names, 410 for an expired link, 404 for one
// that is not ours.
func (s *Server) checkLink(token, purpose string) (int64, linkState, int) {
	id, err := s.keys.CheckToken(token, purpose, s.now())
	switch {
	case errors.Is(err, secret.ErrTokenExpired):
		return 0, linkState{Expired: true}, http.StatusGone
	case err != nil:
		return 0, linkState{Invalid: true}, http.StatusNotFound
	}
	return id, linkState{}, http.StatusOK
}

// gone marks a working link whose supporter or gift exists no more.
func (l *linkState) gone() int {
	l.Invalid = true
	return http.StatusNotFound
}

// linkData is a page reached from a link in an email.
type linkData struct {
	Purpose string // notify.Purpose…
	Token   string
	Done    bool
	linkState
	Actions []model.Action
}

// emailLink serves the pages behind the links in emails. Opening a link
// changes nothing — mail scanners open links before people do — it shows a
// page with one button, and the POST of that button does the work.
func (s *Server) emailLink(purpose string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		data := linkData{Purpose: purpose, Token: token}
		id, state, status := s.checkLink(token, purpose)
		data.linkState = state
		if status == http.StatusOK && r.Method == http.MethodPost {
			if err := s.doEmailLink(r, purpose, id, &data); err != nil {
				if !errors.Is(err, model.ErrNotFound) {
					s.fail(w, r, err)
					return
				}
				status = data.gone()
			}
		}
		loc := s.cat.Localizer(languageOf(r).Lang)
		p := s.newPage(r, loc.T("link."+purpose+".title"), "")
		p.Data = data
		private(w)
		w.Header().Set("X-Robots-Tag", "noindex")
		s.render(w, r, status, "link", p)
	}
}

func (s *Server) doEmailLink(r *http.Request, purpose string, id int64, data *linkData) error {
	ctx := r.Context()
	switch purpose {
	case notify.PurposeConfirm:
		_, action, err := s.store.ConfirmParticipation(ctx, id, s.now())
		if err != nil {
			return err
		}
		data.Actions = []model.Action{action.In(languageOf(r).Lang)}
		s.mailer.Wake()
		s.CountsChanged() // a participation counts once confirmed
	case notify.PurposeSubscribe:
		// The yes is recorded now, from the mailbox, with the words of the
		// sign-up form in the link's language.
		loc := s.cat.Localizer(languageOf(r).Lang)
		consent := model.Consent{Key: "newsletter", Text: loc.T("subscribe.consent"), Given: true, Source: "/" + notify.PurposeSubscribe, At: s.now()}
		if err := s.store.ConfirmSupporter(ctx, id, s.now(), consent); err != nil {
			return err
		}
	case notify.PurposeNotMe:
		if err := s.store.RemoveParticipation(ctx, id, s.now()); err != nil {
			return err
		}
		s.CountsChanged()
	case notify.PurposeUnsubscribe:
		if err := s.store.Unsubscribe(ctx, id, s.now()); err != nil {
			return err
		}
	}
	data.Done = true
	return nil
}
