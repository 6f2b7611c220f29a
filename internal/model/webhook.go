package model

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// The events a webhook receiver can be told of.
const (
	EventSignature      = "signature"      // a new signature on a petition
	EventOutreach       = "outreach"       // a new letter on an appeal
	EventSubscription   = "subscription"   // a newsletter sign-up
	EventConfirmation   = "confirmation"   // a participation or a sign-up confirmed from the mailbox
	EventUnsubscription = "unsubscription" // a supporter wants no more email
	EventErasure        = "erasure"        // a supporter erased: the receiver should erase them too
)

// Events lists every event, in the order they are written.
var Events = []string{EventSignature, EventOutreach, EventSubscription, EventConfirmation, EventUnsubscription, EventErasure}

// Webhook is a receiver of events.
type Webhook struct {
	ID        int64
	URL       string
	Secret    string   // signs each body; sealed at rest
	Events    []string // nil: every event
	Created   time.Time
	CreatedBy string
	Removed   time.Time
}

// Wants reports whether the receiver is told of event.
func (w Webhook) Wants(event string) bool {
	return len(w.Events) == 0 || slices.Contains(w.Events, event)
}

// ParseEvents reads a comma-separated list of events ("" for every one);
// an unknown one is an error naming it.
func ParseEvents(list string) ([]string, error) {
	seen := map[string]bool{}
	for part := range strings.SplitSeq(list, ",") {
		e := strings.ToLower(strings.TrimSpace(part))
		if e == "" {
			continue
		}
		if !slices.Contains(Events, e) {
			return nil, &EventError{Event: e}
		}
		seen[e] = true
	}
	var out []string
	for _, e := range Events {
		if seen[e] {
			out = append(out, e)
		}
	}
	return out, nil
}

// EventError is an event list naming an unknown event.
type EventError struct{ Event string }

func (e *EventError) Error() string {
	return "unknown event " + e.Event + ": want " + strings.Join(Events, ", ")
}

// DeliveryState is where a webhook delivery stands.
type DeliveryState string

// The states of a delivery.
const (
	DeliveryQueued  DeliveryState = "queued"
	DeliverySending DeliveryState = "sending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed"
)

// WebhookDelivery is one event to tell one receiver: which event, about
// whom; the body is written when it is sent.
type WebhookDelivery struct {
	ID              int64
	WebhookID       int64
	Event           string
	SupporterID     int64 // 0: gone (purged)
	ParticipationID int64 // 0: none, or gone
	State           DeliveryState
	Attempts        int
	NextAttempt     time.Time
	LastStatus      int // the receiver's last HTTP status; 0: none
	LastError       string
	Created         time.Time
	Sent            time.Time
}

// IdempotencyKey is the key a receiver recognises the delivery by, the
// same on every attempt.
func (d WebhookDelivery) IdempotencyKey() string {
	return "vigil-delivery-" + strconv.FormatInt(d.ID, 10)
}
