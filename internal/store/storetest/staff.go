package storetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// RunStaff runs the conformance tests of staff accounts, sessions,
// settings and the audit log.
func RunStaff(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"AccountRoundTrip", testStaffRoundTrip},
		{"LoginLocks", testLoginLocks},
		{"TOTPStepUsedOnce", testTOTPStepUsedOnce},
		{"PasswordAndTOTPAlone", testPasswordAndTOTPAlone},
		{"Sessions", testSessions},
		{"ChangesEndSessions", testChangesEndSessions},
		{"SettingsAndAudit", testSettingsAndAudit},
		{"Language", testStaffLanguage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var admin = model.Actor{UserID: 0, Email: "cli", IPHash: "", At: day(2026, 2, 1)}

func addStaff(t *testing.T, s Store, email string, role model.Role) model.StaffUser {
	t.Helper()
	u := model.StaffUser{Email: email, Role: role, PasswordHash: "$argon2id$test", Created: time.Now()}
	if err := s.CreateStaffUser(store.WithActor(ctx, admin), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func testStaffRoundTrip(t *testing.T, s Store) {
	u := addStaff(t, s, "Editor@Example.org", model.RoleEditor)
	got, err := s.StaffUserByEmail(ctx, "editor@example.ORG")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Email != "editor@example.org" || got.Role != model.RoleEditor || got.TOTPSecret != nil {
		t.Errorf("got %+v", got)
	}
	dup := model.StaffUser{Email: "editor@example.org", Role: model.RoleViewer, PasswordHash: "x", Created: admin.At}
	if err := s.CreateStaffUser(ctx, &dup); !errors.Is(err, model.ErrConflict) {
		t.Errorf("same email again: %v, want ErrConflict", err)
	}
	if err := s.CreateStaffUser(ctx, &model.StaffUser{Email: "x@example.org", Role: "owner"}); err == nil {
		t.Error("unknown role stored")
	}
	// The second factor is sealed and comes back as it was.
	got.TOTPSecret = []byte("12345678901234567890")
	if err := s.UpdateStaffUser(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := s.StaffUser(ctx, u.ID)
	if err != nil || !bytes.Equal(again.TOTPSecret, got.TOTPSecret) {
		t.Errorf("totp after update: %q, %v", again.TOTPSecret, err)
	}
	if _, err := s.StaffUser(ctx, u.ID+100); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	all, err := s.StaffUsers(ctx)
	if err != nil || len(all) != 1 {
		t.Errorf("StaffUsers = %d, %v", len(all), err)
	}
}

func testLoginLocks(t *testing.T, s Store) {
	u := addStaff(t, s, "a@example.org", model.RoleViewer)
	other := addStaff(t, s, "other@example.org", model.RoleViewer)
	guesser, office := []byte("guesser network"), []byte("office network")
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for i := 1; i < store.LockAfter; i++ {
		until, err := s.LoginFailed(ctx, u.ID, guesser, now)
		if err != nil || !until.IsZero() {
			t.Fatalf("failure %d: locked until %v, %v", i, until, err)
		}
	}
	until, err := s.LoginFailed(ctx, u.ID, guesser, now)
	if err != nil || !until.Equal(now.Add(time.Minute)) {
		t.Fatalf("failure %d: locked until %v, %v; want a minute", store.LockAfter, until, err)
	}
	until, _ = s.LoginFailed(ctx, u.ID, guesser, now)
	if !until.Equal(now.Add(2 * time.Minute)) {
		t.Errorf("next failure: locked until %v, want two minutes", until)
	}
	lock := func(user int64, network []byte, at time.Time) time.Time {
		t.Helper()
		until, err := s.LoginLock(ctx, user, network, at)
		if err != nil {
			t.Fatal(err)
		}
		return until
	}
	if got := lock(u.ID, guesser, now); !got.Equal(until) {
		t.Errorf("lock from the guesser's network: %v, want %v", got, until)
	}
	// The owner's network, and the other account, are not locked.
	if got := lock(u.ID, office, now); !got.IsZero() {
		t.Errorf("lock from another network: %v, want none", got)
	}
	if got := lock(other.ID, guesser, now); !got.IsZero() {
		t.Errorf("another account: locked until %v", got)
	}
	if got := lock(u.ID, guesser, until); !got.IsZero() {
		t.Errorf("lock at its end: %v, want none", got)
	}
	if locked, err := s.LockedStaff(ctx, now); err != nil || len(locked) != 1 || !locked[u.ID].Equal(until) {
		t.Errorf("LockedStaff = %v, %v", locked, err)
	}
	// The owner signs in from the office: the guesser's count stays.
	if _, err := s.LoginFailed(ctx, u.ID, office, now); err != nil {
		t.Fatal(err)
	}
	if err := s.LoginSucceeded(ctx, u.ID, office, now); err != nil {
		t.Fatal(err)
	}
	got, _ := s.StaffUser(ctx, u.ID)
	if !got.LastLogin.Equal(now) {
		t.Errorf("last sign-in: %v", got.LastLogin)
	}
	if got := lock(u.ID, guesser, now); !got.Equal(until) {
		t.Errorf("a sign-in from the office ended the guesser's lock: %v", got)
	}
	later := now.Add(time.Hour)
	if until, _ := s.LoginFailed(ctx, u.ID, guesser, later); !until.Equal(later.Add(4 * time.Minute)) {
		t.Errorf("the guesser again: locked until %v, want four minutes", until)
	}
	// A quiet day: the count starts again.
	dayAfter := later.Add(25 * time.Hour)
	if until, _ := s.LoginFailed(ctx, u.ID, guesser, dayAfter); !until.IsZero() {
		t.Errorf("a day after the last failure: locked until %v, want the count restarted", until)
	}
	// An admin unlocks the account everywhere, and it is audited.
	for range store.LockAfter {
		s.LoginFailed(ctx, u.ID, office, dayAfter)
	}
	if lock(u.ID, office, dayAfter).IsZero() {
		t.Fatal("not locked before the unlock")
	}
	actor := model.Actor{UserID: other.ID, Email: other.Email, At: dayAfter}
	if err := s.UnlockStaffUser(store.WithActor(ctx, actor), u.ID); err != nil {
		t.Fatal(err)
	}
	if !lock(u.ID, office, dayAfter).IsZero() || !lock(u.ID, guesser, dayAfter).IsZero() {
		t.Error("still locked after the unlock")
	}
	if until, _ := s.LoginFailed(ctx, u.ID, office, dayAfter); !until.IsZero() {
		t.Errorf("first failure after the unlock: locked until %v", until)
	}
	if locked, _ := s.LockedStaff(ctx, dayAfter); len(locked) != 0 {
		t.Errorf("locked after the unlock: %v", locked)
	}
	log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "user.unlock"})
	if len(log) != 1 || log[0].ObjectID != u.ID || log[0].UserEmail != other.Email {
		t.Errorf("unlock audit: %+v", log)
	}
	if err := s.UnlockStaffUser(ctx, u.ID+100); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unlocking no account: %v, want ErrNotFound", err)
	}
}

func testPasswordAndTOTPAlone(t *testing.T, s Store) {
	u := addStaff(t, s, "f@example.org", model.RoleEditor)
	now := time.Now()
	h := bytes.Repeat([]byte{9}, 32)
	s.CreateSession(ctx, model.StaffSession{TokenHash: h, UserID: u.ID, Created: now, LastSeen: now})
	// An admin disables the account while its owner changes the password:
	// the password change must not bring the account back.
	u.Disabled = true
	if err := s.UpdateStaffUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStaffPassword(ctx, u.ID, "$argon2id$new"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStaffTOTP(ctx, u.ID, []byte("12345678901234567890")); err != nil {
		t.Fatal(err)
	}
	got, _ := s.StaffUser(ctx, u.ID)
	if !got.Disabled || got.PasswordHash != "$argon2id$new" || got.TOTPSecret == nil || got.Role != model.RoleEditor {
		t.Errorf("after password and second factor: %+v", got)
	}
	if _, err := s.Session(ctx, h, now, time.Hour, time.Hour); err == nil {
		t.Error("a session outlived a password change")
	}
	// Moving the second factor to a new device ends the sessions too.
	got.Disabled = false
	if err := s.UpdateStaffUser(ctx, got); err != nil {
		t.Fatal(err)
	}
	s.CreateSession(ctx, model.StaffSession{TokenHash: h, UserID: u.ID, Created: now, LastSeen: now})
	if err := s.SetStaffTOTP(ctx, u.ID, []byte("09876543210987654321")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, h, now, time.Hour, time.Hour); err == nil {
		t.Error("a session outlived a change of second factor")
	}
}

func testTOTPStepUsedOnce(t *testing.T, s Store) {
	u := addStaff(t, s, "b@example.org", model.RoleAdmin)
	for _, c := range []struct {
		step int64
		ok   bool
	}{{100, true}, {100, false}, {99, false}, {101, true}} {
		ok, err := s.UseTOTPStep(ctx, u.ID, c.step)
		if err != nil || ok != c.ok {
			t.Errorf("step %d: %v, %v; want %v", c.step, ok, err, c.ok)
		}
	}
}

func testSessions(t *testing.T, s Store) {
	u := addStaff(t, s, "c@example.org", model.RoleEditor)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	hash := bytes.Repeat([]byte{7}, 32)
	if err := s.CreateSession(ctx, model.StaffSession{TokenHash: hash, UserID: u.ID, Verified: true, Created: now, LastSeen: now}); err != nil {
		t.Fatal(err)
	}
	idle, maxAge := 2*time.Hour, 12*time.Hour
	got, err := s.Session(ctx, hash, now.Add(90*time.Minute), idle, maxAge)
	if err != nil || got.User.Email != "c@example.org" || !got.Verified {
		t.Fatalf("session: %+v, %v", got, err)
	}
	// Seen at 90 minutes: still alive at 3 hours, idle for 90 minutes.
	if _, err := s.Session(ctx, hash, now.Add(3*time.Hour), idle, maxAge); err != nil {
		t.Errorf("seen recently: %v", err)
	}
	if _, err := s.Session(ctx, hash, now.Add(5*time.Hour+time.Second), idle, maxAge); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("idle over two hours: %v, want ErrNotFound", err)
	}
	// Gone for good, even asked with an earlier clock.
	if _, err := s.Session(ctx, hash, now, idle, maxAge); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("expired session came back: %v", err)
	}
	// However busy, a session ends after maxAge.
	hash2 := bytes.Repeat([]byte{8}, 32)
	s.CreateSession(ctx, model.StaffSession{TokenHash: hash2, UserID: u.ID, Created: now, LastSeen: now})
	for h := time.Duration(1); h <= 12; h++ {
		if _, err := s.Session(ctx, hash2, now.Add(h*time.Hour), idle, maxAge); err != nil {
			t.Fatalf("busy session at %dh: %v", h, err)
		}
	}
	if _, err := s.Session(ctx, hash2, now.Add(12*time.Hour+time.Minute), idle, maxAge); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("session past its maximum age: %v", err)
	}
	s.CreateSession(ctx, model.StaffSession{TokenHash: hash, UserID: u.ID, Created: now, LastSeen: now})
	s.CreateSession(ctx, model.StaffSession{TokenHash: hash2, UserID: u.ID, Created: now, LastSeen: now})
	if err := s.DeleteSessionsOf(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, h := range [][]byte{hash, hash2} {
		if _, err := s.Session(ctx, h, now, idle, maxAge); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("after signing out everywhere: %v", err)
		}
	}
}

func testChangesEndSessions(t *testing.T, s Store) {
	u := addStaff(t, s, "d@example.org", model.RoleEditor)
	now := time.Now()
	session := func(b byte) []byte {
		h := bytes.Repeat([]byte{b}, 32)
		if err := s.CreateSession(ctx, model.StaffSession{TokenHash: h, UserID: u.ID, Created: now, LastSeen: now}); err != nil {
			t.Fatal(err)
		}
		return h
	}
	alive := func(h []byte) bool {
		_, err := s.Session(ctx, h, now, time.Hour, time.Hour)
		return err == nil
	}
	h := session(1)
	u.TOTPSecret = []byte("secret-secret-secret")
	s.UpdateStaffUser(ctx, u)
	if !alive(h) {
		t.Error("setting up a second factor ended the session")
	}
	for _, change := range []func(*model.StaffUser){
		func(u *model.StaffUser) { u.Role = model.RoleViewer },
		func(u *model.StaffUser) { u.PasswordHash = "$argon2id$other" },
		func(u *model.StaffUser) { u.TOTPSecret = nil }, // a lost phone: its sessions go too
		func(u *model.StaffUser) { u.Disabled = true },
	} {
		h := session(2)
		change(&u)
		if err := s.UpdateStaffUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if alive(h) {
			t.Errorf("session outlived a change to %+v", u)
		}
	}
}

func testSettingsAndAudit(t *testing.T, s Store) {
	u := addStaff(t, s, "e@example.org", model.RoleAdmin)
	if v, err := s.Setting(ctx, "require-totp"); err != nil || v != "" {
		t.Errorf("unset setting: %q, %v", v, err)
	}
	actor := model.Actor{UserID: u.ID, Email: u.Email, IPHash: "abc", At: day(2026, 2, 1)}
	if err := s.SetSetting(store.WithActor(ctx, actor), "require-totp", "yes"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Setting(ctx, "require-totp"); v != "yes" {
		t.Errorf("setting = %q", v)
	}
	s.SetSetting(ctx, "require-totp", "") // no actor: not audited
	if err := s.RecordAudit(ctx, model.AuditEntry{At: admin.At, UserID: u.ID, UserEmail: u.Email, Action: "records.read",
		ObjectType: "case", ObjectID: 7}); err != nil {
		t.Fatal(err)
	}
	all, err := s.AuditLog(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range all {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); got != "records.read setting.save user.add" {
		t.Errorf("audit log, newest first: %s", got)
	}
	set := all[1]
	if set.UserEmail != u.Email || set.UserID != u.ID || set.IPHash != "abc" || set.At.IsZero() ||
		!strings.Contains(set.After, `"yes"`) || set.Before != `{"require-totp":""}` {
		t.Errorf("setting entry: %+v", set)
	}
	if add := all[2]; strings.Contains(add.After, "argon2") || !strings.Contains(add.After, "e@example.org") {
		t.Errorf("account entry must name the account, never its password hash: %s", add.After)
	}
	for _, c := range []struct {
		f    store.AuditFilter
		want int
	}{
		{store.AuditFilter{Action: "user."}, 1},
		{store.AuditFilter{Action: "user_"}, 0},
		{store.AuditFilter{UserEmail: "E@example.org"}, 2},
		{store.AuditFilter{ObjectType: "case", ObjectID: 7}, 1},
		{store.AuditFilter{Before: all[1].ID}, 1},
		{store.AuditFilter{Limit: 1}, 1},
	} {
		got, err := s.AuditLog(ctx, c.f)
		if err != nil || len(got) != c.want {
			t.Errorf("AuditLog(%+v) = %d entries, %v; want %d", c.f, len(got), err, c.want)
		}
	}
}

// testStaffLanguage checks the language an account reads the staff pages
// in: English unless given, kept with the account wherever it is read,
// changed alone (no session ends) and audited.
func testStaffLanguage(t *testing.T, s Store) {
	plain := addStaff(t, s, "g@example.org", model.RoleEditor)
	if got, _ := s.StaffUser(ctx, plain.ID); got.Lang != "en" {
		t.Errorf("an account made without a language reads %q, want en", got.Lang)
	}
	es := model.StaffUser{Email: "h@example.org", Role: model.RoleViewer, PasswordHash: "$argon2id$test", Lang: "es", Created: day(2026, 2, 1)}
	if err := s.CreateStaffUser(store.WithActor(ctx, admin), &es); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.StaffUserByEmail(ctx, "h@example.org"); got.Lang != "es" {
		t.Errorf("an account made in Spanish reads %q", got.Lang)
	}

	now := day(2026, 2, 2)
	h := bytes.Repeat([]byte{11}, 32)
	if err := s.CreateSession(ctx, model.StaffSession{TokenHash: h, UserID: plain.ID, Verified: true, Created: now, LastSeen: now}); err != nil {
		t.Fatal(err)
	}
	actor := model.Actor{UserID: plain.ID, Email: plain.Email, At: now}
	if err := s.SetStaffLanguage(store.WithActor(ctx, actor), plain.ID, "es"); err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session(ctx, h, now, time.Hour, time.Hour)
	if err != nil {
		t.Fatalf("changing the language ended the session: %v", err)
	}
	if sess.User.Lang != "es" || sess.User.Role != model.RoleEditor || sess.User.PasswordHash != "$argon2id$test" {
		t.Errorf("after choosing Spanish the session's user is %+v", sess.User)
	}
	users, err := s.StaffUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if want := map[string]string{"g@example.org": "es", "h@example.org": "es"}[u.Email]; want != "" && u.Lang != want {
			t.Errorf("the list reads %s's language as %q, want %q", u.Email, u.Lang, want)
		}
	}
	log, err := s.AuditLog(ctx, store.AuditFilter{Action: "user.language", ObjectID: plain.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].UserEmail != plain.Email || !strings.Contains(log[0].Before, `"en"`) || !strings.Contains(log[0].After, `"es"`) {
		t.Errorf("audit of the change: %+v", log)
	}
	if err := s.SetStaffLanguage(ctx, plain.ID+1000, "es"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("no such account: %v, want ErrNotFound", err)
	}
	if err := s.SetStaffLanguage(ctx, plain.ID, ""); err == nil {
		t.Error("an empty language was stored")
	}
}
