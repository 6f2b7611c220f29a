package model

import (
	"cmp"
	"errors"
	"slices"
	"time"
)

// ErrInvalidEvent is an event the store refuses: an unknown kind or
// level, a date without its precision.
var ErrInvalidEvent = errors.New("invalid event")

// RecordStatus is where an individual concerned by a case stands, as far as
// researchers know. It is never typed: CurrentStatus derives it from the
// individual's events.
type RecordStatus string

// Record statuses.
const (
	RecordUnknown     RecordStatus = "unknown" // no event says
	RecordDetained    RecordStatus = "detained"
	RecordReleased    RecordStatus = "released"
	RecordReturned    RecordStatus = "returned" // back in their country
	RecordReDetained  RecordStatus = "re-detained"
	RecordDisappeared RecordStatus = "disappeared"
	RecordDied        RecordStatus = "died"
	RecordInHiding    RecordStatus = "in-hiding"
	RecordLeftCountry RecordStatus = "left-country"
)

// RecordStatuses lists every status, in the order screens and figures
// show them.
var RecordStatuses = []RecordStatus{RecordDetained, RecordReDetained, RecordReleased, RecordReturned,
	RecordInHiding, RecordLeftCountry, RecordDisappeared, RecordDied, RecordUnknown}

// Valid reports whether s is one of RecordStatuses.
func (s RecordStatus) Valid() bool { return slices.Contains(RecordStatuses, s) }

// EventKind is what an event of an individual's history says happened
// (HURIDOCS: the type of act).
type EventKind string

// Event kinds.
const (
	EventDetained    EventKind = "detained"
	EventTransferred EventKind = "transferred" // moved to another place of detention
	EventCharged     EventKind = "charged"
	EventTried       EventKind = "tried"
	EventSentenced   EventKind = "sentenced"
	EventReleased    EventKind = "released"
	EventReturned    EventKind = "returned" // back in their country
	EventReDetained  EventKind = "re-detained"
	EventDisappeared EventKind = "disappeared"
	EventDied        EventKind = "died"
	EventInHiding    EventKind = "in-hiding"
	EventLeftCountry EventKind = "left-country"
	EventNote        EventKind = "note" // a fact that changes no status
)

// EventKinds lists every kind, in the order forms offer them.
var EventKinds = []EventKind{EventDetained, EventTransferred, EventCharged, EventTried, EventSentenced, EventReleased,
	EventReturned, EventReDetained, EventDisappeared, EventDied, EventInHiding, EventLeftCountry, EventNote}

// Valid reports whether k is one of EventKinds.
func (k EventKind) Valid() bool { return slices.Contains(EventKinds, k) }

// Urgent reports whether a verified event of kind k calls for a new urgent
// action at once: a re-detention, a disappearance or a death.
func (k EventKind) Urgent() bool {
	return k == EventReDetained || k == EventDisappeared || k == EventDied
}

// next is the status after an event of kind k, from the status before; ok
// is false when k changes no status. A transfer keeps a detention (or a
// re-detention) going, and says detained of someone not known to be held.
func (k EventKind) next(before RecordStatus) (RecordStatus, bool) {
	switch k {
	case EventDetained:
		return RecordDetained, true
	case EventTransferred:
		if before == RecordReDetained || before == RecordDetained {
			return before, true
		}
		return RecordDetained, true
	case EventReleased:
		return RecordReleased, true
	case EventReturned:
		return RecordReturned, true
	case EventReDetained:
		return RecordReDetained, true
	case EventDisappeared:
		return RecordDisappeared, true
	case EventDied:
		return RecordDied, true
	case EventInHiding:
		return RecordInHiding, true
	case EventLeftCountry:
		return RecordLeftCountry, true
	}
	return before, false
}

// Verification is how far an event is established (HURIDOCS: reliability).
type Verification string

// Verification levels, weakest first.
const (
	VerifiedSingle       Verification = "single"       // one source
	VerifiedCorroborated Verification = "corroborated" // a second, independent source
	VerifiedConfirmed    Verification = "confirmed"    // by the person, their family or their lawyer
)

// Verifications lists every level, in the order forms offer them.
var Verifications = []Verification{VerifiedSingle, VerifiedCorroborated, VerifiedConfirmed}

// Valid reports whether v is one of Verifications.
func (v Verification) Valid() bool { return slices.Contains(Verifications, v) }

// Verified reports whether v is enough for a public figure or an urgent
// action: corroborated or confirmed.
func (v Verification) Verified() bool { return v == VerifiedCorroborated || v == VerifiedConfirmed }

// DatePrecision says how much of an event's date is known.
type DatePrecision string

// Date precisions. An undated event (only from records made before events
// existed) has none.
const (
	PrecisionDay   DatePrecision = "day"
	PrecisionMonth DatePrecision = "month" // the date is the month's first day
	PrecisionYear  DatePrecision = "year"  // the date is the year's first day
	PrecisionNone  DatePrecision = ""
)

// Valid reports whether p is a precision a dated event may have.
func (p DatePrecision) Valid() bool {
	return p == PrecisionDay || p == PrecisionMonth || p == PrecisionYear
}

// Truncate gives d as precision p stores it: the month's or year's first
// day, midnight UTC.
func (p DatePrecision) Truncate(d time.Time) time.Time {
	switch p {
	case PrecisionMonth:
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	case PrecisionYear:
		return time.Date(d.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	case PrecisionNone:
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// Record is a researcher's record of one individual a case concerns. It
// is restricted: only researchers and admins see it, every read and write
// is audited, and it never reaches the public site. The store seals the
// name; the label ("Individual 017") is a pseudonym, kept in the clear so
// that lists sort without opening anything. Events are the individual's
// history, oldest first; the store reads them with the record.
type Record struct {
	ID      int64
	CaseID  int64
	Name    string
	Label   string
	Version int
	Created time.Time
	Updated time.Time
	Events  []RecordEvent // read only: events are added one by one (AddRecordEvent)
}

// Title is how screens name the record: its label, else its name.
func (r Record) Title() string { return cmp.Or(r.Label, r.Name) }

// Status is the record's current status, derived from its events.
func (r Record) Status() RecordStatus { return CurrentStatus(r.Events) }

// LastConfirmed is the latest day a fact about the individual was
// confirmed: the latest date of source, or of the event when its source
// is undated. Zero when nothing is dated.
func (r Record) LastConfirmed() time.Time {
	var latest time.Time
	for _, e := range r.Events {
		if k := e.Known(); k.After(latest) {
			latest = k
		}
	}
	return latest
}

// RecordEvent is one dated fact of an individual's history, with its
// source and how far it is verified (HURIDOCS: an act with its
// information). The store seals the place, the source, how the source
// knows and the note.
type RecordEvent struct {
	ID           int64
	RecordID     int64
	Kind         EventKind
	Date         time.Time // midnight UTC, truncated to Precision; zero when undated
	Precision    DatePrecision
	Place        string
	Source       string    // who said it
	SourceHow    string    // how they know
	SourceDate   time.Time // when the source said it; zero when unknown
	Verification Verification
	Note         string
	Created      time.Time // when it was recorded
	ActionID     int64     // the follow-up action it drafted; 0: none
}

// Known is the day the event was last known true: its source's date, else
// its own date.
func (e RecordEvent) Known() time.Time { return cmp.Or(e.SourceDate, e.Date) }

// SortEvents puts events in history order: undated first, then by date,
// the same date in the order recorded.
func SortEvents(events []RecordEvent) {
	slices.SortStableFunc(events, func(a, b RecordEvent) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.ID, b.ID))
	})
}

// CurrentStatus is the status the latest status-changing event gives,
// events taken in history order (see SortEvents); unknown when none
// changes status. events is not reordered.
func CurrentStatus(events []RecordEvent) RecordStatus {
	sorted := slices.Clone(events)
	SortEvents(sorted)
	status := RecordUnknown
	for _, e := range sorted {
		if next, ok := e.Kind.next(status); ok {
			status = next
		}
	}
	return status
}

// VerifiedStatus is the status events give when only corroborated or
// confirmed ones count: what public figures say.
func VerifiedStatus(events []RecordEvent) RecordStatus {
	var verified []RecordEvent
	for _, e := range events {
		if e.Verification.Verified() {
			verified = append(verified, e)
		}
	}
	return CurrentStatus(verified)
}

// Stale reports whether a record last confirmed on last is stale on day
// today, after days days; a record never confirmed is stale. days <= 0
// marks nothing stale.
func Stale(last, today time.Time, days int) bool {
	if days <= 0 {
		return false
	}
	if last.IsZero() {
		return true
	}
	return AgeDays(last, today) > days
}

// AgeDays is how many whole days separate the calendar day of last from
// today's.
func AgeDays(last, today time.Time) int {
	a := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}
