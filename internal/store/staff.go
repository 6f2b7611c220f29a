package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Staff keeps staff accounts, their sessions and site settings. Writes made
// with an actor in the context (WithActor) add their audit entry in the same
// transaction.
type Staff interface {
	// CreateStaffUser stores an account and sets its ID; an account
	// without a language reads the staff pages in English. A taken email
	// is model.ErrConflict.
	CreateStaffUser(ctx context.Context, u *model.StaffUser) error
	// StaffUserByEmail finds an account by its (lower-case) email.
	StaffUserByEmail(ctx context.Context, email string) (model.StaffUser, error)
	// StaffUser finds an account by ID.
	StaffUser(ctx context.Context, id int64) (model.StaffUser, error)
	// StaffUsers lists every account, by email.
	StaffUsers(ctx context.Context) ([]model.StaffUser, error)
	// UpdateStaffUser saves an account's role, disabled flag, password hash
	// and second factor. Disabling an account or changing its password or
	// role ends its sessions.
	UpdateStaffUser(ctx context.Context, u model.StaffUser) error
	// SetStaffPassword changes an account's password hash and ends its
	// sessions, touching nothing else of the account.
	SetStaffPassword(ctx context.Context, userID int64, hash string) error
	// SetStaffTOTP sets (or with nil removes) an account's second factor
	// and ends the account's sessions, touching nothing else of it: no
	// session made before a second factor was set or moved outlives the
	// change.
	SetStaffTOTP(ctx context.Context, userID int64, secret []byte) error
	// SetStaffLanguage sets the language an account reads the staff
	// pages in (a staff catalogue's code, which the caller checks),
	// touching nothing else of it. model.ErrNotFound when there is no such
	// account.
	SetStaffLanguage(ctx context.Context, userID int64, lang string) error
	// RehashPassword stores a stronger hash of the same password, keeping
	// the account's sessions.
	RehashPassword(ctx context.Context, userID int64, hash string) error
	// LoginLock returns when the account's sign-in lock for a client
	// network ends; zero when sign-ins from there are not locked. network
	// is a keyed hash of the client's network (its /24 or /64), so the
	// database keeps no address.
	LoginLock(ctx context.Context, userID int64, network []byte, now time.Time) (time.Time, error)
	// LoginFailed counts a failed sign-in of an account from a client
	// network and, once the failures from there reach LockAfter, locks
	// the account for that network only: one minute, doubling with each
	// further failure, at most an hour. Wrong passwords from one network
	// never lock the account's owner out of another. A network's failures
	// are forgotten a day after its last one. It returns the lock's end
	// (zero: none).
	LoginFailed(ctx context.Context, userID int64, network []byte, now time.Time) (time.Time, error)
	// LoginSucceeded clears the failures from that network (not those of
	// others: a right password here must not restart a guesser's count
	// elsewhere) and records the time.
	LoginSucceeded(ctx context.Context, userID int64, network []byte, now time.Time) error
	// UnlockStaffUser forgets the account's failed sign-ins from every
	// network, which ends its locks. model.ErrNotFound when there is no
	// such account.
	UnlockStaffUser(ctx context.Context, userID int64) error
	// LockedStaff returns the accounts locked from some network at now,
	// each with the latest end of its locks.
	LockedStaff(ctx context.Context, now time.Time) (map[int64]time.Time, error)
	// UseTOTPStep records a second-factor code's time step as used, only
	// if it is later than the last one: false means the code was used
	// already (here or on another instance).
	UseTOTPStep(ctx context.Context, userID, step int64) (bool, error)

	// CreateSession stores a session.
	CreateSession(ctx context.Context, s model.StaffSession) error
	// Session returns the session with this token hash and its user, and
	// marks it seen at now. A session idle longer than idle, older than
	// maxAge, or whose user is disabled is deleted and model.ErrNotFound.
	Session(ctx context.Context, tokenHash []byte, now time.Time, idle, maxAge time.Duration) (model.StaffSession, error)
	// DeleteSession ends one session.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteSessionsOf ends every session of a user.
	DeleteSessionsOf(ctx context.Context, userID int64) error

	// Setting returns a site setting, "" when unset.
	Setting(ctx context.Context, key string) (string, error)
	// SetSetting saves a site setting.
	SetSetting(ctx context.Context, key, value string) error
}

// LockAfter is the number of failed sign-ins from one client network
// after which the account locks for that network.
const LockAfter = 5

// Audit is the record of staff writes and reads of restricted records.
// Nothing here changes or deletes an entry.
type Audit interface {
	// RecordAudit adds an entry by itself, for what is not a store write
	// (a read of restricted records, a sign-in).
	RecordAudit(ctx context.Context, e model.AuditEntry) error
	// AuditLog lists entries matching the filter, newest first.
	AuditLog(ctx context.Context, f AuditFilter) ([]model.AuditEntry, error)
}

// AuditFilter narrows the audit log; zero fields match everything.
type AuditFilter struct {
	UserEmail  string
	Action     string // a prefix: "case." matches every case write
	ObjectType string
	ObjectID   int64
	Before     int64 // entries with a smaller ID only, for paging
	Limit      int   // 0: 100
}

type actorKey struct{}

// WithActor returns a context whose store writes are audited as done by
// actor.
func WithActor(ctx context.Context, actor model.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor of a context, if any.
func ActorFrom(ctx context.Context) (model.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(model.Actor)
	return a, ok
}

// Dashboard reads what the staff dashboard shows.
type Dashboard interface {
	// ParticipationsPerDay counts an action's participations per UTC day
	// from from (inclusive) to to (exclusive); days without any are left
	// out.
	ParticipationsPerDay(ctx context.Context, actionID int64, from, to time.Time) ([]DayCount, error)
	// LatestParticipations lists the most recent participations, newest
	// first, with the supporter's name and country opened.
	LatestParticipations(ctx context.Context, limit int) ([]RecentParticipation, error)
}

// DayCount is a number for one day.
type DayCount struct {
	Day   time.Time // midnight UTC
	Count int
}

// RecentParticipation is one line of the dashboard's latest activity.
type RecentParticipation struct {
	At          time.Time
	ActionTitle string
	ActionSlug  string
	SupporterID int64
	Name        string
	Country     string
	Confirmed   bool
}
