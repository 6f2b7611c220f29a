package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// HookStore is what the webhook worker reads and writes; each method does
// what package store documents for it.
type HookStore interface {
	Webhooks(ctx context.Context) ([]model.Webhook, error)
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, n int) ([]model.WebhookDelivery, error)
	MarkDelivery(ctx context.Context, id int64, sent bool, at, next time.Time, status int, lastError string) error
	People(ctx context.Context, f store.PeopleFilter) ([]model.Supporter, int, error)
	ParticipationsPage(ctx context.Context, f store.ParticipationFilter) ([]model.Participation, int, error)
	PublishedActions(ctx context.Context) ([]model.Action, error)
	Consents(ctx context.Context, supporterID int64) ([]model.Consent, error)
}

// HookOptions are what the webhook worker needs from its caller.
type HookOptions struct {
	Store   HookStore
	BaseURL string       // the site's public URL, for the links in bodies
	Client  *http.Client // nil: 10 s per delivery, no redirect followed
	Logger  *slog.Logger
	Now     func() time.Time // defaults to time.Now; tests fix it
	Poll    time.Duration    // how often to look for due deliveries; 0: 2 s
}

// Hooks sends webhook deliveries: it claims due ones under a lease,
// writes each body from what the database holds now, signs it with the
// receiver's secret and posts it. See docs/decisions.md, "Webhooks are an
// outbox of intents".
type Hooks struct {
	store  HookStore
	shapes *Server // writes bodies as the API does
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
	poll   time.Duration
	wake   chan struct{}
}

// hookLease is how long a claimed delivery is left to its worker before
// another may send it: longer than a delivery may take.
const hookLease = 2 * time.Minute

// hookBatch is how many deliveries one claim takes.
const hookBatch = 20

// hookBackoff is the wait after each failed attempt; past the last one the
// delivery is failed, for the admin to send again.
var hookBackoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour}

// NewHooks builds the webhook worker.
func NewHooks(opts HookOptions) *Hooks {
	h := &Hooks{store: opts.Store, client: opts.Client, log: opts.Logger, now: opts.Now, poll: opts.Poll,
		wake: make(chan struct{}, 1)}
	site := strings.TrimSuffix(opts.BaseURL, "/")
	h.shapes = &Server{site: site, base: site + "/api/v1"}
	if h.client == nil {
		h.client = &http.Client{Timeout: 10 * time.Second,
			// A receiver answers; it does not send Vigil elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.poll <= 0 {
		h.poll = 2 * time.Second
	}
	h.shapes.now = h.now
	return h
}

// Wake asks the worker to look for due deliveries now.
func (h *Hooks) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx ends.
func (h *Hooks) Run(ctx context.Context) {
	t := time.NewTicker(h.poll)
	defer t.Stop()
	for {
		for {
			n, err := h.DeliverDue(ctx)
			if err != nil && ctx.Err() == nil {
				h.log.Error("webhooks", "err", err)
			}
			if n < hookBatch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.wake:
		}
	}
}

// DeliverDue claims the deliveries due now, up to a batch, and sends each;
// it returns how many it claimed.
func (h *Hooks) DeliverDue(ctx context.Context) (int, error) {
	now := h.now()
	claimed, err := h.store.ClaimDeliveries(ctx, now, now.Add(hookLease), hookBatch)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	receivers, err := h.store.Webhooks(ctx)
	if err != nil {
		return len(claimed), err
	}
	byID := map[int64]model.Webhook{}
	for _, w := range receivers {
		byID[w.ID] = w
	}
	for _, d := range claimed {
		if err := h.deliver(ctx, byID[d.WebhookID], d); err != nil {
			return len(claimed), err
		}
	}
	return len(claimed), nil
}

// deliver sends one delivery and records the outcome.
func (h *Hooks) deliver(ctx context.Context, w model.Webhook, d model.WebhookDelivery) error {
	if w.ID == 0 {
		return h.store.MarkDelivery(ctx, d.ID, false, h.now(), time.Time{}, 0, "the receiver was removed")
	}
	body, err := h.body(ctx, d)
	if errors.Is(err, errNothingLeft) {
		// The person was erased or the participation removed since:
		// the erasure is a delivery of its own.
		return h.store.MarkDelivery(ctx, d.ID, true, h.now(), time.Time{}, 0, "not sent: "+err.Error())
	}
	if err != nil {
		return err
	}
	status, sendErr := h.send(ctx, w, d, body)
	now := h.now()
	if sendErr == nil {
		return h.store.MarkDelivery(ctx, d.ID, true, now, time.Time{}, status, "")
	}
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the lease brings it back
	}
	var next time.Time
	if d.Attempts <= len(hookBackoff) {
		next = now.Add(hookBackoff[d.Attempts-1])
	}
	h.log.Warn("webhook delivery failed", "receiver", w.ID, "delivery", d.ID, "attempt", d.Attempts, "err", sendErr)
	return h.store.MarkDelivery(ctx, d.ID, false, now, next, status, sendErr.Error())
}

// send posts a body, signed, and reports the receiver's status.
func (h *Hooks) send(ctx context.Context, w model.Webhook, d model.WebhookDelivery, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vigil webhooks")
	req.Header.Set("X-Vigil-Event", d.Event)
	req.Header.Set("X-Vigil-Delivery", d.IdempotencyKey())
	req.Header.Set("X-Vigil-Signature", Sign(w.Secret, body))
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// Sign is the X-Vigil-Signature header of a body: the hex HMAC-SHA256 of
// the body under the receiver's secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

var errNothingLeft = errors.New("the person or the participation is no longer stored")

// body writes a delivery as Action Network does: an array of one object
// keyed by its type, beside the idempotency key.
func (h *Hooks) body(ctx context.Context, d model.WebhookDelivery) ([]byte, error) {
	item := map[string]any{"idempotency_key": d.IdempotencyKey()}
	s := h.shapes
	switch d.Event {
	case model.EventErasure:
		item["vigil:erasure"] = map[string]any{
			"identifiers":  identifiers(d.SupporterID),
			"erased_date":  osdiTime(d.Created),
			"_links":       links{"osdi:person": s.href("/people/%d", d.SupporterID)},
			"instructions": "Erase this person: Vigil no longer holds their personal data.",
		}
	case model.EventSignature, model.EventOutreach, model.EventConfirmation:
		person, err := h.person(ctx, d.SupporterID)
		if err != nil {
			return nil, err
		}
		if d.ParticipationID == 0 {
			if d.Event != model.EventConfirmation {
				return nil, errNothingLeft
			}
			item["vigil:confirmation"] = map[string]any{"confirmed_date": osdiTime(d.Created), "person": person}
			break
		}
		body, kind, err := h.participation(ctx, d.ParticipationID)
		if err != nil {
			return nil, err
		}
		body["person"] = person
		key := collections[kind].itemRel
		if d.Event == model.EventConfirmation {
			body["confirmed_date"] = osdiTime(d.Created)
			key = "vigil:confirmation"
		}
		item[key] = body
	case model.EventSubscription, model.EventUnsubscription:
		person, err := h.person(ctx, d.SupporterID)
		if err != nil {
			return nil, err
		}
		item["vigil:"+d.Event] = map[string]any{"created_date": osdiTime(d.Created), "person": person}
	default:
		return nil, fmt.Errorf("webhooks: unknown event %q", d.Event)
	}
	return json.Marshal([]any{item})
}

func (h *Hooks) person(ctx context.Context, id int64) (map[string]any, error) {
	if id == 0 {
		return nil, errNothingLeft
	}
	people, _, err := h.store.People(ctx, store.PeopleFilter{ID: id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(people) == 0 {
		return nil, errNothingLeft
	}
	return h.shapes.personBody(ctx, h.store, people[0])
}

func (h *Hooks) participation(ctx context.Context, id int64) (map[string]any, model.ActionKind, error) {
	list, _, err := h.store.ParticipationsPage(ctx, store.ParticipationFilter{ID: id, Limit: 1})
	if err != nil {
		return nil, "", err
	}
	if len(list) == 0 {
		return nil, "", errNothingLeft
	}
	p := list[0]
	actions, err := h.store.PublishedActions(ctx)
	if err != nil {
		return nil, "", err
	}
	for _, a := range actions {
		if a.ID == p.ActionID {
			return h.shapes.participationBody(a.Kind, p, a.Targets), a.Kind, nil
		}
	}
	return nil, "", errNothingLeft
}

// CheckReceiverURL says why a URL cannot receive webhooks: it must be
// https, or http to this machine (for testing), with a host and no
// credentials in it.
func CheckReceiverURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return errors.New("not an absolute URL, e.g. https://crm.example.org/vigil")
	}
	if u.User != nil {
		return errors.New("put no user or password in the URL: the secret signs each delivery")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if host := u.Hostname(); host == "localhost" || isLoopback(host) {
			return nil
		}
		return errors.New("only https, except to this machine (127.0.0.1, ::1, localhost) for testing")
	}
	return errors.New("only https, except to this machine (127.0.0.1, ::1, localhost) for testing")
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
