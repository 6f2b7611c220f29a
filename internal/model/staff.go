package model

import "time"

// Role is what a staff member may do; see internal/admin for the permissions
// each role holds.
type Role string

// The staff roles, from most to least trusted.
const (
	RoleAdmin      Role = "admin"      // users, keys, settings, everything
	RoleEditor     Role = "editor"     // content, actions, sending updates
	RoleResearcher Role = "researcher" // restricted records of individuals; content read-only
	RoleFinance    Role = "finance"    // donations and the dashboard; no other personal data
	RoleViewer     Role = "viewer"     // dashboard and content, read-only, no personal data
)

// Roles lists every role, most trusted first.
var Roles = []Role{RoleAdmin, RoleEditor, RoleResearcher, RoleFinance, RoleViewer}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, known := range Roles {
		if r == known {
			return true
		}
	}
	return false
}

// StaffUser is an account of someone who runs the site.
type StaffUser struct {
	ID           int64
	Email        string // lower case; the login name
	Role         Role
	PasswordHash string // argon2id PHC string
	TOTPSecret   []byte // nil: no second factor set up
	TOTPStep     int64  // last accepted time step, so a code works once
	Disabled     bool
	Lang         string // the language of the staff pages for them: a staff catalogue's code
	Created      time.Time
	LastLogin    time.Time
}

// StaffSession is a signed-in browser. The store keeps only the hash of
// its token.
type StaffSession struct {
	TokenHash []byte
	UserID    int64
	Verified  bool // passed the second factor, or none is needed
	Created   time.Time
	LastSeen  time.Time
	User      StaffUser // filled in by lookups
}

// AuditEntry records one staff write, or one read of restricted records.
type AuditEntry struct {
	ID         int64
	At         time.Time
	UserID     int64  // 0: the command line or the system
	UserEmail  string // kept as it was, should the account go
	Action     string // "case.save", "user.add", "records.read", …
	ObjectType string // "case", "user", …
	ObjectID   int64
	Before     string // JSON of the record before; "" for a creation or read
	After      string // JSON after; "" for a deletion or read
	IPHash     string // hashed client address; "" from the command line
}

// Actor is who a staff write is done by, carried in the context to the
// store so that it writes the audit entry in the same transaction.
type Actor struct {
	UserID int64
	Email  string
	IPHash string
	At     time.Time // when the request was made; the audit entry's time
}
