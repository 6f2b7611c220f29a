package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
)

// RunOutbox runs the outbox conformance tests against stores made by open,
// which returns a fresh, migrated, empty store.
func RunOutbox(t *testing.T, open func(t *testing.T) Outbox) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Outbox)
	}{
		{"EnqueueClaimSent", testOutboxEnqueueClaimSent},
		{"Defaults", testOutboxDefaults},
		{"LeaseExpiry", testOutboxLeaseExpiry},
		{"NotDue", testOutboxNotDue},
		{"ClaimOrderAndLimit", testOutboxClaimOrderAndLimit},
		{"RetryAndFailed", testOutboxRetryAndFailed},
		{"Waiting", testOutboxWaiting},
		{"LateAnswerKeepsSent", testOutboxLateAnswerKeepsSent},
		{"HoldRelease", testOutboxHoldRelease},
		{"DuplicateMessageID", testOutboxDuplicateMessageID},
		{"NotFound", testOutboxNotFound},
		{"Counts", testOutboxCounts},
		{"ConcurrentClaimers", testOutboxConcurrentClaimers},
		{"MarkAllSent", testOutboxMarkAllSent},
		{"ClaimAmongManyDue", testOutboxClaimAmongMany},
		{"DropSentBodies", testOutboxDropSentBodies},
		{"LastDeliveryError", testOutboxLastDeliveryError},
		{"ErrorTextCleaned", testOutboxErrorTextCleaned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

// outboxT0 is the instant the outbox tests run at.
var outboxT0 = time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)

func enqueue(t *testing.T, s Outbox, msgID string, next time.Time) *model.OutboxMessage {
	t.Helper()
	m := &model.OutboxMessage{
		MessageID: msgID, Kind: "confirm", Sealed: []byte("sealed:" + msgID),
		NextAttemptAt: next, CreatedAt: outboxT0,
	}
	if err := s.EnqueueMessage(ctx, m); err != nil {
		t.Fatalf("enqueue %s: %v", msgID, err)
	}
	if m.ID == 0 {
		t.Fatalf("enqueue %s: no ID assigned", msgID)
	}
	return m
}

func claim(t *testing.T, s Outbox, now time.Time, lease time.Duration, n int) []model.OutboxMessage {
	t.Helper()
	ms, err := s.ClaimMessages(ctx, now, now.Add(lease), n)
	if err != nil {
		t.Fatalf("claim at %s: %v", now, err)
	}
	return ms
}

func outboxMsg(t *testing.T, s Outbox, id int64) model.OutboxMessage {
	t.Helper()
	m, err := s.OutboxMessage(ctx, id)
	if err != nil {
		t.Fatalf("outbox message %d: %v", id, err)
	}
	return m
}

func messageIDs(ms []model.OutboxMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.MessageID
	}
	return out
}

func testOutboxEnqueueClaimSent(t *testing.T, s Outbox) {
	m := &model.OutboxMessage{
		MessageID: "a1@vigil.test", Kind: "thanks", Sealed: []byte{0, 1, 2, 255},
		NextAttemptAt: outboxT0, CreatedAt: outboxT0.Add(-time.Minute),
	}
	if err := s.EnqueueMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if m.ID == 0 || m.State != model.MessageQueued {
		t.Fatalf("after enqueue: ID %d, state %q; want an ID and queued", m.ID, m.State)
	}
	got := outboxMsg(t, s, m.ID)
	if got.MessageID != m.MessageID || got.Kind != "thanks" || got.State != model.MessageQueued ||
		string(got.Sealed) != string(m.Sealed) || got.Attempts != 0 ||
		!got.NextAttemptAt.Equal(outboxT0) || !got.CreatedAt.Equal(outboxT0.Add(-time.Minute)) ||
		!got.LeaseUntil.IsZero() || !got.SentAt.IsZero() || got.LastError != "" {
		t.Fatalf("stored message: %+v", got)
	}

	now := outboxT0.Add(time.Second)
	ms := claim(t, s, now, 2*time.Minute, 10)
	if len(ms) != 1 {
		t.Fatalf("claimed %d messages, want 1", len(ms))
	}
	c := ms[0]
	if c.ID != m.ID || c.State != model.MessageSending || c.Attempts != 1 ||
		!c.LeaseUntil.Equal(now.Add(2*time.Minute)) || string(c.Sealed) != string(m.Sealed) ||
		c.MessageID != m.MessageID || c.Kind != "thanks" {
		t.Fatalf("claimed message: %+v", c)
	}
	if again := claim(t, s, now, 2*time.Minute, 10); len(again) != 0 {
		t.Fatalf("claimed again while leased: %v", messageIDs(again))
	}

	sentAt := now.Add(3 * time.Second)
	if err := s.MarkSent(ctx, m.ID, sentAt); err != nil {
		t.Fatal(err)
	}
	got = outboxMsg(t, s, m.ID)
	if got.State != model.MessageSent || !got.SentAt.Equal(sentAt) || got.Attempts != 1 {
		t.Fatalf("after MarkSent: %+v", got)
	}
	// A sent message is never claimed again, however late.
	if ms := claim(t, s, now.Add(24*time.Hour), time.Minute, 10); len(ms) != 0 {
		t.Fatalf("claimed a sent message: %v", messageIDs(ms))
	}
}

func testOutboxDefaults(t *testing.T, s Outbox) {
	// No time at all: refused, since the store never reads the wall clock.
	undated := &model.OutboxMessage{MessageID: "d0@vigil.test", Kind: "confirm", Sealed: []byte("x")}
	if err := s.EnqueueMessage(ctx, undated); err == nil {
		t.Fatal("a message without a time was stored")
	}
	// No NextAttemptAt: due when created.
	m := &model.OutboxMessage{MessageID: "d1@vigil.test", Kind: "confirm", Sealed: []byte("x"),
		SupporterID: 0, ParticipationID: 0, TargetID: 0, CreatedAt: outboxT0}
	if err := s.EnqueueMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	got := outboxMsg(t, s, m.ID)
	if !got.CreatedAt.Equal(outboxT0) || !got.NextAttemptAt.Equal(outboxT0) {
		t.Fatalf("defaults: created %s, next %s; want both %s", got.CreatedAt, got.NextAttemptAt, outboxT0)
	}
	if got.SupporterID != 0 || got.ParticipationID != 0 || got.TargetID != 0 {
		t.Fatalf("zero links stored as %d/%d/%d", got.SupporterID, got.ParticipationID, got.TargetID)
	}
	if ms := claim(t, s, outboxT0.Add(-time.Second), time.Minute, 5); len(ms) != 0 {
		t.Fatalf("claimed %d before the message was due", len(ms))
	}
	if ms := claim(t, s, outboxT0, time.Minute, 5); len(ms) != 1 {
		t.Fatalf("claimed %d, want the message due when created", len(ms))
	}

	// A message can be stored held.
	h := &model.OutboxMessage{MessageID: "d2@vigil.test", Kind: "confirm", Sealed: []byte("x"),
		State: model.MessageHeld, CreatedAt: outboxT0, NextAttemptAt: outboxT0}
	if err := s.EnqueueMessage(ctx, h); err != nil {
		t.Fatal(err)
	}
	if got := outboxMsg(t, s, h.ID); got.State != model.MessageHeld {
		t.Fatalf("state %q, want held", got.State)
	}
}

func testOutboxLeaseExpiry(t *testing.T, s Outbox) {
	m := enqueue(t, s, "l1@vigil.test", outboxT0)
	lease := 2 * time.Minute
	if ms := claim(t, s, outboxT0, lease, 10); len(ms) != 1 || ms[0].Attempts != 1 {
		t.Fatalf("first claim: %+v", ms)
	}
	// The worker dies. While its lease runs, nobody else takes the message,
	// even at the last instant of the lease.
	for _, at := range []time.Duration{time.Second, time.Minute, lease} {
		if ms := claim(t, s, outboxT0.Add(at), lease, 10); len(ms) != 0 {
			t.Fatalf("claimed at +%s while leased until +%s", at, lease)
		}
	}
	// Once it has run out, the message comes back, attempt counted.
	later := outboxT0.Add(lease + time.Millisecond)
	ms := claim(t, s, later, lease, 10)
	if len(ms) != 1 || ms[0].ID != m.ID || ms[0].Attempts != 2 || !ms[0].LeaseUntil.Equal(later.Add(lease)) {
		t.Fatalf("claim after lease expiry: %+v", ms)
	}
	if ms := claim(t, s, later.Add(time.Minute), lease, 10); len(ms) != 0 {
		t.Fatalf("claimed under the new lease: %+v", ms)
	}
	if err := s.MarkSent(ctx, m.ID, later.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := outboxMsg(t, s, m.ID); got.State != model.MessageSent || got.Attempts != 2 {
		t.Fatalf("after resend: %+v", got)
	}
}

func testOutboxNotDue(t *testing.T, s Outbox) {
	future := enqueue(t, s, "n1@vigil.test", outboxT0.Add(time.Hour))
	due := enqueue(t, s, "n2@vigil.test", outboxT0)
	ms := claim(t, s, outboxT0, time.Minute, 10)
	if len(ms) != 1 || ms[0].ID != due.ID {
		t.Fatalf("claimed %v, want only n2", messageIDs(ms))
	}
	if err := s.MarkSent(ctx, due.ID, outboxT0); err != nil {
		t.Fatal(err)
	}
	if got := outboxMsg(t, s, future.ID); got.State != model.MessageQueued || got.Attempts != 0 {
		t.Fatalf("not-due message touched: %+v", got)
	}
	// Due exactly at its time.
	ms = claim(t, s, outboxT0.Add(time.Hour), time.Minute, 10)
	if len(ms) != 1 || ms[0].ID != future.ID {
		t.Fatalf("claimed %v at its due time, want n1", messageIDs(ms))
	}
}

func testOutboxClaimOrderAndLimit(t *testing.T, s Outbox) {
	enqueue(t, s, "o3@vigil.test", outboxT0.Add(3*time.Second))
	enqueue(t, s, "o1@vigil.test", outboxT0.Add(1*time.Second))
	enqueue(t, s, "o2a@vigil.test", outboxT0.Add(2*time.Second))
	enqueue(t, s, "o2b@vigil.test", outboxT0.Add(2*time.Second))
	now := outboxT0.Add(time.Minute)
	if ms := claim(t, s, now, time.Minute, 0); len(ms) != 0 {
		t.Fatalf("n=0 claimed %v", messageIDs(ms))
	}
	ms := claim(t, s, now, time.Minute, 3)
	if got := fmt.Sprint(messageIDs(ms)); got != "[o1@vigil.test o2a@vigil.test o2b@vigil.test]" {
		t.Fatalf("claimed %s, want the three oldest due, oldest first", got)
	}
	ms = claim(t, s, now, time.Minute, 3)
	if got := fmt.Sprint(messageIDs(ms)); got != "[o3@vigil.test]" {
		t.Fatalf("second claim %s, want o3", got)
	}
}

// testOutboxWaiting: a message put back because nothing was tried with it
// gets its claimed attempt back.
func testOutboxWaiting(t *testing.T, s Outbox) {
	m := enqueue(t, s, "w1@vigil.test", outboxT0)
	for i := range 3 {
		at := outboxT0.Add(time.Duration(i) * time.Minute)
		if ms := claim(t, s, at, time.Minute, 1); len(ms) != 1 || ms[0].Attempts != 1 {
			t.Fatalf("claim %d: %+v", i, ms)
		}
		if err := s.MarkWaiting(ctx, m.ID, at.Add(time.Minute), "SMTP server settings: no STARTTLS"); err != nil {
			t.Fatal(err)
		}
	}
	got := outboxMsg(t, s, m.ID)
	if got.State != model.MessageQueued || got.Attempts != 0 || !got.NextAttemptAt.Equal(outboxT0.Add(3*time.Minute)) ||
		!got.LeaseUntil.IsZero() || got.LastError != "SMTP server settings: no STARTTLS" {
		t.Fatalf("after three waits: %+v", got)
	}
	if err := s.MarkWaiting(ctx, 424242, outboxT0, "x"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("waiting of an unknown message: %v", err)
	}
}

func testOutboxRetryAndFailed(t *testing.T, s Outbox) {
	m := enqueue(t, s, "r1@vigil.test", outboxT0)
	claim(t, s, outboxT0, time.Minute, 1)
	next := outboxT0.Add(30 * time.Second)
	if err := s.MarkRetry(ctx, m.ID, next, "dial tcp: connection refused"); err != nil {
		t.Fatal(err)
	}
	got := outboxMsg(t, s, m.ID)
	if got.State != model.MessageQueued || !got.NextAttemptAt.Equal(next) || got.LastError != "dial tcp: connection refused" ||
		got.Attempts != 1 || !got.LeaseUntil.IsZero() {
		t.Fatalf("after MarkRetry: %+v", got)
	}
	if ms := claim(t, s, next.Add(-time.Millisecond), time.Minute, 1); len(ms) != 0 {
		t.Fatal("claimed before the retry time")
	}
	ms := claim(t, s, next, time.Minute, 1)
	if len(ms) != 1 || ms[0].Attempts != 2 || ms[0].LastError != "dial tcp: connection refused" {
		t.Fatalf("retry claim: %+v", ms)
	}
	if err := s.MarkFailed(ctx, m.ID, "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	got = outboxMsg(t, s, m.ID)
	if got.State != model.MessageFailed || got.LastError != "550 mailbox unavailable" || got.Attempts != 2 {
		t.Fatalf("after MarkFailed: %+v", got)
	}
	if ms := claim(t, s, next.Add(48*time.Hour), time.Minute, 1); len(ms) != 0 {
		t.Fatal("claimed a failed message")
	}
}

// testOutboxErrorTextCleaned: an SMTP server's reply with a NUL or in
// another encoding is recorded, and both databases give back the same
// text: the NUL dropped, the invalid byte as U+FFFD (PostgreSQL can hold
// neither).
func testOutboxErrorTextCleaned(t *testing.T, s Outbox) {
	m := enqueue(t, s, "c1@vigil.test", outboxT0)
	for _, mark := range []func() error{
		func() error { return s.MarkRetry(ctx, m.ID, outboxT0, "451 bo\xeete\x00 pleine") },
		func() error { return s.MarkWaiting(ctx, m.ID, outboxT0, "451 bo\xeete\x00 pleine") },
	} {
		if err := mark(); err != nil {
			t.Fatal(err)
		}
		if got := outboxMsg(t, s, m.ID); got.LastError != "451 bo\uFFFDte pleine" {
			t.Fatalf("last error %q", got.LastError)
		}
	}
	if err := s.MarkFailed(ctx, m.ID, "550 bo\xeete\x00 inconnue"); err != nil {
		t.Fatal(err)
	}
	if got := outboxMsg(t, s, m.ID); got.LastError != "550 bo\uFFFDte inconnue" {
		t.Fatalf("last error %q", got.LastError)
	}
}

// A worker whose lease ran out answers late, after another delivered the
// message: the sent state must survive.
func testOutboxLateAnswerKeepsSent(t *testing.T, s Outbox) {
	m := enqueue(t, s, "late@vigil.test", outboxT0)
	claim(t, s, outboxT0, time.Minute, 1)
	claim(t, s, outboxT0.Add(2*time.Minute), time.Minute, 1)
	if err := s.MarkSent(ctx, m.ID, outboxT0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, m.ID, outboxT0.Add(3*time.Minute), "timeout"); err != nil {
		t.Fatalf("late MarkRetry: %v", err)
	}
	if err := s.MarkFailed(ctx, m.ID, "timeout"); err != nil {
		t.Fatalf("late MarkFailed: %v", err)
	}
	if got := outboxMsg(t, s, m.ID); got.State != model.MessageSent {
		t.Fatalf("state %q after late answers, want sent", got.State)
	}
}

func testOutboxHoldRelease(t *testing.T, s Outbox) {
	a := enqueue(t, s, "h1@vigil.test", outboxT0)
	b := enqueue(t, s, "h2@vigil.test", outboxT0.Add(time.Hour))
	c := enqueue(t, s, "h3@vigil.test", outboxT0)
	// c is being sent: holding must not touch it.
	if ms := claim(t, s, outboxT0, time.Minute, 1); len(ms) != 1 || ms[0].ID != a.ID {
		t.Fatalf("claim: %v", messageIDs(ms))
	}
	// Held a row at a time: every chunk, and the end, are crossed.
	defer func(n int) { sqlcore.HoldChunk = n }(sqlcore.HoldChunk)
	sqlcore.HoldChunk = 1
	n, err := s.HoldQueued(ctx)
	if err != nil || n != 2 {
		t.Fatalf("HoldQueued = %d, %v; want 2", n, err)
	}
	for _, id := range []int64{b.ID, c.ID} {
		if got := outboxMsg(t, s, id); got.State != model.MessageHeld {
			t.Fatalf("message %d is %q, want held", id, got.State)
		}
	}
	if got := outboxMsg(t, s, a.ID); got.State != model.MessageSending {
		t.Fatalf("leased message is %q, want sending", got.State)
	}
	if n, err := s.HoldQueued(ctx); err != nil || n != 0 {
		t.Fatalf("second HoldQueued = %d, %v; want 0", n, err)
	}
	// Held messages are never claimed, however late.
	if ms := claim(t, s, outboxT0.Add(48*time.Hour), time.Minute, 10); len(ms) != 1 || ms[0].ID != a.ID {
		t.Fatalf("claimed %v while held (only the expired lease of h1 may come back)", messageIDs(ms))
	}

	release := outboxT0.Add(10 * time.Minute)
	n, err = s.ReleaseHeld(ctx, release)
	if err != nil || n != 2 {
		t.Fatalf("ReleaseHeld = %d, %v; want 2", n, err)
	}
	for _, id := range []int64{b.ID, c.ID} {
		got := outboxMsg(t, s, id)
		if got.State != model.MessageQueued || !got.NextAttemptAt.Equal(release) {
			t.Fatalf("released message %d: %+v", id, got)
		}
	}
	ms := claim(t, s, release, time.Minute, 10)
	if got := fmt.Sprint(messageIDs(ms)); got != "[h2@vigil.test h3@vigil.test]" {
		t.Fatalf("claimed %s after release, want both, due at release", got)
	}
	if n, err := s.ReleaseHeld(ctx, release); err != nil || n != 0 {
		t.Fatalf("second ReleaseHeld = %d, %v; want 0", n, err)
	}
}

func testOutboxDuplicateMessageID(t *testing.T, s Outbox) {
	first := enqueue(t, s, "dup@vigil.test", outboxT0)
	m := &model.OutboxMessage{MessageID: "dup@vigil.test", Kind: "thanks", Sealed: []byte("other"),
		CreatedAt: outboxT0, NextAttemptAt: outboxT0}
	err := s.EnqueueMessage(ctx, m)
	if !errors.Is(err, model.ErrConflict) {
		t.Fatalf("duplicate Message-ID: %v, want model.ErrConflict", err)
	}
	if got := outboxMsg(t, s, first.ID); string(got.Sealed) != "sealed:dup@vigil.test" {
		t.Fatalf("first message changed: %+v", got)
	}
	counts, err := s.OutboxCounts(ctx)
	if err != nil || counts[model.MessageQueued] != 1 {
		t.Fatalf("counts %v, %v; want one queued", counts, err)
	}
}

func testOutboxNotFound(t *testing.T, s Outbox) {
	if _, err := s.OutboxMessage(ctx, 424242); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("OutboxMessage(unknown): %v, want model.ErrNotFound", err)
	}
	if err := s.MarkSent(ctx, 424242, outboxT0); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("MarkSent(unknown): %v, want model.ErrNotFound", err)
	}
	if err := s.MarkRetry(ctx, 424242, outboxT0, "x"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("MarkRetry(unknown): %v, want model.ErrNotFound", err)
	}
	if err := s.MarkFailed(ctx, 424242, "x"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("MarkFailed(unknown): %v, want model.ErrNotFound", err)
	}
}

func testOutboxCounts(t *testing.T, s Outbox) {
	counts, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for st, n := range counts {
		if n != 0 {
			t.Fatalf("empty outbox counts %d %s", n, st)
		}
	}
	var ids []int64
	for i := range 7 {
		ids = append(ids, enqueue(t, s, fmt.Sprintf("c%d@vigil.test", i), outboxT0).ID)
	}
	ms := claim(t, s, outboxT0, time.Minute, 5) // c0..c4 sending
	if len(ms) != 5 {
		t.Fatalf("claimed %d, want 5", len(ms))
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.MarkSent(ctx, ids[0], outboxT0))
	must(s.MarkSent(ctx, ids[1], outboxT0))
	must(s.MarkFailed(ctx, ids[2], "550"))
	must(s.MarkRetry(ctx, ids[3], outboxT0.Add(time.Minute), "421"))
	if _, err := s.HoldQueued(ctx); err != nil { // c3, c5, c6 held
		t.Fatal(err)
	}
	must(s.EnqueueMessage(ctx, &model.OutboxMessage{MessageID: "c7@vigil.test", Kind: "confirm",
		Sealed: []byte("x"), CreatedAt: outboxT0, NextAttemptAt: outboxT0}))

	counts, err = s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[model.MessageState]int{
		model.MessageSent: 2, model.MessageFailed: 1, model.MessageHeld: 3,
		model.MessageSending: 1, model.MessageQueued: 1,
	}
	for st, n := range want {
		if counts[st] != n {
			t.Errorf("count %s = %d, want %d (all: %v)", st, counts[st], n, counts)
		}
	}
}

func testOutboxConcurrentClaimers(t *testing.T, s Outbox) {
	concurrentClaim(t, s, []Outbox{s, s, s, s})
}

// OutboxTwoStores checks that two handles on one database (two pools, as
// two processes would have) never claim the same message: a and b must share
// their data, and be empty.
func OutboxTwoStores(t *testing.T, a, b Outbox) {
	concurrentClaim(t, a, []Outbox{a, b, a, b})
}

// concurrentClaim enqueues 200 messages through s, then lets one goroutine
// per claimer claim batches and mark them sent until none is left. Every
// message must be claimed exactly once.
func concurrentClaim(t *testing.T, s Outbox, claimers []Outbox) {
	const total = 200
	for i := range total {
		enqueue(t, s, fmt.Sprintf("cc%03d@vigil.test", i), outboxT0)
	}
	var (
		mu      sync.Mutex
		claimed = map[int64]int{}
		errs    []error
		wg      sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	start := make(chan struct{})
	for w, c := range claimers {
		wg.Go(func() {
			<-start
			for round := 0; ; round++ {
				ms, err := c.ClaimMessages(ctx, outboxT0, outboxT0.Add(time.Hour), 7)
				if err != nil {
					fail(fmt.Errorf("claimer %d round %d: %w", w, round, err))
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					claimed[m.ID]++
				}
				mu.Unlock()
				for _, m := range ms {
					if err := c.MarkSent(ctx, m.ID, outboxT0); err != nil {
						fail(fmt.Errorf("claimer %d: %w", w, err))
						return
					}
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if len(claimed) != total {
		t.Errorf("%d distinct messages claimed, want %d", len(claimed), total)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
	counts, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[model.MessageSent] != total {
		t.Errorf("%d sent, want %d", counts[model.MessageSent], total)
	}
}

// testOutboxMarkAllSent: a worker's batch is marked sent in one call, each
// message with its own time; an id no longer there is passed over.
func testOutboxMarkAllSent(t *testing.T, s Outbox) {
	a := enqueue(t, s, "all-a@vigil.test", outboxT0)
	b := enqueue(t, s, "all-b@vigil.test", outboxT0)
	c := enqueue(t, s, "all-c@vigil.test", outboxT0)
	if got := claim(t, s, outboxT0, time.Minute, 10); len(got) != 3 {
		t.Fatalf("claimed %v", messageIDs(got))
	}
	at := outboxT0.Add(time.Second)
	if err := s.MarkAllSent(ctx, []store.Sent{{ID: a.ID, At: at}, {ID: b.ID, At: at.Add(time.Second)}, {ID: c.ID + 1000, At: at}}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		m  *model.OutboxMessage
		at time.Time
	}{{a, at}, {b, at.Add(time.Second)}} {
		if got := outboxMsg(t, s, w.m.ID); got.State != model.MessageSent || !got.SentAt.Equal(w.at) || !got.LeaseUntil.IsZero() {
			t.Errorf("%s after MarkAllSent: %+v", w.m.MessageID, got)
		}
	}
	if got := outboxMsg(t, s, c.ID); got.State != model.MessageSending {
		t.Errorf("a message left out of MarkAllSent is %s, want still sending", got.State)
	}
	if err := s.MarkAllSent(ctx, nil); err != nil {
		t.Errorf("marking nothing: %v", err)
	}
}

// testOutboxClaimAmongMany: with many messages due, a claim still takes
// the earliest, and a message whose lease ran out comes before queued ones
// due later.
func testOutboxClaimAmongMany(t *testing.T, s Outbox) {
	for i := range 60 {
		enqueue(t, s, fmt.Sprintf("many-%02d@vigil.test", i), outboxT0.Add(time.Duration(60-i)*time.Second))
	}
	// The earliest two are claimed, and their worker dies.
	first := claim(t, s, outboxT0.Add(time.Hour), time.Minute, 2)
	if len(first) != 2 || first[0].MessageID != "many-59@vigil.test" || first[1].MessageID != "many-58@vigil.test" {
		t.Fatalf("first claim: %v", messageIDs(first))
	}
	got := claim(t, s, outboxT0.Add(time.Hour+2*time.Minute), time.Minute, 5)
	want := []string{"many-59@vigil.test", "many-58@vigil.test", "many-57@vigil.test", "many-56@vigil.test", "many-55@vigil.test"}
	if strings.Join(messageIDs(got), " ") != strings.Join(want, " ") {
		t.Errorf("claim after the lease ran out: %v, want %v", messageIDs(got), want)
	}
}
