package model

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestCurrentStatus(t *testing.T) {
	ev := func(id int64, kind EventKind, d time.Time, v Verification) RecordEvent {
		return RecordEvent{ID: id, Kind: kind, Date: d, Precision: PrecisionDay, Verification: v}
	}
	single, corroborated := VerifiedSingle, VerifiedCorroborated
	for _, tc := range []struct {
		name     string
		events   []RecordEvent
		current  RecordStatus
		verified RecordStatus
	}{
		{"no events", nil, RecordUnknown, RecordUnknown},
		{"only a note", []RecordEvent{ev(1, EventNote, date(2025, 7, 1), corroborated)}, RecordUnknown, RecordUnknown},
		{"detained then returned", []RecordEvent{
			ev(1, EventDetained, date(2025, 3, 16), corroborated),
			ev(2, EventReturned, date(2025, 7, 18), corroborated),
		}, RecordReturned, RecordReturned},
		{"recorded out of order: the date decides", []RecordEvent{
			ev(1, EventReturned, date(2025, 7, 18), corroborated),
			ev(2, EventDetained, date(2025, 3, 16), corroborated),
		}, RecordReturned, RecordReturned},
		{"a later note changes nothing", []RecordEvent{
			ev(1, EventReturned, date(2025, 7, 18), corroborated),
			ev(2, EventNote, date(2025, 9, 1), corroborated),
			ev(3, EventCharged, date(2025, 9, 2), corroborated),
			ev(4, EventSentenced, date(2025, 9, 3), corroborated),
			ev(5, EventTried, date(2025, 9, 4), corroborated),
		}, RecordReturned, RecordReturned},
		{"a single-source re-detention is current, not verified", []RecordEvent{
			ev(1, EventReturned, date(2025, 7, 18), corroborated),
			ev(2, EventReDetained, date(2025, 10, 2), single),
		}, RecordReDetained, RecordReturned},
		{"a transfer keeps a re-detention", []RecordEvent{
			ev(1, EventReDetained, date(2025, 10, 2), corroborated),
			ev(2, EventTransferred, date(2025, 10, 9), corroborated),
		}, RecordReDetained, RecordReDetained},
		{"a transfer alone says detained", []RecordEvent{
			ev(1, EventTransferred, date(2025, 4, 1), single),
		}, RecordDetained, RecordUnknown},
		{"same day: the order recorded", []RecordEvent{
			ev(2, EventReleased, date(2025, 7, 18), corroborated),
			ev(1, EventDetained, date(2025, 7, 18), corroborated),
		}, RecordReleased, RecordReleased},
		{"undated before dated", []RecordEvent{
			ev(9, EventDetained, time.Time{}, single),
			ev(1, EventLeftCountry, date(2025, 8, 1), confirmedLevel()),
		}, RecordLeftCountry, RecordLeftCountry},
		{"every status-changing kind", []RecordEvent{
			ev(1, EventInHiding, date(2025, 8, 1), corroborated),
			ev(2, EventDisappeared, date(2025, 8, 2), corroborated),
			ev(3, EventDied, date(2025, 8, 3), corroborated),
		}, RecordDied, RecordDied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CurrentStatus(tc.events); got != tc.current {
				t.Errorf("CurrentStatus = %s, want %s", got, tc.current)
			}
			if got := VerifiedStatus(tc.events); got != tc.verified {
				t.Errorf("VerifiedStatus = %s, want %s", got, tc.verified)
			}
		})
	}
}

func confirmedLevel() Verification { return VerifiedConfirmed }

func TestEventKindUrgent(t *testing.T) {
	urgent := map[EventKind]bool{EventReDetained: true, EventDisappeared: true, EventDied: true}
	for _, k := range EventKinds {
		if k.Urgent() != urgent[k] {
			t.Errorf("%s.Urgent() = %v", k, k.Urgent())
		}
		if !k.Valid() {
			t.Errorf("%s is not valid", k)
		}
	}
	if EventKind("arrested").Valid() || Verification("rumour").Valid() || DatePrecision("").Valid() {
		t.Error("an unknown value is valid")
	}
}

func TestLastConfirmedAndStale(t *testing.T) {
	r := Record{Events: []RecordEvent{
		{ID: 1, Kind: EventReturned, Date: date(2025, 7, 18), SourceDate: date(2025, 7, 20)},
		{ID: 2, Kind: EventNote, Date: date(2025, 8, 1)},
		{ID: 3, Kind: EventDetained, Date: date(2025, 3, 16), SourceDate: date(2025, 3, 17)},
	}}
	if got := r.LastConfirmed(); !got.Equal(date(2025, 8, 1)) {
		t.Errorf("LastConfirmed = %v, want the note's date", got)
	}
	for _, tc := range []struct {
		last, today time.Time
		days        int
		stale       bool
	}{
		{date(2025, 8, 1), date(2025, 8, 31), 30, false},
		{date(2025, 8, 1), date(2025, 9, 1), 30, true},
		{date(2025, 8, 1), date(2025, 8, 1).Add(23 * time.Hour), 0, false},
		{time.Time{}, date(2025, 8, 1), 30, true},
		{time.Time{}, date(2025, 8, 1), 0, false},
	} {
		if got := Stale(tc.last, tc.today, tc.days); got != tc.stale {
			t.Errorf("Stale(%v, %v, %d) = %v, want %v", tc.last, tc.today, tc.days, got, tc.stale)
		}
	}
	if got := AgeDays(date(2025, 7, 18), date(2025, 8, 17).Add(22*time.Hour)); got != 30 {
		t.Errorf("AgeDays = %d, want 30", got)
	}
}

func TestDatePrecisionTruncate(t *testing.T) {
	d := time.Date(2025, 7, 18, 15, 4, 0, 0, time.UTC)
	for p, want := range map[DatePrecision]time.Time{
		PrecisionDay: date(2025, 7, 18), PrecisionMonth: date(2025, 7, 1), PrecisionYear: date(2025, 1, 1), PrecisionNone: {},
	} {
		if got := p.Truncate(d); !got.Equal(want) {
			t.Errorf("%q.Truncate = %v, want %v", p, got, want)
		}
	}
}
