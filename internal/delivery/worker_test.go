package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store/sqlite"
	"vigil/internal/testutil"
)

// clock is a fake time the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// logBuffer collects a worker's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) Count(s string) int { return strings.Count(b.String(), s) }

func logger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// env is one test's real parts: SQLite store, keys, fake clock, logs.
type env struct {
	t     *testing.T
	db    *sqlite.DB
	keys  *secret.Keys
	clock *clock
	logs  *logBuffer
	// compose is the workers' composer of intents; nil: none expected.
	compose func(ctx context.Context, m model.OutboxMessage) (delivery.Message, error)
}

func newEnv(t *testing.T) *env {
	return &env{t: t, db: testutil.SQLite(t), keys: testutil.Keys(t), clock: newClock(), logs: &logBuffer{}}
}

// worker makes a worker on the env with quick polling.
func (e *env) worker(s delivery.Sender) *delivery.Worker {
	return &delivery.Worker{Store: e.db, Keys: e.keys, Sender: s, Log: logger(e.logs), Now: e.clock.Now,
		Poll: 5 * time.Millisecond, Composer: composeFunc(func(ctx context.Context, m model.OutboxMessage) (delivery.Message, error) {
			if e.compose == nil {
				return delivery.Message{}, fmt.Errorf("test: message %d is an intent, and none was expected", m.ID)
			}
			return e.compose(ctx, m)
		})}
}

// composeFunc is a delivery.Composer made of a function.
type composeFunc func(ctx context.Context, m model.OutboxMessage) (delivery.Message, error)

func (f composeFunc) Compose(ctx context.Context, m model.OutboxMessage) (delivery.Message, error) {
	return f(ctx, m)
}

// run starts w and stops it (waiting for Run to return) when the test ends
// or when the returned function is called.
func (e *env) run(w *delivery.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					e.t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				e.t.Error("Run did not return after cancel")
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

// queue seals m and enqueues it, due now.
func (e *env) queue(m delivery.Message) model.OutboxMessage {
	e.t.Helper()
	id := delivery.NewMessageID("vigil.test")
	sealed, err := delivery.Seal(e.keys, id, m)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.enqueue(id, sealed)
}

// queueUnchecked seals m without Seal's validation, as a bug elsewhere or
// a tampered writer could.
func (e *env) queueUnchecked(m delivery.Message) model.OutboxMessage {
	e.t.Helper()
	id := delivery.NewMessageID("vigil.test")
	plain, err := json.Marshal(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.enqueue(id, e.keys.Seal(plain, secret.AD("outbox", "sealed", id)))
}

func (e *env) enqueue(id string, sealed []byte) model.OutboxMessage {
	e.t.Helper()
	row := model.OutboxMessage{MessageID: id, Kind: "confirm", Sealed: sealed,
		CreatedAt: e.clock.Now(), NextAttemptAt: e.clock.Now()}
	if err := e.db.EnqueueMessage(context.Background(), &row); err != nil {
		e.t.Fatal(err)
	}
	return row
}

func (e *env) row(id int64) model.OutboxMessage {
	e.t.Helper()
	r, err := e.db.OutboxMessage(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// waitRow waits until the row satisfies ok.
func (e *env) waitRow(id int64, what string, ok func(model.OutboxMessage) bool) model.OutboxMessage {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.row(id)
		if ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("row %d never %s; last %+v\nlogs:\n%s", id, what, r, e.logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *env) waitState(id int64, st model.MessageState) model.OutboxMessage {
	e.t.Helper()
	return e.waitRow(id, string(st), func(r model.OutboxMessage) bool { return r.State == st })
}

func (e *env) waitCount(st model.MessageState, n int) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := e.db.OutboxCounts(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if c[st] == n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d %s, want %d (all %v)\nlogs:\n%s", c[st], st, n, c, e.logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// noAddresses checks that no recipient reached the logs.
func (e *env) noAddresses(addrs ...string) {
	e.t.Helper()
	logs := e.logs.String()
	for _, a := range addrs {
		if strings.Contains(logs, a) {
			e.t.Errorf("logs show %q:\n%s", a, logs)
		}
	}
}

func appeal() delivery.Message {
	return delivery.Message{
		From:    "Vigil <noreply@vigil.test>",
		To:      []string{"Ana Pérez <ana@example.org>"},
		ReplyTo: "campaigns@vigil.test",
		Subject: "Venezuela — ñ ✓",
		Text:    "Venezuela — ñ ✓\nThank you for acting.\n",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://vigil.test/en/unsubscribe/tok>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
}

func TestWorkerDelivers(t *testing.T) {
	mp := testutil.Mailpit(t)
	e := newEnv(t)
	w := e.worker(sender(t, mp.SMTPURL()))
	w.Poll = time.Hour // only Wake (and the start) make it look
	e.run(w)
	time.Sleep(20 * time.Millisecond) // let the first, empty, look happen

	row := e.queue(appeal())
	w.Wake()
	ms := mp.WaitForMessages(t, 1, 10*time.Second)
	got := mp.Message(t, ms[0].ID)
	if got.MessageID != row.MessageID || got.Header("Message-ID") != "<"+row.MessageID+">" {
		t.Errorf("Message-ID %q / header %q, want %s", got.MessageID, got.Header("Message-ID"), row.MessageID)
	}
	if got.From.Address != "noreply@vigil.test" || got.From.Name != "Vigil" ||
		len(got.To) != 1 || got.To[0].Address != "ana@example.org" || got.To[0].Name != "Ana Pérez" ||
		len(got.ReplyTo) != 1 || got.ReplyTo[0].Address != "campaigns@vigil.test" ||
		got.Subject != "Venezuela — ñ ✓" {
		t.Errorf("envelope: %+v", got.MailpitSummary)
	}
	if !strings.Contains(got.Text, "Venezuela — ñ ✓\r\nThank you for acting.") && !strings.Contains(got.Text, "Venezuela — ñ ✓\nThank you for acting.") {
		t.Errorf("text %q", got.Text)
	}
	if got.HTML != "" {
		t.Errorf("HTML %q for a text-only message", got.HTML)
	}
	if got.Header("List-Unsubscribe") != "<https://vigil.test/en/unsubscribe/tok>" ||
		got.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("unsubscribe headers %q / %q", got.Header("List-Unsubscribe"), got.Header("List-Unsubscribe-Post"))
	}
	if got.Header("Date") == "" {
		t.Error("no Date header")
	}
	if !strings.Contains(got.Header("Content-Type"), "charset=UTF-8") {
		t.Errorf("Content-Type %q", got.Header("Content-Type"))
	}

	r := e.waitState(row.ID, model.MessageSent)
	if r.Attempts != 1 || !r.SentAt.Equal(e.clock.Now()) || r.LastError != "" {
		t.Errorf("sent row: %+v", r)
	}
	e.noAddresses("ana@example.org")
}

func TestWorkerRetriesThenFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	e := newEnv(t)
	w := e.worker(sender(t, "smtp://"+closed+"?timeout=2s"))
	w.MaxAttempts, w.Backoff = 4, time.Second
	row := e.queue(appeal())
	e.run(w)

	for attempt := 1; attempt < w.MaxAttempts; attempt++ {
		r := e.waitRow(row.ID, fmt.Sprintf("queued after attempt %d", attempt), func(r model.OutboxMessage) bool {
			return r.State == model.MessageQueued && r.Attempts == attempt
		})
		delay := r.NextAttemptAt.Sub(e.clock.Now())
		if want := time.Second << (attempt - 1); delay != want {
			t.Errorf("after attempt %d: next attempt in %s, want %s", attempt, delay, want)
		}
		if !strings.Contains(r.LastError, "smtp") || strings.Contains(r.LastError, "example.org") {
			t.Errorf("last error %q", r.LastError)
		}
		// Not due yet: nothing happens.
		e.clock.Set(r.NextAttemptAt.Add(-time.Millisecond))
		time.Sleep(30 * time.Millisecond)
		if r2 := e.row(row.ID); r2.Attempts != attempt {
			t.Fatalf("attempt %d made before its time", r2.Attempts)
		}
		e.clock.Set(r.NextAttemptAt)
	}
	r := e.waitState(row.ID, model.MessageFailed)
	if r.Attempts != w.MaxAttempts || !strings.Contains(r.LastError, "after 4 attempts") {
		t.Errorf("failed row: %+v", r)
	}
	if n := e.logs.Count("will retry"); n != 3 {
		t.Errorf("%d retry log lines, want 3:\n%s", n, e.logs)
	}
	if n := e.logs.Count("giving up"); n != 1 || !strings.Contains(e.logs.String(), "message_id="+row.MessageID) {
		t.Errorf("give-up log:\n%s", e.logs)
	}
	e.noAddresses("ana@example.org", "Pérez")
}

var errCrash = fmt.Errorf("simulated crash")

func TestWorkerCrashBetweenSendAndMark(t *testing.T) {
	mp := testutil.Mailpit(t)
	e := newEnv(t)
	s := sender(t, mp.SMTPURL())
	row := e.queue(appeal())

	// The first worker dies right after the server accepted the message.
	w1 := e.worker(s)
	w1.Lease = time.Minute
	w1.AfterSend = func(model.OutboxMessage) { panic(errCrash) }
	crashed := make(chan any, 1)
	go func() {
		defer func() { crashed <- recover() }()
		_ = w1.Run(context.Background())
	}()
	select {
	case r := <-crashed:
		if r != errCrash {
			t.Fatalf("first worker ended with %v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("first worker never sent")
	}
	mp.WaitForMessages(t, 1, 5*time.Second)
	r := e.row(row.ID)
	if r.State != model.MessageSending || r.Attempts != 1 || !r.LeaseUntil.Equal(e.clock.Now().Add(time.Minute)) {
		t.Fatalf("row after the crash: %+v", r)
	}

	// A second worker leaves it alone while the lease runs…
	w2 := e.worker(s)
	w2.Lease = time.Minute
	e.run(w2)
	e.clock.Advance(59 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if r := e.row(row.ID); r.State != model.MessageSending || r.Attempts != 1 {
		t.Fatalf("taken while leased: %+v", r)
	}
	// …and sends it again once the lease has run out.
	e.clock.Advance(2 * time.Second)
	r = e.waitState(row.ID, model.MessageSent)
	if r.Attempts != 2 {
		t.Errorf("attempts %d, want 2", r.Attempts)
	}
	ms := mp.WaitForMessages(t, 2, 5*time.Second)
	if len(ms) != 2 || ms[0].MessageID != row.MessageID || ms[1].MessageID != row.MessageID {
		t.Fatalf("mailpit holds %+v, want two copies with Message-ID %s", ms, row.MessageID)
	}
	time.Sleep(50 * time.Millisecond)
	if ms := mp.Messages(t); len(ms) != 2 {
		t.Fatalf("mailpit holds %d messages, want 2", len(ms))
	}
}

func TestWorkerHoldsWithoutSMTP(t *testing.T) {
	e := newEnv(t)
	var rows []model.OutboxMessage
	for range 3 {
		rows = append(rows, e.queue(appeal()))
	}
	stop := e.run(e.worker(nil))
	e.waitCount(model.MessageHeld, 3)
	time.Sleep(50 * time.Millisecond) // many polls
	const warn = "no SMTP server configured"
	if n := e.logs.Count(warn); n != 1 || !strings.Contains(e.logs.String(), "held=3") {
		t.Errorf("%d warnings, want 1 saying held=3:\n%s", n, e.logs)
	}
	rows = append(rows, e.queue(appeal()))
	e.waitCount(model.MessageHeld, 4)
	time.Sleep(50 * time.Millisecond)
	if n := e.logs.Count(warn); n != 2 || !strings.Contains(e.logs.String(), "held=4") {
		t.Errorf("%d warnings, want 2, the last saying held=4:\n%s", n, e.logs)
	}
	stop()
	for _, r := range rows {
		if got := e.row(r.ID); got.State != model.MessageHeld || got.Attempts != 0 {
			t.Fatalf("row %d: %+v, want held, never tried", r.ID, got)
		}
	}

	// An SMTP server appears: everything held goes out.
	mp := testutil.Mailpit(t)
	e.run(e.worker(sender(t, mp.SMTPURL())))
	e.waitCount(model.MessageSent, 4)
	ms := mp.WaitForMessages(t, 4, 5*time.Second)
	want := map[string]bool{}
	for _, r := range rows {
		want[r.MessageID] = true
	}
	for _, m := range ms {
		if !want[m.MessageID] {
			t.Errorf("unexpected or repeated message %s", m.MessageID)
		}
		delete(want, m.MessageID)
	}
	if !strings.Contains(e.logs.String(), "released held messages") {
		t.Errorf("release not logged:\n%s", e.logs)
	}
}

func TestWorkerRefusesHeaderInjection(t *testing.T) {
	mp := testutil.Mailpit(t)
	e := newEnv(t)
	// Sealed without Seal's check, as a bug elsewhere could.
	bad := []model.OutboxMessage{}
	for _, mutate := range []func(m *delivery.Message){
		func(m *delivery.Message) { m.Subject = "Hello\r\nBcc: eve@evil.example" },
		func(m *delivery.Message) { m.To = []string{"ana@example.org\r\nBcc: eve@evil.example"} },
		func(m *delivery.Message) { m.Subject = "Hello\nBcc: eve@evil.example" },
	} {
		m := appeal()
		mutate(&m)
		bad = append(bad, e.queueUnchecked(m))
	}
	good := e.queue(appeal())
	e.run(e.worker(sender(t, mp.SMTPURL())))

	for _, b := range bad {
		r := e.waitState(b.ID, model.MessageFailed)
		if r.Attempts != 1 || !strings.Contains(r.LastError, "permanent") || !strings.Contains(r.LastError, "header injection") {
			t.Errorf("refused row: %+v", r)
		}
	}
	e.waitState(good.ID, model.MessageSent)
	time.Sleep(50 * time.Millisecond)
	ms := mp.Messages(t)
	if len(ms) != 1 || ms[0].MessageID != good.MessageID {
		t.Fatalf("mailpit holds %+v, want only the good message", ms)
	}
	if len(mp.Message(t, ms[0].ID).Bcc) != 0 {
		t.Error("the good message gained a Bcc")
	}
	e.noAddresses("eve@evil.example", "ana@example.org")
}

func TestWorkerPermanentRefusal(t *testing.T) {
	mp := testutil.Mailpit(t, "--smtp-allowed-recipients", `@example\.org$`)
	e := newEnv(t)
	m := appeal()
	m.To = []string{"someone@blocked.test"}
	row := e.queue(m)
	e.run(e.worker(sender(t, mp.SMTPURL())))
	r := e.waitState(row.ID, model.MessageFailed)
	if r.Attempts != 1 || !strings.Contains(r.LastError, "permanent") || strings.Contains(r.LastError, "blocked.test") {
		t.Errorf("row: %+v", r)
	}
	e.noAddresses("blocked.test")
}

// panicSender fails the test if the worker sends at all.
type panicSender struct{ t *testing.T }

func (p panicSender) Send(context.Context, string, delivery.Message) error {
	p.t.Error("Send called")
	return nil
}

func TestWorkerWrongKey(t *testing.T) {
	e := newEnv(t)
	row := e.queue(appeal())
	w := e.worker(panicSender{t})
	w.Keys = testutil.Keys(t) // not the keys it was sealed with
	e.run(w)
	r := e.waitState(row.ID, model.MessageFailed)
	if r.Attempts != 1 || !strings.Contains(r.LastError, "cannot open") || !strings.Contains(r.LastError, "key") {
		t.Errorf("row: %+v", r)
	}
	if !strings.Contains(e.logs.String(), "failure=open") {
		t.Errorf("logs:\n%s", e.logs)
	}
}

func TestWorkerMisconfigured(t *testing.T) {
	if err := (&delivery.Worker{}).Run(context.Background()); err == nil {
		t.Error("Run without a store")
	}
	e := newEnv(t)
	if err := (&delivery.Worker{Store: e.db, Sender: panicSender{t}}).Run(context.Background()); err == nil {
		t.Error("Run with a Sender and no keys")
	}
	(&delivery.Worker{}).Wake() // never blocks, even before Run
	(&delivery.Worker{}).Wake()
}

// funcSender sends with a function.
type funcSender func(ctx context.Context, id string, m delivery.Message) error

func (f funcSender) Send(ctx context.Context, id string, m delivery.Message) error {
	return f(ctx, id, m)
}

// A slow server eats the lease of a batch: messages left with too little
// lease are not sent (another worker may already hold them); they come back
// once the lease has run out.
func TestWorkerLeavesMessagesWhoseLeaseRanLow(t *testing.T) {
	e := newEnv(t)
	var sent []string
	w := e.worker(funcSender(func(_ context.Context, id string, _ delivery.Message) error {
		sent = append(sent, id)
		e.clock.Advance(time.Minute) // a slow server
		return nil
	}))
	w.Lease, w.Batch = 2*time.Minute, 5
	var rows []model.OutboxMessage
	for range 5 {
		rows = append(rows, e.queue(appeal()))
	}
	n, err := w.Step(context.Background())
	if err != nil || n != 5 {
		t.Fatalf("Step = %d, %v", n, err)
	}
	if len(sent) != 2 {
		t.Fatalf("sent %d, want 2 (the lease allows no more)", len(sent))
	}
	for _, r := range rows[2:] {
		if got := e.row(r.ID); got.State != model.MessageSending {
			t.Fatalf("left message %d is %s, want still leased", r.ID, got.State)
		}
	}
	if n, _ := w.Step(context.Background()); n != 0 {
		t.Fatalf("claimed %d while leased", n)
	}
	e.clock.Advance(time.Minute) // lease over
	if n, err := w.Step(context.Background()); err != nil || n != 3 {
		t.Fatalf("Step after the lease = %d, %v; want the 3 left", n, err)
	}
}

// Stopping in the middle of a batch: the message the server accepted is
// marked sent although the context is done, and the rest go back to the
// queue, due at once.
func TestWorkerStopMidBatch(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := e.worker(funcSender(func(context.Context, string, delivery.Message) error {
		cancel() // the process is told to stop while the server accepts
		return nil
	}))
	a, b, c := e.queue(appeal()), e.queue(appeal()), e.queue(appeal())
	if n, err := w.Step(ctx); n != 3 || err != nil {
		t.Fatalf("Step = %d, %v", n, err)
	}
	if r := e.row(a.ID); r.State != model.MessageSent {
		t.Errorf("accepted message is %s, want sent", r.State)
	}
	for _, x := range []model.OutboxMessage{b, c} {
		if r := e.row(x.ID); r.State != model.MessageQueued || !r.NextAttemptAt.Equal(e.clock.Now()) {
			t.Errorf("untried message: %+v, want queued, due now", r)
		}
	}
}
