package jobs_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"vigil/internal/jobs"
	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// TestMailRetention: the jobs empty a sent email's body once the retention
// period has passed since it was sent, by the runner's clock.
func TestMailRetention(t *testing.T) {
	ctx := context.Background()
	db := testutil.SQLite(t)
	sentAt := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
	m := &model.OutboxMessage{MessageID: "appeal-1@vigil.test", Kind: "appeal", Sealed: []byte("sealed letter"),
		CreatedAt: sentAt.Add(-time.Minute)}
	if err := db.EnqueueMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimMessages(ctx, sentAt, sentAt.Add(time.Minute), 1); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, m.ID, sentAt); err != nil {
		t.Fatal(err)
	}
	now := sentAt
	var logs bytes.Buffer
	r := &jobs.Runner{Store: db, Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now },
		MailRetention: 30 * 24 * time.Hour}
	body := func() string {
		t.Helper()
		got, err := db.OutboxMessage(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return string(got.Sealed)
	}

	now = sentAt.Add(30*24*time.Hour - time.Second)
	r.Once(ctx)
	if body() != "sealed letter" {
		t.Fatalf("a second before the end of its retention, the body is gone\n%s", logs.String())
	}
	now = sentAt.Add(30*24*time.Hour + time.Second)
	r.Once(ctx)
	if body() != "" {
		t.Fatalf("past its retention, the body is kept\n%s", logs.String())
	}
	if got, _ := db.OutboxMessage(ctx, m.ID); got.State != model.MessageSent || !got.SentAt.Equal(sentAt) {
		t.Errorf("the row changed: %+v", got)
	}
	if !bytes.Contains(logs.Bytes(), []byte("sent emails past their retention emptied")) {
		t.Errorf("nothing logged:\n%s", logs.String())
	}
}

// TestRetentionOnceADay: the runner erases supporters inactive past the
// retention, by its clock, at its first run and then once a day, not at
// every run.
func TestRetentionOnceADay(t *testing.T) {
	ctx := context.Background()
	db := testutil.SQLite(t)
	start := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	limit := model.RetentionLimit(start, 24)
	a := &model.Action{Slug: "sign", Lang: "en", Kind: model.ActionPetition, Title: "Sign", Published: limit.AddDate(-1, 0, 0)}
	if err := db.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	act := func(email string, at time.Time) int64 {
		t.Helper()
		res, err := db.Participate(ctx, store.Participate{ActionSlug: "sign", Now: at,
			Supporter: model.Supporter{Email: email, Name: "N", Country: "VE", Lang: "es"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.SupporterID
	}
	gone := act("gone@example.org", limit.Add(-time.Hour))  // inactive at the first run
	later := act("later@example.org", limit.Add(time.Hour)) // inactive two hours after it
	erased := func(id int64) bool {
		t.Helper()
		sup, err := db.SupporterForStaff(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return !sup.Erased.IsZero()
	}
	now := start
	var logs bytes.Buffer
	r := &jobs.Runner{Store: db, Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }, RetentionMonths: 24}
	r.Once(ctx)
	if !erased(gone) || erased(later) {
		t.Fatalf("first run: inactive erased %v, active erased %v; want true, false\n%s", erased(gone), erased(later), logs.String())
	}
	now = start.Add(2 * time.Hour)
	r.Once(ctx)
	if erased(later) {
		t.Error("erased at a run within the day; retention runs once a day")
	}
	now = start.Add(jobs.RetentionEvery)
	r.Once(ctx)
	if !erased(later) {
		t.Errorf("a day later, the supporter inactive past the retention is kept\n%s", logs.String())
	}
	if !bytes.Contains(logs.Bytes(), []byte("inactive supporters erased")) {
		t.Errorf("nothing logged:\n%s", logs.String())
	}
}
