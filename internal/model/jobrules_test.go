package model

import (
	"testing"
	"time"
)

func TestAppealRoom(t *testing.T) {
	for _, tc := range []struct {
		queuedToday, dailyCap, want int
	}{
		{0, 0, AllAppeals},
		{40, 0, AllAppeals},
		{0, 2, 2},
		{1, 2, 1},
		{2, 2, 0},
		{3, 2, 0}, // the cap lowered during the day
		{5, -1, AllAppeals},
	} {
		if got := AppealRoom(tc.queuedToday, tc.dailyCap); got != tc.want {
			t.Errorf("AppealRoom(%d, %d) = %d, want %d", tc.queuedToday, tc.dailyCap, got, tc.want)
		}
	}
}

func TestDigestDue(t *testing.T) {
	dayStart := time.Date(2025, 7, 18, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		last time.Time
		want bool
	}{
		{"never sent", time.Time{}, true},
		{"sent yesterday", dayStart.Add(-time.Hour), true},
		{"sent at the start of today", dayStart, false},
		{"sent today", dayStart.Add(9 * time.Hour), false},
	} {
		if got := DigestDue(tc.last, dayStart); got != tc.want {
			t.Errorf("%s: DigestDue = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestReminderDue(t *testing.T) {
	now := time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC)
	before := now.Add(-48 * time.Hour)
	old := Participation{Created: before.Add(-time.Minute)}
	open := Action{}
	for _, tc := range []struct {
		name     string
		p        Participation
		s        Supporter
		reminded time.Time
		a        Action
		want     bool
	}{
		{"old and pending", old, Supporter{}, time.Time{}, open, true},
		{"made at the threshold", Participation{Created: before}, Supporter{}, time.Time{}, open, false},
		{"recent", Participation{Created: now.Add(-time.Hour)}, Supporter{}, time.Time{}, open, false},
		{"already reminded", old, Supporter{}, before, open, false},
		{"participation confirmed", Participation{Created: old.Created, Confirmed: before}, Supporter{}, time.Time{}, open, false},
		{"supporter confirmed", old, Supporter{Confirmed: before}, time.Time{}, open, false},
		{"unsubscribed", old, Supporter{Unsubscribed: before}, time.Time{}, open, false},
		{"action closed", old, Supporter{}, time.Time{}, Action{Closed: true}, false},
		{"deadline passed", old, Supporter{}, time.Time{}, Action{Deadline: now}, false},
		{"deadline ahead", old, Supporter{}, time.Time{}, Action{Deadline: now.Add(time.Hour)}, true},
	} {
		if got := ReminderDue(tc.p, tc.s, tc.reminded, tc.a, before, now); got != tc.want {
			t.Errorf("%s: ReminderDue = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPurgeDue(t *testing.T) {
	before := time.Date(2025, 7, 11, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name               string
		created, confirmed time.Time
		want               bool
	}{
		{"old, never confirmed", before.Add(-time.Hour), time.Time{}, true},
		{"made at the threshold", before, time.Time{}, false},
		{"recent", before.Add(time.Hour), time.Time{}, false},
		{"old but confirmed", before.Add(-time.Hour), before, false},
	} {
		if got := PurgeDue(tc.created, tc.confirmed, before); got != tc.want {
			t.Errorf("%s: PurgeDue = %v, want %v", tc.name, got, tc.want)
		}
	}
}
