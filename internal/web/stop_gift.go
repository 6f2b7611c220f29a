package web

import (
	"errors"
	"net/http"

	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
)

type stopGiftData struct {
	Token   string
	Gift    model.MonthlyGift
	Amount  string // the monthly amount, written in the reader's language
	Invalid bool   // a link that is not ours, or a gift unknown
	Expired bool
	Ended   bool // the gift had ended already
	Done    bool // stopped now
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
	status := http.StatusOK
	loc := s.cat.Localizer(languageOf(r).Lang)
	id, err := s.keys.CheckToken(token, notify.PurposeStopGift, s.now())
	switch {
	case errors.Is(err, secret.ErrTokenExpired):
		data.Expired, status = true, http.StatusGone
	case err != nil:
		data.Invalid, status = true, http.StatusNotFound
	default:
		data.Gift, err = s.store.MonthlyGift(r.Context(), id)
		if errors.Is(err, model.ErrNotFound) {
			data.Invalid, status = true, http.StatusNotFound
			break
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
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
	p := s.newPage(r, loc.T("donate.stop.title"), "")
	p.Canonical = ""
	p.Data = data
	private(w)
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, status, "stop_gift", p)
}
