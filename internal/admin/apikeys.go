package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"vigil/internal/api"
	"vigil/internal/model"
)

// keysData is the API keys page: every key, the form to make one, and a
// key just made, shown this once.
type keysData struct {
	Keys   []model.APIKey
	Scopes []model.Scope
	Form   keyForm
	NewKey string
	Base   string // the API's address, for the page's instructions
}

type keyForm struct {
	Name   string
	Scopes map[model.Scope]bool
	Errors map[string]any
}

func (s *Server) keysPage(w http.ResponseWriter, r *http.Request) {
	s.renderKeys(w, r, http.StatusOK, keyForm{Scopes: map[model.Scope]bool{model.ScopeRead: true}}, "")
}

func (s *Server) renderKeys(w http.ResponseWriter, r *http.Request, status int, form keyForm, newKey string) {
	keys, err := s.store.APIKeys(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "apikeys", "title.apikeys", keysData{Keys: keys, Scopes: model.Scopes, Form: form, NewKey: newKey,
		Base: s.baseURL + api.Prefix})
}

// addKey makes a key and shows it on the page it answers with, once: it
// is in no URL, no cookie and no log, and the database keeps its hash.
func (s *Server) addKey(w http.ResponseWriter, r *http.Request) {
	form := keyForm{Name: strings.TrimSpace(r.PostFormValue("name")), Scopes: map[model.Scope]bool{}, Errors: map[string]any{}}
	var picked []string
	for _, sc := range r.PostForm["scope"] {
		form.Scopes[model.Scope(sc)] = true
		picked = append(picked, sc)
	}
	if form.Name == "" || utf8.RuneCountInString(form.Name) > 100 {
		form.Errors["name"] = say("form.apikey.name")
	}
	scopes, err := model.ParseScopes(strings.Join(picked, ","))
	if err != nil {
		form.Errors["scope"] = say("form.apikey.scope")
	}
	if len(form.Errors) > 0 {
		s.renderKeys(w, r, http.StatusBadRequest, form, "")
		return
	}
	key, hash := api.NewKey()
	k := model.APIKey{Name: form.Name, Hash: hash, Scopes: scopes, Created: s.now(), CreatedBy: sessionOf(r).User.Email}
	if err := s.store.CreateAPIKey(r.Context(), &k); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderKeys(w, r, http.StatusCreated, keyForm{Scopes: map[model.Scope]bool{model.ScopeRead: true}}, key)
}

// revokeKey ends a key at once, on every instance: each request looks
// its key up.
func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := s.store.RevokeAPIKey(r.Context(), id, s.now()); errors.Is(err, model.ErrNotFound) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/keys", say("flash.apikey-revoked"))
}
