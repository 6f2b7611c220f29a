package admin

import (
	"encoding/base32"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"vigil/internal/model"
	"vigil/internal/secret"
)

// Limits on what a sign-in form may carry.
const (
	maxEmailLen    = 254
	maxPasswordLen = 1024
)

type loginForm struct {
	Email, Next, Error string
}

func (s *Server) toDashboard(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "There is no such page in the admin.")
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", "Sign in", loginForm{Next: safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps a post-sign-in destination inside the admin, so the sign-in
// page cannot be used to send someone elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin/"
	}
	return next
}

// login checks an email and password. Every failure gets the same answer
// after the same work, so the form does not tell which addresses have
// accounts.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	form := loginForm{Email: strings.TrimSpace(r.PostFormValue("email")), Next: safeNext(r.PostFormValue("next"))}
	password := r.PostFormValue("password")
	if s.site.LoginBlocked(r) {
		form.Error = "Too many sign-in attempts from your network. Wait a minute and try again."
		s.render(w, r, http.StatusTooManyRequests, "login", "Sign in", form)
		return
	}
	if len(form.Email) > maxEmailLen || len(password) > maxPasswordLen {
		form.Email = ""
		form.Error = "That email or password is too long."
		s.render(w, r, http.StatusBadRequest, "login", "Sign in", form)
		return
	}
	wrong := func() {
		s.site.LoginFailed(r)
		form.Error = "The email or password is wrong, or the account is locked after too many failed attempts. Try again in a few minutes."
		s.render(w, r, http.StatusUnauthorized, "login", "Sign in", form)
	}
	if !s.startHashing(r) {
		form.Error = "Too many people are signing in at once. Try again in a minute."
		s.render(w, r, http.StatusServiceUnavailable, "login", "Sign in", form)
		return
	}
	defer s.doneHashing()
	now := s.now()
	user, err := s.store.StaffUserByEmail(r.Context(), form.Email)
	if errors.Is(err, model.ErrNotFound) {
		secret.BurnPasswordTime(password)
		wrong()
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if user.Disabled || now.Before(user.LockedUntil) {
		secret.BurnPasswordTime(password)
		wrong()
		return
	}
	ok, rehash, err := secret.CheckPassword(user.PasswordHash, password)
	if err != nil {
		s.log.Error("stored password hash unreadable", "user", user.ID, "err", err)
	}
	if !ok {
		if until, err := s.store.LoginFailed(r.Context(), user.ID, now); err != nil {
			s.serverError(w, r, err)
			return
		} else if !until.IsZero() {
			s.log.Warn("staff account locked after failed sign-ins", "user", user.ID, "until", until)
		}
		wrong()
		return
	}
	if rehash {
		if hash, err := secret.HashPassword(password); err == nil {
			user.PasswordHash = hash
			// Not through UpdateStaffUser: a stronger hash of the same
			// password must not end the session being made.
			if err := s.store.RehashPassword(r.Context(), user.ID, hash); err != nil {
				s.log.Warn("rehashing a password", "user", user.ID, "err", err)
			}
		}
	}
	required, err := s.requireTOTP(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	verified := user.TOTPSecret == nil && !required
	if user.TOTPSecret == nil {
		// Signed in (or only a second factor to set up). With a second
		// factor to give, failures keep counting until the code is right.
		if err := s.store.LoginSucceeded(r.Context(), user.ID, now); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if err := s.startSession(w, r, user.ID, verified); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, user, "session.signin")
	if !verified {
		http.Redirect(w, r, s.secondFactorPath(r.Context(), user)+"?next="+urlQueryEscape(form.Next), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}

// audit records a sign-in or sign-out, which is no store write.
func (s *Server) audit(r *http.Request, user model.StaffUser, action string) {
	err := s.store.RecordAudit(r.Context(), model.AuditEntry{At: s.now(), UserID: user.ID, UserEmail: user.Email,
		Action: action, ObjectType: "user", ObjectID: user.ID, IPHash: s.ipHash(r)})
	if err != nil {
		s.log.Error("audit", "action", action, "err", err)
	}
}

type codeForm struct {
	Next, Error string
}

func (s *Server) codePage(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if sess.Verified || sess.User.TOTPSecret == nil {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "code", "Your code", codeForm{Next: safeNext(r.URL.Query().Get("next"))})
}

// code checks the second factor; a code works once, and failures count
// towards the account's lock like wrong passwords.
func (s *Server) code(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	form := codeForm{Next: safeNext(r.PostFormValue("next"))}
	if sess.Verified || sess.User.TOTPSecret == nil {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	now := s.now()
	if s.site.LoginBlocked(r) || now.Before(sess.User.LockedUntil) {
		form.Error = "Too many attempts. Wait a few minutes and try again."
		s.render(w, r, http.StatusTooManyRequests, "code", "Your code", form)
		return
	}
	step, ok := secret.CheckTOTP(sess.User.TOTPSecret, r.PostFormValue("code"), now, sess.User.TOTPStep)
	if ok {
		var err error
		if ok, err = s.store.UseTOTPStep(r.Context(), sess.User.ID, step); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if !ok {
		s.site.LoginFailed(r)
		if _, err := s.store.LoginFailed(r.Context(), sess.User.ID, now); err != nil {
			s.serverError(w, r, err)
			return
		}
		form.Error = "That code is wrong or was used already. Enter the code your app shows now."
		s.render(w, r, http.StatusUnauthorized, "code", "Your code", form)
		return
	}
	if err := s.store.LoginSucceeded(r.Context(), sess.User.ID, now); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.startSession(w, r, sess.User.ID, true); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if err := s.store.DeleteSession(r.Context(), sess.TokenHash); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, sess.User, "session.signout")
	s.clearCookie(w)
	s.redirectDone(w, r, "/admin/login", "You are signed out.")
}

func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if err := s.store.DeleteSessionsOf(r.Context(), sess.User.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.clearCookie(w)
	s.redirectDone(w, r, "/admin/login", "You are signed out on every device.")
}

type accountData struct {
	PasswordError string
	Required      bool
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, accountData{})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, d accountData) {
	var err error
	if d.Required, err = s.requireTOTP(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "account", "My account", d)
}

// changePassword needs the current password too, so a session left open
// on a shared computer cannot take the account over.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	current, next := r.PostFormValue("current"), r.PostFormValue("new")
	if s.site.LoginBlocked(r) || s.now().Before(sess.User.LockedUntil) {
		s.renderAccount(w, r, http.StatusTooManyRequests, accountData{PasswordError: "Too many wrong passwords. Wait a few minutes and try again."})
		return
	}
	if !s.startHashing(r) {
		s.renderAccount(w, r, http.StatusServiceUnavailable, accountData{PasswordError: "The server is busy. Try again in a minute."})
		return
	}
	defer s.doneHashing()
	if ok, _, _ := secret.CheckPassword(sess.User.PasswordHash, current); !ok {
		// Guessing the password of a session left open counts as failed
		// sign-ins: the account locks as at the door.
		s.site.LoginFailed(r)
		if _, err := s.store.LoginFailed(r.Context(), sess.User.ID, s.now()); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.renderAccount(w, r, http.StatusBadRequest, accountData{PasswordError: "Your current password is not right."})
		return
	}
	if err := secret.CheckPasswordPolicy(next); err != nil {
		s.renderAccount(w, r, http.StatusBadRequest, accountData{PasswordError: err.Error()})
		return
	}
	if next != r.PostFormValue("repeat") {
		s.renderAccount(w, r, http.StatusBadRequest, accountData{PasswordError: "The two new passwords differ."})
		return
	}
	hash, err := secret.HashPassword(next)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// Every session of the account ends, this one included; sign in again.
	if err := s.store.SetStaffPassword(r.Context(), sess.User.ID, hash); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.clearCookie(w)
	s.redirectDone(w, r, "/admin/login", "Password changed. Sign in with the new one; your other sessions have ended.")
}

type totpData struct {
	Secret, Error     string
	URI               template.URL // otpauth:, built from escaped parts
	Required, Enabled bool
}

// totpPage offers a new secret to set up (or replace) the second factor.
// The secret travels in the form, so nothing is stored until a code made
// from it is entered.
func (s *Server) totpPage(w http.ResponseWriter, r *http.Request) {
	s.renderTOTP(w, r, http.StatusOK, secret.NewTOTPSecret(), "")
}

func (s *Server) renderTOTP(w http.ResponseWriter, r *http.Request, status int, key []byte, msg string) {
	sess := sessionOf(r)
	required, err := s.requireTOTP(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := totpData{Secret: secret.TOTPSecretText(key), URI: template.URL(secret.TOTPURI("Vigil", sess.User.Email, key)),
		Error: msg, Required: required, Enabled: sess.User.TOTPSecret != nil}
	s.render(w, r, status, "totp", "Second factor", d)
}

func (s *Server) setUpTOTP(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if !sess.Verified && sess.User.TOTPSecret != nil {
		// Replacing a second factor needs the current one first.
		http.Redirect(w, r, "/admin/login/code", http.StatusSeeOther)
		return
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(r.PostFormValue("secret"))
	if err != nil || len(key) != len(secret.NewTOTPSecret()) {
		s.renderTOTP(w, r, http.StatusBadRequest, secret.NewTOTPSecret(), "That secret was altered; here is a new one.")
		return
	}
	step, ok := secret.CheckTOTP(key, r.PostFormValue("code"), s.now(), 0)
	if !ok {
		s.renderTOTP(w, r, http.StatusBadRequest, key, "That code does not match. Check your device's clock and enter the code it shows now.")
		return
	}
	u := sess.User
	if err := s.store.SetStaffTOTP(r.Context(), u.ID, key); err != nil {
		s.serverError(w, r, err)
		return
	}
	if _, err := s.store.UseTOTPStep(r.Context(), u.ID, step); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.store.LoginSucceeded(r.Context(), u.ID, s.now()); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.startSession(w, r, u.ID, true); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/account", "Second factor set up. You will be asked for a code at each sign-in.")
}
