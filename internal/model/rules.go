package model

import "time"

// The rules about supporters and what they did: what an action's public
// count holds, who hears of a case's updates, who receives the
// newsletter. Each is stated here for
// one supporter or one participation, so that a table test can state it.
// Where the store must apply a rule to many rows at once, its SQL is
// written once (sqlcore) and a test there checks that the SQL and the
// function pick the same rows.

// ConsentUpdates is the key of the consent to hear of a case's updates,
// asked with a participation in one of its actions.
const ConsentUpdates = "updates"

// ConsentNewsletter is the key of the consent to receive the newsletter,
// asked by the sign-up form and by any action that asks it too.
const ConsentNewsletter = "newsletter"

// Counted reports whether a participation is in its action's public
// count: only once it was confirmed from the supporter's mailbox, since
// knowing someone's address must not be enough to add to a count.
func Counted(p Participation) bool { return !p.Confirmed.IsZero() }

// CountAfterConfirm is an action's count after one of its participations,
// as it was before, is confirmed: one more the first time; a link used
// again counts nothing.
func CountAfterConfirm(count int, before Participation) int {
	if Counted(before) {
		return count
	}
	return count + 1
}

// CountAfterRemoval is an action's count after one of its participations
// is removed: one less only if it was counted, and never below zero.
func CountAfterRemoval(count int, removed Participation) int {
	if !Counted(removed) {
		return count
	}
	return max(count-1, 0)
}

// CaseParticipation is one of a supporter's participations, with the case
// of its action (0: none) and the consent answers given with it.
type CaseParticipation struct {
	CaseID        int64
	Participation Participation
	Consents      []Consent
}

// ReceivesUpdates reports whether a supporter is sent a case's updates:
// still reachable (neither unsubscribed nor erased), with at least one
// participation in an action of the case that was confirmed from their
// mailbox and with which they did not decline updates, and who did not
// opt out of this case's updates since (optedOut: the cases whose updates
// they chose not to receive). An action that did not ask leaves no
// answer, which declines nothing.
func ReceivesUpdates(s Supporter, caseID int64, participations []CaseParticipation, optedOut []int64) bool {
	if !s.Unsubscribed.IsZero() || !s.Erased.IsZero() {
		return false
	}
	for _, id := range optedOut {
		if id == caseID {
			return false
		}
	}
	for _, p := range participations {
		if p.CaseID == caseID && caseID != 0 && !p.Participation.Confirmed.IsZero() && !declined(p.Consents, ConsentUpdates) {
			return true
		}
	}
	return false
}

// declined reports whether the answers include a no to key.
func declined(consents []Consent, key string) bool {
	for _, c := range consents {
		if c.Key == key && !c.Given {
			return true
		}
	}
	return false
}

// NewsletterYes returns the answer through which a supporter receives the
// newsletter, and whether they do: still reachable (neither unsubscribed
// nor erased), their address confirmed from their mailbox, and their
// latest answer to the newsletter a yes. answers are those on the
// supporter's record, oldest first, as the store's Consents lists them (an
// answer given with an action counts once its participation is
// confirmed). A no given later, with an action, outweighs an earlier yes:
// it is what they said last.
func NewsletterYes(s Supporter, answers []Consent) (Consent, bool) {
	if s.Confirmed.IsZero() || !s.Unsubscribed.IsZero() || !s.Erased.IsZero() {
		return Consent{}, false
	}
	var latest Consent
	found := false
	for _, c := range answers {
		if c.Key == ConsentNewsletter && (!found || !c.At.Before(latest.At)) {
			latest, found = c, true
		}
	}
	return latest, found && latest.Given
}

// SubscribedSince is when a supporter's yes to the newsletter took
// effect: when they gave it, or when they confirmed their address if that
// came later (a sign-up counts from the link in its email).
func SubscribedSince(s Supporter, yes Consent) time.Time {
	if s.Confirmed.After(yes.At) {
		return s.Confirmed
	}
	return yes.At
}

// DefaultRetentionMonths is how long Vigil keeps a supporter after their
// last sign of life (LastActive) unless --retention says otherwise; see
// docs/decisions.md for why 24.
const DefaultRetentionMonths = 24

// RetentionLimit is the instant before which a supporter's last sign of
// life makes them due for erasure at now, keeping them for months
// calendar months (0: keep everyone, the zero time). A supporter last
// seen exactly at the limit is kept.
func RetentionLimit(now time.Time, months int) time.Time {
	if months <= 0 {
		return time.Time{}
	}
	return now.AddDate(0, -months, 0)
}

// LastActive is a supporter's last sign of life: their record's creation,
// their confirmation, a participation made or confirmed, a consent
// answered. Vigil never tracks opens or clicks.
func LastActive(s Supporter, participations []Participation, consents []Consent) time.Time {
	last := s.Created
	later := func(t time.Time) {
		if t.After(last) {
			last = t
		}
	}
	later(s.Confirmed)
	for _, p := range participations {
		later(p.Created)
		later(p.Confirmed)
	}
	for _, c := range consents {
		later(c.At)
	}
	return last
}

// DueForErasure reports whether retention erases a supporter at limit
// (RetentionLimit): not erased yet, and last active before the limit.
func DueForErasure(s Supporter, participations []Participation, consents []Consent, limit time.Time) bool {
	if limit.IsZero() || !s.Erased.IsZero() {
		return false
	}
	return LastActive(s, participations, consents).Before(limit)
}
