package model

import "time"

// The rules of Vigil's background jobs: what may be sent to a target
// today, who is reminded, what is purged. Plain functions of what the
// store read and the times the job was given, so that both databases
// apply them alike and a table test can state them.

// AllAppeals is the room of a target with no daily cap: every waiting
// appeal may go (it is also a LIMIT both databases take).
const AllAppeals = 1<<31 - 1

// AppealRoom is how many more appeals may be queued to one target of an
// action today, given how many were queued since the start of its day and
// the daily cap (0: no cap). The rest waits for tomorrow; nothing is
// dropped.
func AppealRoom(queuedToday, dailyCap int) int {
	if dailyCap <= 0 {
		return AllAppeals
	}
	return max(dailyCap-queuedToday, 0)
}

// DigestDue reports whether a target's daily digest may go: one per
// target per day, so only if the last one was queued before the start of
// the target's day (or never).
func DigestDue(lastQueued, dayStart time.Time) bool {
	return lastQueued.IsZero() || lastQueued.Before(dayStart)
}

// ReminderDue reports whether an unconfirmed participation earns its
// supporter a reminder: made before the threshold, the supporter neither
// reminded nor confirmed nor unsubscribed, and the action still open now.
func ReminderDue(p Participation, s Supporter, reminded time.Time, a Action, before, now time.Time) bool {
	return p.Confirmed.IsZero() && p.Created.Before(before) && reminded.IsZero() && s.Confirmed.IsZero() &&
		s.Unsubscribed.IsZero() && a.IsOpen(now)
}

// PurgeDue reports whether a participation, or a supporter with nothing
// left, is deleted: never confirmed and made before the threshold.
// Unconfirmed participations were never counted, so the counts stay.
func PurgeDue(created, confirmed, before time.Time) bool {
	return confirmed.IsZero() && created.Before(before)
}
