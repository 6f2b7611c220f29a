package jobs_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"vigil/internal/jobs"
	"vigil/internal/model"
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
