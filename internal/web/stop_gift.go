package web

import (
	"errors"
	"net/http"

	"vigil/internal/model"
	"vigil/internal/notify"
)

type stopGiftData struct {
	Token     string
	Gift      model.MonthlyGift
	Amount    string // the monthly amount, written in the reader's language
	linkState        // Invalid: a link that is not ours, or a gift unknown
	Ended     bool   // the gift had ended already
	Done      bool   // stopped now
}

// stopGift is the page a monthly donor's receipt links to: opening it
// changes nothing; its button cancels the subscription at Stripe and
// records the end at once (the webhook that follows finds it ended).
func (s *Server) stopGift(w http.ResponseWriter, r *http.Request) {
	if s.stripe == nil {
		s.notFound(w, r)
		return
	}
	token := r.PathValue("token")
	data := stopGiftData{Token: token}
	loc := s.cat.Localizer(languageOf(r).Lang)
	id, state, status := s.checkLink(token, notify.PurposeStopGift)
	data.linkState = state
	if status == http.StatusOK {
		gift, err := s.store.MonthlyGift(r.Context(), id)
		switch {
		case errors.Is(err, model.ErrNotFound):
			status = data.gone()
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			data.Gift = gift
			data.Amount = loc.Money(data.Gift.Amount, data.Gift.Currency)
			data.Ended = !data.Gift.Active()
			if r.Method == http.MethodPost && !data.Ended {
				if !s.limits.allowIP(s.clients.IP(r), s.now()) {
					s.tooMany(w, r)
					return
				}
				if _, err := s.stripe.V1Subscriptions.Cancel(r.Context(), data.Gift.SubscriptionID, nil); err != nil {
					s.log.Error("stripe cancel", "gift", id, "err", err)
					s.errorPage(w, r, http.StatusBadGateway, "donate.error.stripe.title", "donate.error.stripe.text")
					return
				}
				if err := s.store.EndMonthlyGift(r.Context(), id, s.now()); err != nil {
					s.fail(w, r, err)
					return
				}
				data.Done = true
			}
		}
	}
	p := s.newPage(r, loc.T("donate.stop.title"), "")
	p.Canonical = ""
	p.Data = data
	private(w)
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, status, "stop_gift", p)
}
