package admin

import (
	"encoding/base32"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"vigil/internal/httpx"
	"vigil/internal/model"
	"vigil/internal/secret"
)

// Limits on what a sign-in form may carry.
const (
	maxEmailLen    = 254
	maxPasswordLen = 1024
)

type loginForm struct {
	Email, Next string
	Error       any // a msg; nil: none
}

func (s *Server) toDashboard(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, say("error.no-such-page"))
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", "title.signin", loginForm{Next: safeNext(r.URL.Query().Get("next"))})
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
// accounts. What a flood of sign-ins may cost is bounded before any
// password is hashed (httpx.SigninGate).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.readLoginForm(w, r) {
		return
	}
	form := loginForm{Email: strings.TrimSpace(r.PostForm.Get("email")), Next: safeNext(r.PostForm.Get("next"))}
	password := r.PostForm.Get("password")
	if len(form.Email) > maxEmailLen || len(password) > maxPasswordLen {
		form.Email = ""
		form.Error = say("form.signin.too-long")
		s.render(w, r, http.StatusBadRequest, "login", "title.signin", form)
		return
	}
	refuse := func(err error) {
		status, msg := signinRefusal(w, err)
		form.Error = msg
		s.render(w, r, status, "login", "title.signin", form)
	}
	network := s.clientNetwork(r)
	attempt, err := s.signins.Admit(network, s.now())
	if err != nil {
		refuse(err)
		return
	}
	defer attempt.End()
	now := s.now()
	user, err := s.store.StaffUserByEmail(r.Context(), form.Email)
	known := err == nil
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	var lockedUntil time.Time
	if known {
		if lockedUntil, err = s.store.LoginLock(r.Context(), user.ID, s.networkKey(network), now); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if err := attempt.StartHashing(r.Context()); err != nil {
		refuse(err)
		return
	}
	wrong := func() {
		attempt.Failed()
		form.Error = say("form.signin.wrong")
		s.render(w, r, http.StatusUnauthorized, "login", "title.signin", form)
	}
	if !known || user.Disabled || now.Before(lockedUntil) {
		s.burnPasswordTime(password)
		attempt.StopHashing()
		wrong()
		return
	}
	ok, rehash, err := s.checkPassword(user.PasswordHash, password)
	if err != nil {
		s.log.Error("stored password hash unreadable", "user", user.ID, "err", err)
	}
	if ok && rehash {
		if hash, err := secret.HashPassword(password); err == nil {
			user.PasswordHash = hash
			// Not through UpdateStaffUser: a stronger hash of the same
			// password must not end the session being made.
			if err := s.store.RehashPassword(r.Context(), user.ID, hash); err != nil {
				s.log.Warn("rehashing a password", "user", user.ID, "err", err)
			}
		}
	}
	attempt.StopHashing()
	if !ok {
		if until, err := s.store.LoginFailed(r.Context(), user.ID, s.networkKey(network), now); err != nil {
			s.serverError(w, r, err)
			return
		} else if !until.IsZero() {
			s.log.Warn("staff account locked for one client network after failed sign-ins", "user", user.ID, "until", until)
		}
		wrong()
		return
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
		if err := s.store.LoginSucceeded(r.Context(), user.ID, s.networkKey(network), now); err != nil {
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

// readLoginForm reads the sign-in form, which is not behind the staff
// guard that reads the others, within its size: one too large is answered
// 413, not read as empty and counted as a wrong password.
func (s *Server) readLoginForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInBody)
	_, err := readForm(w, r)
	if err == nil {
		return true
	}
	form, status := loginForm{Next: "/admin/", Error: say("form.signin.unreadable")}, http.StatusBadRequest
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		form.Error, status = say("form.signin.too-large"), http.StatusRequestEntityTooLarge
	}
	s.render(w, r, status, "login", "title.signin", form)
	return false
}

// maxSignInBody is what a sign-in form may weigh: an email, a password
// and where to go next.
const maxSignInBody = 8 << 10

// checkPassword and burnPasswordTime are secret's, or a test's stand-in
// that holds a check for as long as the test needs.
func (s *Server) checkPassword(hash, password string) (ok, rehash bool, err error) {
	if s.testCheckPassword != nil {
		return s.testCheckPassword(hash, password)
	}
	return secret.CheckPassword(hash, password)
}

func (s *Server) burnPasswordTime(password string) {
	if s.testCheckPassword != nil {
		s.testCheckPassword("", password)
		return
	}
	secret.BurnPasswordTime(password)
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
	Next  string
	Error any // a msg; nil: none
}

func (s *Server) codePage(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if sess.Verified || sess.User.TOTPSecret == nil {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "code", "title.code", codeForm{Next: safeNext(r.URL.Query().Get("next"))})
}

// code checks the second factor; a code works once, and failures count
// towards the account's lock for the client's network like wrong
// passwords.
func (s *Server) code(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	form := codeForm{Next: safeNext(r.PostFormValue("next"))}
	if sess.Verified || sess.User.TOTPSecret == nil {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	now := s.now()
	network := s.clientNetwork(r)
	attempt, err := s.signins.Admit(network, now)
	if err != nil {
		status, msg := signinRefusal(w, err)
		form.Error = msg
		s.render(w, r, status, "code", "title.code", form)
		return
	}
	defer attempt.End()
	lockedUntil, err := s.store.LoginLock(r.Context(), sess.User.ID, s.networkKey(network), now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if now.Before(lockedUntil) {
		attempt.Failed()
		form.Error = say("form.code.too-many")
		s.render(w, r, http.StatusTooManyRequests, "code", "title.code", form)
		return
	}
	step, ok := secret.CheckTOTP(sess.User.TOTPSecret, r.PostFormValue("code"), now, sess.User.TOTPStep)
	if ok {
		if ok, err = s.store.UseTOTPStep(r.Context(), sess.User.ID, step); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if !ok {
		attempt.Failed()
		if _, err := s.store.LoginFailed(r.Context(), sess.User.ID, s.networkKey(network), now); err != nil {
			s.serverError(w, r, err)
			return
		}
		form.Error = say("form.code.wrong")
		s.render(w, r, http.StatusUnauthorized, "code", "title.code", form)
		return
	}
	if err := s.store.LoginSucceeded(r.Context(), sess.User.ID, s.networkKey(network), now); err != nil {
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
	s.redirectDone(w, r, "/admin/login", say("flash.signed-out"))
}

func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if err := s.store.DeleteSessionsOf(r.Context(), sess.User.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.clearCookie(w)
	s.redirectDone(w, r, "/admin/login", say("flash.signed-out-everywhere"))
}

type accountData struct {
	PasswordError any // a msg; nil: none
	LanguageError any // a msg; nil: none
	Required      bool
	Languages     []string // the staff languages to choose from
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
	d.Languages = s.staff.Languages()
	s.render(w, r, status, "account", "title.account", d)
}

// setLanguage changes the language the staff member reads the admin in,
// from the next page on.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !s.staff.Has(lang) {
		s.renderAccount(w, r, http.StatusBadRequest, accountData{LanguageError: say("form.language")})
		return
	}
	if err := s.store.SetStaffLanguage(r.Context(), sessionOf(r).User.ID, lang); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/account", say("flash.language-set"))
}

// changePassword needs the current password too, so a session left open
// on a shared computer cannot take the account over.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	current, next := r.PostFormValue("current"), r.PostFormValue("new")
	attempt, problem, err := s.checkOwnPassword(w, r, current)
	defer attempt.End()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if problem != nil {
		s.renderAccount(w, r, problem.status, accountData{PasswordError: problem.message})
		return
	}
	if err := secret.CheckPasswordPolicy(next); err != nil {
		s.renderAccount(w, r, http.StatusBadRequest, accountData{PasswordError: passwordRefusal(err)})
		return
	}
	if next != r.PostFormValue("repeat") {
		s.renderAccount(w, r, http.StatusBadRequest, accountData{PasswordError: say("form.password.differ")})
		return
	}
	hash, err := secret.HashPassword(next) // in the slot taken for the check
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
	s.redirectDone(w, r, "/admin/login", say("flash.password-changed"))
}

// formProblem is why a form was not accepted, for its page to say.
type formProblem struct {
	status  int
	message msg
}

// checkOwnPassword checks the password of the session's user as the door
// does: admitted per client network, the account's lock for that network
// honoured, a wrong one counted towards it, so a session left open cannot
// be used to guess the password. A problem says what to show. The caller
// ends the attempt (nil-safe); until then it holds the hashing slot, so a
// new password can be hashed in it, and can count a further failure (a
// wrong code) against the same token.
func (s *Server) checkOwnPassword(w http.ResponseWriter, r *http.Request, password string) (*httpx.Signin, *formProblem, error) {
	sess := sessionOf(r)
	now := s.now()
	network := s.clientNetwork(r)
	attempt, err := s.signins.Admit(network, now)
	if err != nil {
		status, msg := signinRefusal(w, err)
		return nil, &formProblem{status, msg}, nil
	}
	lockedUntil, err := s.store.LoginLock(r.Context(), sess.User.ID, s.networkKey(network), now)
	if err != nil {
		return attempt, nil, err
	}
	if now.Before(lockedUntil) {
		attempt.Failed()
		return attempt, &formProblem{http.StatusTooManyRequests, say("form.password.too-many")}, nil
	}
	if err := attempt.StartHashing(r.Context()); err != nil {
		status, msg := signinRefusal(w, err)
		return attempt, &formProblem{status, msg}, nil
	}
	if ok, _, _ := s.checkPassword(sess.User.PasswordHash, password); !ok {
		if err := s.ownFailure(r, attempt); err != nil {
			return attempt, nil, err
		}
		return attempt, &formProblem{http.StatusBadRequest, say("form.password.wrong")}, nil
	}
	return attempt, nil, nil
}

// ownFailure counts a wrong password or code given by a signed-in user,
// as at the door.
func (s *Server) ownFailure(r *http.Request, attempt *httpx.Signin) error {
	attempt.Failed()
	_, err := s.store.LoginFailed(r.Context(), sessionOf(r).User.ID, s.networkKey(s.clientNetwork(r)), s.now())
	return err
}

type totpData struct {
	Secret            string
	Error             any          // a msg; nil: none
	URI               template.URL // otpauth:, built from escaped parts
	Required, Enabled bool
}

// totpPage offers a new secret to set up (or replace) the second factor.
// The secret travels in the form, so nothing is stored until a code made
// from it is entered.
func (s *Server) totpPage(w http.ResponseWriter, r *http.Request) {
	s.renderTOTP(w, r, http.StatusOK, secret.NewTOTPSecret(), nil)
}

func (s *Server) renderTOTP(w http.ResponseWriter, r *http.Request, status int, key []byte, problem any) {
	sess := sessionOf(r)
	required, err := s.requireTOTP(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := totpData{Secret: secret.TOTPSecretText(key), URI: template.URL(secret.TOTPURI("Vigil", sess.User.Email, key)),
		Error: problem, Required: required, Enabled: sess.User.TOTPSecret != nil}
	s.render(w, r, status, "totp", "title.totp", d)
}

// setUpTOTP turns the second factor on, or moves it to a new device. It
// needs the account's password, and to replace a factor a code from the
// current one too, so that a session left open cannot tie the account to
// someone else's device; the account's other sessions end.
func (s *Server) setUpTOTP(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if !sess.Verified && sess.User.TOTPSecret != nil {
		// Replacing a second factor needs the current one first.
		http.Redirect(w, r, "/admin/login/code", http.StatusSeeOther)
		return
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(r.PostFormValue("secret"))
	if err != nil || len(key) != len(secret.NewTOTPSecret()) {
		s.renderTOTP(w, r, http.StatusBadRequest, secret.NewTOTPSecret(), say("form.totp.altered"))
		return
	}
	now := s.now()
	// The new device's code first: a slip there is no guess at anything.
	step, ok := secret.CheckTOTP(key, r.PostFormValue("code"), now, 0)
	if !ok {
		s.renderTOTP(w, r, http.StatusBadRequest, key, say("form.totp.mismatch"))
		return
	}
	attempt, problem, err := s.checkOwnPassword(w, r, r.PostFormValue("password"))
	defer attempt.End()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if problem != nil {
		s.renderTOTP(w, r, problem.status, key, problem.message)
		return
	}
	attempt.StopHashing()
	u := sess.User
	if u.TOTPSecret != nil {
		current, ok := secret.CheckTOTP(u.TOTPSecret, r.PostFormValue("current_code"), now, u.TOTPStep)
		if ok {
			if ok, err = s.store.UseTOTPStep(r.Context(), u.ID, current); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		if !ok {
			if err := s.ownFailure(r, attempt); err != nil {
				s.serverError(w, r, err)
				return
			}
			s.renderTOTP(w, r, http.StatusBadRequest, key, say("form.totp.current-wrong"))
			return
		}
	}
	// Ends every session of the account: none made before outlives it.
	if err := s.store.SetStaffTOTP(r.Context(), u.ID, key); err != nil {
		s.serverError(w, r, err)
		return
	}
	if _, err := s.store.UseTOTPStep(r.Context(), u.ID, step); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.store.LoginSucceeded(r.Context(), u.ID, s.networkKey(s.clientNetwork(r)), now); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.startSession(w, r, u.ID, true); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectDone(w, r, "/admin/account", say("flash.totp-set"))
}
