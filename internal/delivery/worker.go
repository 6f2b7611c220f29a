package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// Worker defaults.
const (
	DefaultMaxAttempts = 8
	DefaultBackoff     = 30 * time.Second
	MaxBackoff         = 6 * time.Hour
	DefaultLease       = 2 * time.Minute
	DefaultBatch       = 20
	DefaultPoll        = 2 * time.Second
	// ConfigurationRetry caps the wait before the next attempt of a
	// message that failed because the SMTP server could not be used as
	// configured (see IsConfiguration): once the operator has fixed it,
	// mail flows again within minutes.
	ConfigurationRetry = 5 * time.Minute
)

// storeTimeout bounds the store updates made after a send, which run even
// when the worker's context has been cancelled (see Run).
const storeTimeout = 10 * time.Second

// Outbox is what the worker asks of the outbox table; the adapters
// (store/sqlite, store/postgres) provide it, and cli hands one in. Each
// method does what store.Outbox documents for it.
type Outbox interface {
	ClaimMessages(ctx context.Context, now, leaseUntil time.Time, n int) ([]model.OutboxMessage, error)
	MarkAllSent(ctx context.Context, sent []store.Sent) error
	MarkRetry(ctx context.Context, id int64, next time.Time, lastError string) error
	MarkWaiting(ctx context.Context, id int64, next time.Time, lastError string) error
	MarkFailed(ctx context.Context, id int64, lastError string) error
	HoldQueued(ctx context.Context) (int, error)
	ReleaseHeld(ctx context.Context, now time.Time) (int, error)
	OutboxCounts(ctx context.Context) (map[model.MessageState]int, error)
}

// Composer writes the email an intent stands for (a message stored
// without content; see model.OutboxMessage.Intent) when it is sent: it is
// notify.Composer, reading the supporter and the action as they are then.
type Composer interface {
	Compose(ctx context.Context, m model.OutboxMessage) (Message, error)
}

// Worker delivers the outbox. Several workers, in one process or many, may
// share a store: claims are leased, so a message is sent by one worker at a
// time, and again only after a worker died holding it (same Message-ID).
// Set the fields before Run; zero values take the defaults.
type Worker struct {
	Store  Outbox
	Keys   *secret.Keys
	Sender Sender // nil: no SMTP server configured; queued mail is held
	// Composer writes the emails of intents. Needed with a Sender.
	Composer Composer
	Log      *slog.Logger
	Now      func() time.Time
	// MaxAttempts is how many attempts a message gets before it is marked
	// failed (default 8).
	MaxAttempts int
	// Backoff is the delay before the first retry, doubling after each
	// further failure, capped at 6h (default 30s).
	Backoff time.Duration
	// Lease is how long a claimed message is reserved for this worker
	// (default 2m). It must be longer than a send takes; when it runs out
	// before the message is marked, another worker sends it again.
	Lease time.Duration
	// Batch is how many messages one claim takes (default 20).
	Batch int
	// Poll is how often the worker looks for due messages when idle
	// (default 2s); Wake cuts the wait short.
	Poll time.Duration
	// AfterSend, a test hook, runs after the SMTP server accepted m and
	// before it is marked sent. A panic there leaves Run like a crash.
	AfterSend func(m model.OutboxMessage)

	once sync.Once
	wake chan struct{}
}

func (w *Worker) init() {
	w.once.Do(func() { w.wake = make(chan struct{}, 1) })
}

// Wake nudges the worker to look for due messages now, for example after a
// request queued one. It never blocks.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// backoff is the delay before the next attempt after the attempts-th failed
// one: Backoff, 2×Backoff, 4×Backoff, … capped at MaxBackoff.
func (w *Worker) backoff(attempts int) time.Duration {
	d := orDefault(w.Backoff, DefaultBackoff)
	for i := 1; i < attempts && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// Run delivers until ctx is done, then returns nil. Without a Sender it
// holds queued mail (nothing is dropped; a worker with a Sender releases it)
// and logs at warn level how many messages are held whenever that number
// changes. With a Sender it first releases held mail, then claims due
// messages in batches, opens and sends each, and marks it sent, retried
// (growing backoff) or failed (after MaxAttempts, on a permanent error, or
// when it cannot be opened). A message the server could not take as
// configured (IsConfiguration: no STARTTLS, no TLS for the password, …)
// stays queued, however many attempts it has had. Failures are logged with
// the row id, Message-ID, kind and failure class, never the recipients or
// the content.
//
// A message accepted by the server is marked sent even if ctx is cancelled
// meanwhile (a graceful stop loses no acknowledgement). Store errors are
// logged and retried at the next poll.
func (w *Worker) Run(ctx context.Context) error {
	if w.Store == nil {
		return errors.New("mail: worker without a store")
	}
	if w.Sender != nil && w.Keys == nil {
		return errors.New("mail: worker without keys")
	}
	if w.Sender != nil && w.Composer == nil {
		return errors.New("mail: worker without a composer")
	}
	w.init()
	poll := orDefault(w.Poll, DefaultPoll)
	if w.Sender == nil {
		return w.hold(ctx, poll)
	}
	if n, err := w.Store.ReleaseHeld(ctx, w.now()); err != nil {
		w.log().Error("mail: releasing held messages", "err", err)
	} else if n > 0 {
		w.log().Info("mail: released held messages for sending", "count", n)
	}
	for {
		n, err := w.Step(ctx)
		if err != nil && ctx.Err() == nil {
			w.log().Error("mail: outbox", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err == nil && n == orDefault(w.Batch, DefaultBatch) {
			continue // a full batch: there may be more due at once
		}
		if !w.wait(ctx, poll) {
			return nil
		}
	}
}

// wait sleeps for d or until Wake; false when ctx is done.
func (w *Worker) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-w.wake:
		return true
	case <-t.C:
		return true
	}
}

// hold is Run without a Sender.
func (w *Worker) hold(ctx context.Context, poll time.Duration) error {
	held := -1 // last number logged
	for {
		n, err := w.Store.HoldQueued(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				w.log().Error("mail: holding queued messages", "err", err)
			}
		case n > 0 || held < 0:
			counts, err := w.Store.OutboxCounts(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.log().Error("mail: counting held messages", "err", err)
				}
				break
			}
			if h := counts[model.MessageHeld]; h != held {
				held = h
				w.log().Warn("mail: no SMTP server configured; messages are held in the outbox until one is",
					"held", h)
			}
		}
		// Wakes are for sending at once; holding can wait for the next
		// poll, and answering each wake would add a write per signature.
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// Step claims one batch of due messages and handles each; it returns how
// many it claimed. Run calls it in a loop; it needs a Sender.
func (w *Worker) Step(ctx context.Context) (int, error) {
	if w.Sender == nil {
		return 0, errors.New("mail: Step without a Sender")
	}
	now := w.now()
	ms, err := w.Store.ClaimMessages(ctx, now, now.Add(orDefault(w.Lease, DefaultLease)), orDefault(w.Batch, DefaultBatch))
	if err != nil {
		return 0, err
	}
	lease := orDefault(w.Lease, DefaultLease)
	var errs []error
	// What the server accepted is marked sent for the whole batch at once,
	// in one transaction (see markSent).
	var sent []store.Sent
	for i, m := range ms {
		if ctx.Err() != nil {
			// Stopping: give back what was claimed and not tried, due at once.
			errs = append(errs, w.markSent(ctx, &sent))
			w.giveBack(ms[i:])
			break
		}
		if !w.now().Before(m.LeaseUntil.Add(-lease / 4)) {
			// Earlier sends in this batch ate most of the lease: another
			// worker may take this message any moment. Leave it alone; it
			// comes back when the lease runs out.
			errs = append(errs, w.markSent(ctx, &sent))
			w.log().Warn("mail: lease nearly over before sending; leaving the message for later",
				"id", m.ID, "message_id", m.MessageID, "kind", m.Kind)
			continue
		}
		accepted, err := w.deliver(ctx, m)
		if err != nil {
			errs = append(errs, err)
		}
		if accepted {
			sent = append(sent, store.Sent{ID: m.ID, At: w.now()})
		}
	}
	errs = append(errs, w.markSent(ctx, &sent))
	return len(ms), errors.Join(errs...)
}

// markSent records the batch's accepted messages as sent, in one
// transaction rather than one each: under a wave of signatures, a commit
// of its own per email waited its turn behind the signatures', and
// sending fell far behind them (see BENCHMARKS.md, "Marking sent").
// Should the worker die first, those messages go again when their lease
// runs out, under the same Message-IDs.
func (w *Worker) markSent(ctx context.Context, sent *[]store.Sent) error {
	if len(*sent) == 0 {
		return nil
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	err := w.Store.MarkAllSent(sctx, *sent)
	*sent = (*sent)[:0]
	if err != nil {
		return fmt.Errorf("mail: marking messages sent: %w", err)
	}
	return nil
}

// giveBack returns claimed messages to the queue without a failure, so
// another worker need not wait for their lease. The attempt stays counted.
func (w *Worker) giveBack(ms []model.OutboxMessage) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	for _, m := range ms {
		if err := w.Store.MarkRetry(ctx, m.ID, w.now(), "worker stopped before trying"); err != nil {
			w.log().Error("mail: giving back a claimed message", "id", m.ID, "message_id", m.MessageID, "err", err)
		}
	}
}

// deliver handles one claimed message: accepted reports that the SMTP
// server took it (the caller marks it sent). The error is a store error
// only; delivery failures are recorded on the row.
func (w *Worker) deliver(ctx context.Context, m model.OutboxMessage) (accepted bool, err error) {
	msg, err := w.message(ctx, m)
	switch {
	case errors.Is(err, ErrNothingToSend):
		return false, w.fail(m, "nothing to send", err.Error())
	case err != nil && m.Intent():
		// The database could not be read: try again later.
		reason := "composing: " + redactAddresses(err.Error())
		switch {
		case ctx.Err() != nil:
			return false, w.retry(ctx, m, w.now(), reason)
		case m.Attempts >= orDefault(w.MaxAttempts, DefaultMaxAttempts):
			return false, w.fail(m, "gave up", fmt.Sprintf("%s (after %d attempts)", reason, m.Attempts))
		}
		return false, w.retry(ctx, m, w.now().Add(w.backoff(m.Attempts)), reason)
	case err != nil:
		reason := "cannot open the sealed message (wrong key file, or the row was altered): " + err.Error()
		return false, w.fail(m, "open", reason)
	}
	err = w.Sender.Send(ctx, m.MessageID, msg)
	if err == nil {
		if w.AfterSend != nil {
			w.AfterSend(m)
		}
		return true, nil
	}
	reason := redactAddresses(err.Error())
	next := w.now().Add(w.backoff(m.Attempts))
	switch {
	case IsPermanent(err):
		return false, w.fail(m, "permanent", reason)
	case IsConfiguration(err):
		// Not this message's fault, and every other one would fail alike:
		// it stays queued, its error on the dashboard, its attempt given
		// back, however long it takes the operator to fix the server or
		// --smtp.
		next = w.now().Add(min(w.backoff(m.Attempts), ConfigurationRetry))
		return false, w.markWaiting(ctx, m, next, "SMTP server settings: "+reason)
	case ctx.Err() != nil:
		// Interrupted by shutdown rather than refused: try again at once,
		// the attempt given back.
		return false, w.markWaiting(ctx, m, w.now(), reason)
	case m.Attempts >= orDefault(w.MaxAttempts, DefaultMaxAttempts):
		return false, w.fail(m, "gave up", fmt.Sprintf("%s (after %d attempts)", reason, m.Attempts))
	}
	return false, w.retry(ctx, m, next, reason)
}

// markWaiting puts m back in the queue for next without counting the
// attempt: nothing was tried with this message itself.
func (w *Worker) markWaiting(ctx context.Context, m model.OutboxMessage, next time.Time, reason string) error {
	w.log().Warn("mail: delivery waits, will retry",
		"id", m.ID, "message_id", m.MessageID, "kind", m.Kind, "next_attempt", next, "err", reason)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := w.Store.MarkWaiting(sctx, m.ID, next, reason); err != nil {
		return fmt.Errorf("mail: marking %s waiting: %w", m.MessageID, err)
	}
	return nil
}

// message is what m says: composed now for an intent, opened otherwise.
func (w *Worker) message(ctx context.Context, m model.OutboxMessage) (Message, error) {
	if m.Intent() {
		return w.Composer.Compose(ctx, m)
	}
	return Open(w.Keys, m.MessageID, m.Sealed)
}

// retry puts m back in the queue for another attempt at next.
func (w *Worker) retry(ctx context.Context, m model.OutboxMessage, next time.Time, reason string) error {
	w.log().Warn("mail: delivery failed, will retry",
		"id", m.ID, "message_id", m.MessageID, "kind", m.Kind, "failure", "temporary",
		"attempts", m.Attempts, "next_attempt", next, "err", reason)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := w.Store.MarkRetry(sctx, m.ID, next, reason); err != nil {
		return fmt.Errorf("mail: marking %s for retry: %w", m.MessageID, err)
	}
	return nil
}

func (w *Worker) fail(m model.OutboxMessage, failure, reason string) error {
	w.log().Error("mail: delivery failed, giving up",
		"id", m.ID, "message_id", m.MessageID, "kind", m.Kind, "failure", failure,
		"attempts", m.Attempts, "err", reason)
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := w.Store.MarkFailed(ctx, m.ID, failure+": "+reason); err != nil {
		return fmt.Errorf("mail: marking %s failed: %w", m.MessageID, err)
	}
	return nil
}

// addressLike matches anything shaped like an email address, to keep
// recipients out of logs and stored errors whatever a Sender's error says.
var addressLike = regexp.MustCompile(`[^\s<>()\[\]{}",;:'=]+@[^\s<>()\[\]{}",;:'=]+`)

func redactAddresses(s string) string { return addressLike.ReplaceAllString(s, "[address]") }
