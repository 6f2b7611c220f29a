package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/secret"
)

type usersData struct {
	Users       []model.StaffUser
	Locked      map[int64]time.Time // accounts locked from some client network, until when
	Roles       []model.Role
	Languages   []string // the staff languages an account may read the admin in
	Form        userForm
	RequireTOTP bool
	Controller  model.Controller // who is responsible for supporters' data, shown on /privacy
}

type userForm struct {
	Email  string
	Role   model.Role
	Lang   string
	Errors map[string]any // field -> msg
	// Controller is the controller's details as typed, when they were
	// refused; nil: as saved.
	Controller *model.Controller
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, userForm{Role: model.RoleViewer, Lang: s.languageOf(r)})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, form userForm) {
	users, err := s.store.StaffUsers(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	locked, err := s.store.LockedStaff(r.Context(), s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	required, err := s.requireTOTP(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := usersData{Users: users, Locked: locked, Roles: model.Roles, Form: form,
		Languages:   s.staff.Languages(),
		RequireTOTP: required}
	if form.Controller != nil {
		data.Controller = *form.Controller
	} else {
		for _, f := range controllerFields(&data.Controller) {
			if *f.value, err = s.store.Setting(r.Context(), f.key); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
	}
	s.render(w, r, status, "users", "title.staff", data)
}

// controllerField is one setting of the controller's details, with the
// form field it is typed in and its longest length.
type controllerField struct {
	key, field string
	max        int
	value      *string
}

func controllerFields(c *model.Controller) []controllerField {
	return []controllerField{
		{model.SettingControllerName, "controller_name", 200, &c.Name},
		{model.SettingControllerAddress, "controller_address", 1000, &c.Address},
		{model.SettingControllerContact, "controller_contact", 300, &c.Contact},
		{model.SettingControllerFinance, "controller_finance", 500, &c.Finance},
	}
}

// addUser creates an account with a first password the admin hands over;
// its owner changes it on their account page.
func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	form := userForm{Email: strings.TrimSpace(r.PostFormValue("email")), Role: model.Role(r.PostFormValue("role")),
		Lang: r.PostFormValue("lang"), Errors: map[string]any{}}
	password := r.PostFormValue("password")
	email, err := secret.NormaliseEmail(form.Email)
	if err != nil {
		form.Errors["email"] = say("form.user.email")
	}
	if !form.Role.Valid() {
		form.Errors["role"] = say("form.user.role")
	}
	if form.Lang == "" {
		form.Lang = i18n.Default
	} else if !s.staff.Has(form.Lang) {
		form.Errors["lang"] = say("form.language")
	}
	if err := secret.CheckPasswordPolicy(password); err != nil {
		form.Errors["password"] = passwordRefusal(err)
	}
	if len(form.Errors) > 0 {
		s.renderUsers(w, r, http.StatusBadRequest, form)
		return
	}
	if !s.signins.StartHashing(r.Context()) {
		form.Errors["password"] = say("form.user.busy")
		s.renderUsers(w, r, http.StatusServiceUnavailable, form)
		return
	}
	hash, err := secret.HashPassword(password)
	s.signins.DoneHashing()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u := model.StaffUser{Email: email, Role: form.Role, Lang: form.Lang, PasswordHash: hash, Created: s.now()}
	if err := s.store.CreateStaffUser(r.Context(), &u); errors.Is(err, model.ErrConflict) {
		form.Errors["email"] = say("form.user.taken")
		s.renderUsers(w, r, http.StatusConflict, form)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/users", say("flash.user-added", "Email", email))
}

// updateUser changes a role, disables or enables an account, removes its
// second factor (for a lost phone), or unlocks it after failed sign-ins.
// An admin cannot lock themselves out: their own role and access stay.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	u, err := s.store.StaffUser(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me := sessionOf(r).User
	switch r.PostFormValue("do") {
	case "role":
		role := model.Role(r.PostFormValue("role"))
		if !role.Valid() || u.ID == me.ID {
			s.renderUsers(w, r, http.StatusBadRequest, userForm{Errors: map[string]any{"list": say("form.user.own-role")}})
			return
		}
		u.Role = role
	case "disable":
		if u.ID == me.ID {
			s.renderUsers(w, r, http.StatusBadRequest, userForm{Errors: map[string]any{"list": say("form.user.own-disable")}})
			return
		}
		u.Disabled = true
	case "enable":
		u.Disabled = false
	case "reset-totp":
		u.TOTPSecret = nil
	case "unlock":
		// Forgets the failed sign-ins from every network (audited);
		// nothing else of the account changes.
		if err := s.store.UnlockStaffUser(r.Context(), u.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		s.redirectDone(w, r, "/admin/users", say("flash.user-unlocked", "Email", u.Email))
		return
	default:
		s.renderUsers(w, r, http.StatusBadRequest, userForm{Errors: map[string]any{"list": say("form.user.unknown-change")}})
		return
	}
	if err := s.store.UpdateStaffUser(r.Context(), u); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/users", say("flash.user-changed", "Email", u.Email))
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("part") == "controller" {
		s.saveController(w, r)
		return
	}
	value := ""
	if r.PostFormValue("require_totp") == "yes" {
		value = "yes"
	}
	if err := s.store.SetSetting(r.Context(), SettingRequireTOTP, value); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/users", say("flash.settings-saved"))
}

// saveController saves who is responsible for supporters' data, as
// /privacy shows it. A field too long is refused beside it, the values
// kept.
func (s *Server) saveController(w http.ResponseWriter, r *http.Request) {
	var typed model.Controller
	errs := map[string]any{}
	fields := controllerFields(&typed)
	for _, f := range fields {
		*f.value = strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(f.field), "\r\n", "\n"))
		if len([]rune(*f.value)) > f.max || !utf8.ValidString(*f.value) {
			errs[f.field] = say("form.controller.too-long", "Max", f.max)
		}
	}
	if len(errs) > 0 {
		s.renderUsers(w, r, http.StatusUnprocessableEntity, userForm{Role: model.RoleViewer, Lang: s.languageOf(r), Errors: errs, Controller: &typed})
		return
	}
	for _, f := range fields {
		if err := s.store.SetSetting(r.Context(), f.key, *f.value); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.redirectDone(w, r, "/admin/users", say("flash.settings-saved"))
}
