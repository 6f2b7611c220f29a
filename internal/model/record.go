package model

import "time"

// RecordStatus is where an individual concerned by a case stands, as far as
// researchers know.
type RecordStatus string

// Record statuses.
const (
	RecordDetained    RecordStatus = "detained"
	RecordTransferred RecordStatus = "transferred" // moved to another place of detention
	RecordReleased    RecordStatus = "released"
	RecordReturned    RecordStatus = "returned" // back in their country
	RecordReDetained  RecordStatus = "re-detained"
	RecordUnknown     RecordStatus = "unknown"
)

// RecordStatuses lists every status, in the order forms offer them.
var RecordStatuses = []RecordStatus{RecordDetained, RecordTransferred, RecordReleased, RecordReturned,
	RecordReDetained, RecordUnknown}

// Valid reports whether s is one of RecordStatuses.
func (s RecordStatus) Valid() bool {
	for _, known := range RecordStatuses {
		if s == known {
			return true
		}
	}
	return false
}

// Record is a researcher's record of one individual a case concerns. It
// is restricted: only researchers and admins see it, every read and write
// is audited, and it never reaches the public site. The store seals the
// name, place and source note.
type Record struct {
	ID            int64
	CaseID        int64
	Name          string
	Status        RecordStatus
	Place         string    // where they are held or were last seen
	LastConfirmed time.Time // the day the status was last confirmed, midnight UTC; zero: never
	SourceNote    string    // who or what confirmed it
	Version       int
	Created       time.Time
	Updated       time.Time
}
