package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"vigil/internal/api"
	"vigil/internal/model"
)

// hooksData is the webhooks page: every receiver with its latest
// deliveries, and the form to add one.
type hooksData struct {
	Receivers []receiverView
	Events    []string
	Form      hookForm
}

type receiverView struct {
	model.Webhook
	Deliveries []model.WebhookDelivery
	Failed     int // of those shown
}

type hookForm struct {
	URL    string
	Events map[string]bool
	Errors map[string]any
}

// recentDeliveries is how many deliveries the page shows per receiver.
const recentDeliveries = 20

func (s *Server) hooksPage(w http.ResponseWriter, r *http.Request) {
	s.renderHooks(w, r, http.StatusOK, hookForm{Events: map[string]bool{}})
}

func (s *Server) renderHooks(w http.ResponseWriter, r *http.Request, status int, form hookForm) {
	hooks, err := s.store.Webhooks(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := hooksData{Events: model.Events, Form: form}
	for _, h := range hooks {
		ds, err := s.store.Deliveries(r.Context(), h.ID, recentDeliveries)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		h.Secret = "" // never on a page
		v := receiverView{Webhook: h, Deliveries: ds}
		for _, d := range ds {
			if d.State == model.DeliveryFailed || d.LastError != "" && d.State == model.DeliveryQueued {
				v.Failed++
			}
		}
		data.Receivers = append(data.Receivers, v)
	}
	s.render(w, r, status, "webhooks", "title.webhooks", data)
}

// addHook registers a receiver. The secret is typed once and never shown
// again.
func (s *Server) addHook(w http.ResponseWriter, r *http.Request) {
	form := hookForm{URL: strings.TrimSpace(r.PostFormValue("url")), Events: map[string]bool{}, Errors: map[string]any{}}
	for _, e := range r.PostForm["event"] {
		form.Events[e] = true
	}
	if err := api.CheckReceiverURL(form.URL); err != nil || len(form.URL) > 500 {
		form.Errors["url"] = say("form.webhook.url")
	}
	secret := r.PostFormValue("secret")
	if len(secret) < 16 || len(secret) > 200 {
		form.Errors["secret"] = say("form.webhook.secret")
	}
	events, err := model.ParseEvents(strings.Join(r.PostForm["event"], ","))
	if err != nil {
		form.Errors["event"] = say("form.webhook.events")
	}
	if len(form.Errors) > 0 {
		s.renderHooks(w, r, http.StatusBadRequest, form)
		return
	}
	hook := model.Webhook{URL: form.URL, Secret: secret, Events: events, Created: s.now(), CreatedBy: sessionOf(r).User.Email}
	if err := s.store.CreateWebhook(r.Context(), &hook); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/webhooks", say("flash.webhook-added"))
}

func (s *Server) removeHook(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := s.store.RemoveWebhook(r.Context(), id, s.now()); errors.Is(err, model.ErrNotFound) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/webhooks", say("flash.webhook-removed"))
}

func (s *Server) resendDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := s.store.ResendDelivery(r.Context(), id, s.now()); errors.Is(err, model.ErrNotFound) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if s.hooks != nil {
		s.hooks.Wake()
	}
	s.redirectDone(w, r, "/admin/webhooks", say("flash.delivery-resent"))
}
