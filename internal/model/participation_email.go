package model

// Kinds of the emails a participation causes, written as intents (see
// OutboxMessage.Intent) and composed when the outbox worker sends them.
const (
	EmailConfirm     = "confirm"      // please confirm this participation
	EmailThanks      = "thanks"       // a confirmed supporter's signature, counted
	EmailThanksAgain = "thanks-again" // the same, signed before
)

// ParticipationEmail is the kind of the email a participation causes:
// thanks again for a repeat of one already confirmed from the mailbox, and
// otherwise a request to confirm it. Every new participation is confirmed
// from the mailbox before it counts, a confirmed supporter's too, since
// knowing someone's address must not be enough to act in their name; a
// repeat not yet confirmed is asked again.
func ParticipationEmail(duplicate, confirmed bool) string {
	if duplicate && confirmed {
		return EmailThanksAgain
	}
	return EmailConfirm
}
