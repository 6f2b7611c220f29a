package sqlcore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

const staffColumns = `id, email, role, password_hash, totp_sealed, totp_step, disabled, lang, created_at, last_login_at`

// staffView is what the audit log keeps of an account: never its password
// hash or second-factor secret.
type staffView struct {
	Email    string     `json:"email"`
	Role     model.Role `json:"role"`
	Disabled bool       `json:"disabled"`
	TOTP     bool       `json:"totp"`
	Lang     string     `json:"lang,omitempty"`
}

func viewOf(u model.StaffUser) staffView {
	return staffView{Email: u.Email, Role: u.Role, Disabled: u.Disabled, TOTP: u.TOTPSecret != nil, Lang: u.Lang}
}

func (c *Core) scanStaff(row interface{ Scan(...any) error }) (model.StaffUser, error) {
	var u model.StaffUser
	var sealed []byte
	err := row.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &sealed, &u.TOTPStep, &u.Disabled,
		&u.Lang, at(&u.Created), at(&u.LastLogin))
	if err != nil {
		return u, c.d.MapErr(err)
	}
	if sealed != nil {
		if u.TOTPSecret, err = c.keys.Open(sealed, secret.AD("staff_users", "totp_sealed", u.ID)); err != nil {
			return u, err
		}
	}
	return u, nil
}

// CreateStaffUser stores an account and sets its ID.
func (c *Core) CreateStaffUser(ctx context.Context, u *model.StaffUser) error {
	if !u.Role.Valid() {
		return c.errorf("create staff user: unknown role %q", u.Role)
	}
	u.Email = strings.ToLower(u.Email)
	u.Lang = cmp.Or(u.Lang, defaultStaffLang)
	if u.Created.IsZero() {
		return c.errorf("create staff user: %w", errNoTime)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO staff_users (email, role, password_hash, disabled, lang, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), u.Email, u.Role, u.PasswordHash, u.Disabled, u.Lang, c.instant(u.Created)).Scan(&u.ID)
		if err != nil {
			return c.d.MapErr(err)
		}
		if u.TOTPSecret != nil {
			if err := c.saveTOTP(ctx, tx, u.ID, u.TOTPSecret); err != nil {
				return err
			}
		}
		return c.audit(ctx, tx, "user.add", "user", u.ID, nil, viewOf(*u))
	})
	if err != nil {
		return c.errorf("create staff user %q: %w", u.Email, err)
	}
	return nil
}

func (c *Core) saveTOTP(ctx context.Context, tx *sql.Tx, id int64, totp []byte) error {
	var sealed []byte
	if totp != nil {
		sealed = c.keys.Seal(totp, secret.AD("staff_users", "totp_sealed", id))
	}
	_, err := tx.ExecContext(ctx, c.rebind(`UPDATE staff_users SET totp_sealed = ? WHERE id = ?`), sealed, id)
	return err
}

// StaffUserByEmail finds an account by email.
func (c *Core) StaffUserByEmail(ctx context.Context, email string) (model.StaffUser, error) {
	u, err := c.scanStaff(c.db.QueryRowContext(ctx, c.rebind(`SELECT `+staffColumns+` FROM staff_users WHERE email = ?`),
		strings.ToLower(email)))
	if err != nil {
		return u, c.errorf("staff user %q: %w", email, err)
	}
	return u, nil
}

// StaffUser finds an account by ID.
func (c *Core) StaffUser(ctx context.Context, id int64) (model.StaffUser, error) {
	u, err := c.scanStaff(c.db.QueryRowContext(ctx, c.rebind(`SELECT `+staffColumns+` FROM staff_users WHERE id = ?`), id))
	if err != nil {
		return u, c.errorf("staff user %d: %w", id, err)
	}
	return u, nil
}

// StaffUsers lists every account by email.
func (c *Core) StaffUsers(ctx context.Context) ([]model.StaffUser, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff_users ORDER BY email`)
	if err != nil {
		return nil, c.errorf("staff users: %w", err)
	}
	defer rows.Close()
	var out []model.StaffUser
	for rows.Next() {
		u, err := c.scanStaff(rows)
		if err != nil {
			return nil, c.errorf("staff users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateStaffUser saves role, disabled flag, password hash and second
// factor; a change of any but the second factor ends the user's sessions.
func (c *Core) UpdateStaffUser(ctx context.Context, u model.StaffUser) error {
	if !u.Role.Valid() {
		return c.errorf("update staff user: unknown role %q", u.Role)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		before, err := c.scanStaff(tx.QueryRowContext(ctx, c.rebind(`SELECT `+staffColumns+` FROM staff_users WHERE id = ?`), u.ID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE staff_users SET role = ?, disabled = ?, password_hash = ? WHERE id = ?`),
			u.Role, u.Disabled, u.PasswordHash, u.ID); err != nil {
			return err
		}
		if err := c.saveTOTP(ctx, tx, u.ID, u.TOTPSecret); err != nil {
			return err
		}
		if before.Role != u.Role || before.Disabled != u.Disabled || before.PasswordHash != u.PasswordHash ||
			(before.TOTPSecret != nil && u.TOTPSecret == nil) {
			if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM staff_sessions WHERE user_id = ?`), u.ID); err != nil {
				return err
			}
		}
		action := "user.update"
		if before.PasswordHash != u.PasswordHash {
			action = "user.password"
		}
		return c.audit(ctx, tx, action, "user", u.ID, viewOf(before), viewOf(u))
	})
	if err != nil {
		return c.errorf("update staff user %d: %w", u.ID, err)
	}
	return nil
}

// SetStaffPassword changes a password and ends the account's sessions.
func (c *Core) SetStaffPassword(ctx context.Context, userID int64, hash string) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, c.rebind(`UPDATE staff_users SET password_hash = ? WHERE id = ?`), hash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return model.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM staff_sessions WHERE user_id = ?`), userID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "user.password", "user", userID, nil, nil)
	})
	if err != nil {
		return c.errorf("set password of %d: %w", userID, err)
	}
	return nil
}

// SetStaffTOTP sets or removes an account's second factor and ends its
// sessions.
func (c *Core) SetStaffTOTP(ctx context.Context, userID int64, totp []byte) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if err := c.saveTOTP(ctx, tx, userID, totp); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM staff_sessions WHERE user_id = ?`), userID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "user.totp", "user", userID, nil, map[string]bool{"totp": totp != nil})
	})
	if err != nil {
		return c.errorf("set second factor of %d: %w", userID, err)
	}
	return nil
}

// defaultStaffLang is the language of an account made without one, as
// the column's default (migration 00019).
const defaultStaffLang = "en"

// SetStaffLanguage changes the language an account reads the staff pages
// in.
func (c *Core) SetStaffLanguage(ctx context.Context, userID int64, lang string) error {
	if lang == "" || len(lang) > 35 {
		return c.errorf("set language of %d: not a language code: %q", userID, lang)
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var before string
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT lang FROM staff_users WHERE id = ?`), userID).Scan(&before); err != nil {
			return c.d.MapErr(err)
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE staff_users SET lang = ? WHERE id = ?`), lang, userID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "user.language", "user", userID, map[string]string{"lang": before}, map[string]string{"lang": lang})
	})
	if err != nil {
		return c.errorf("set language of %d: %w", userID, err)
	}
	return nil
}

// RehashPassword stores a stronger hash of the same password.
func (c *Core) RehashPassword(ctx context.Context, userID int64, hash string) error {
	if _, err := c.write(ctx, c.rebind(`UPDATE staff_users SET password_hash = ? WHERE id = ?`), hash, userID); err != nil {
		return c.errorf("rehash password %d: %w", userID, err)
	}
	return nil
}

// Lock durations: one minute after store.LockAfter failures, doubling with
// each further failure, at most an hour.
const (
	firstLock = time.Minute
	maxLock   = time.Hour
)

// forgetFailuresAfter is how long a network's failed sign-ins are kept
// after its last one: an old typo does not leave anyone one slip from a
// lock, and the table holds only recent guessing.
const forgetFailuresAfter = 24 * time.Hour

// LockFor is how long an account with this many failed sign-ins from one
// network stays locked for that network.
func LockFor(failures int) time.Duration {
	if failures < store.LockAfter {
		return 0
	}
	d := firstLock
	for i := store.LockAfter; i < failures && d < maxLock; i++ {
		d *= 2
	}
	return min(d, maxLock)
}

// LoginLock returns when the account's lock for a network ends.
func (c *Core) LoginLock(ctx context.Context, userID int64, network []byte, now time.Time) (time.Time, error) {
	var until time.Time
	err := c.db.QueryRowContext(ctx, c.rebind(`SELECT locked_until FROM staff_login_failures
		WHERE user_id = ? AND network = ? AND locked_until > ?`), userID, network, c.instant(now)).Scan(at(&until))
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, c.errorf("login lock %d: %w", userID, err)
	}
	return until, nil
}

// LoginFailed counts a failure from a network and locks the account for
// that network when due.
func (c *Core) LoginFailed(ctx context.Context, userID int64, network []byte, now time.Time) (time.Time, error) {
	if now.IsZero() {
		return time.Time{}, c.errorf("login failed %d: %w", userID, errNoTime)
	}
	var until time.Time
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		// The account's stale failures go first, this network's among
		// them, so its count starts again after a quiet day.
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM staff_login_failures WHERE user_id = ? AND last_failed_at < ?
			AND (locked_until IS NULL OR locked_until <= ?)`), userID, c.instant(now.Add(-forgetFailuresAfter)), c.instant(now)); err != nil {
			return err
		}
		var failures int
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO staff_login_failures (user_id, network, failures, last_failed_at)
			VALUES (?, ?, 1, ?)
			ON CONFLICT (user_id, network) DO UPDATE SET failures = staff_login_failures.failures + 1,
				last_failed_at = excluded.last_failed_at
			RETURNING failures`), userID, network, c.instant(now)).Scan(&failures)
		if err != nil {
			return c.d.MapErr(err)
		}
		if d := LockFor(failures); d > 0 {
			until = now.Add(d)
			_, err = tx.ExecContext(ctx, c.rebind(`UPDATE staff_login_failures SET locked_until = ? WHERE user_id = ? AND network = ?`),
				c.instant(until), userID, network)
		}
		return err
	})
	if err != nil {
		return time.Time{}, c.errorf("login failed %d: %w", userID, err)
	}
	return until, nil
}

// LoginSucceeded clears the network's failures and records the time.
func (c *Core) LoginSucceeded(ctx context.Context, userID int64, network []byte, now time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM staff_login_failures WHERE user_id = ? AND network = ?`),
			userID, network); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, c.rebind(`UPDATE staff_users SET last_login_at = ? WHERE id = ?`), c.instant(now), userID)
		return err
	})
	if err != nil {
		return c.errorf("login succeeded %d: %w", userID, err)
	}
	return nil
}

// UnlockStaffUser forgets the account's failures from every network.
func (c *Core) UnlockStaffUser(ctx context.Context, userID int64) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT id FROM staff_users WHERE id = ?`), userID).Scan(&id); err != nil {
			return c.d.MapErr(err)
		}
		res, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM staff_login_failures WHERE user_id = ?`), userID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		return c.audit(ctx, tx, "user.unlock", "user", userID, map[string]int64{"networks": n}, nil)
	})
	if err != nil {
		return c.errorf("unlock staff user %d: %w", userID, err)
	}
	return nil
}

// LockedStaff returns the accounts locked from some network at now.
func (c *Core) LockedStaff(ctx context.Context, now time.Time) (map[int64]time.Time, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT user_id, MAX(locked_until) FROM staff_login_failures
		WHERE locked_until > ? GROUP BY user_id`), c.instant(now))
	if err != nil {
		return nil, c.errorf("locked staff: %w", err)
	}
	defer rows.Close()
	locked := map[int64]time.Time{}
	for rows.Next() {
		var id int64
		var until time.Time
		if err := rows.Scan(&id, at(&until)); err != nil {
			return nil, c.errorf("locked staff: %w", err)
		}
		locked[id] = until
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("locked staff: %w", err)
	}
	return locked, nil
}

// UseTOTPStep records a code's step as used if it is later than the last.
func (c *Core) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := c.write(ctx, c.rebind(`UPDATE staff_users SET totp_step = ? WHERE id = ? AND totp_step < ?`),
		step, userID, step)
	if err != nil {
		return false, c.errorf("use totp step %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CreateSession stores a session.
func (c *Core) CreateSession(ctx context.Context, s model.StaffSession) error {
	_, err := c.write(ctx, c.rebind(`INSERT INTO staff_sessions (token_hash, user_id, verified, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?)`), s.TokenHash, s.UserID, s.Verified, c.instant(s.Created), c.instant(s.LastSeen))
	if err != nil {
		return c.errorf("create session: %w", c.d.MapErr(err))
	}
	return nil
}

// touchEvery is how stale last_seen_at may get before a request writes it
// again, so that browsing the admin is not a write per page.
const touchEvery = time.Minute

// Session returns a live session with its user and marks it seen.
func (c *Core) Session(ctx context.Context, tokenHash []byte, now time.Time, idle, maxAge time.Duration) (model.StaffSession, error) {
	s := model.StaffSession{TokenHash: tokenHash}
	row := c.db.QueryRowContext(ctx, c.rebind(`SELECT s.user_id, s.verified, s.created_at, s.last_seen_at FROM staff_sessions s
		WHERE s.token_hash = ?`), tokenHash)
	if err := row.Scan(&s.UserID, &s.Verified, at(&s.Created), at(&s.LastSeen)); err != nil {
		return s, c.errorf("session: %w", c.d.MapErr(err))
	}
	user, err := c.StaffUser(ctx, s.UserID)
	if err != nil {
		return s, err
	}
	s.User = user
	if now.Sub(s.LastSeen) > idle || now.Sub(s.Created) > maxAge || user.Disabled {
		if err := c.DeleteSession(ctx, tokenHash); err != nil {
			return s, err
		}
		return s, c.errorf("session: expired: %w", model.ErrNotFound)
	}
	if now.Sub(s.LastSeen) > touchEvery {
		if _, err := c.write(ctx, c.rebind(`UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?`),
			c.instant(now), tokenHash); err != nil {
			return s, c.errorf("session: %w", err)
		}
		s.LastSeen = now
	}
	return s, nil
}

// DeleteSession ends one session.
func (c *Core) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := c.write(ctx, c.rebind(`DELETE FROM staff_sessions WHERE token_hash = ?`), tokenHash); err != nil {
		return c.errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessionsOf ends every session of a user.
func (c *Core) DeleteSessionsOf(ctx context.Context, userID int64) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM staff_sessions WHERE user_id = ?`), userID); err != nil {
			return err
		}
		return c.audit(ctx, tx, "user.signout-everywhere", "user", userID, nil, nil)
	})
	if err != nil {
		return c.errorf("delete sessions of %d: %w", userID, err)
	}
	return nil
}

// Setting returns a site setting, "" when unset.
func (c *Core) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := c.db.QueryRowContext(ctx, c.rebind(`SELECT value FROM settings WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", c.errorf("setting %q: %w", key, err)
	}
	return v, nil
}

// SetSetting saves a site setting.
func (c *Core) SetSetting(ctx context.Context, key, value string) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var before string
		err := tx.QueryRowContext(ctx, c.rebind(`SELECT value FROM settings WHERE key = ?`), key).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value); err != nil {
			return err
		}
		return c.audit(ctx, tx, "setting.save", "setting", 0,
			map[string]string{key: before}, map[string]string{key: value})
	})
	if err != nil {
		return fmt.Errorf("%s: set setting %q: %w", c.d.Name, key, err)
	}
	return nil
}
