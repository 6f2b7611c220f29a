package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"path/filepath"
	"testing"
	"vigil/internal/model"

	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
	"vigil/internal/store/sqlite"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return testutil.SQLite(t)
	})
}

func TestMigrateTwiceAndWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	db, err := sqlite.Open(path, testutil.Keys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 2 {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mode, err := db.JournalMode(context.Background())
	if err != nil || mode != "wal" {
		t.Fatalf("journal mode %q, %v; want wal", mode, err)
	}
}

func TestPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd #1?x%20.db")
	db := testutil.SQLiteAt(t, path, testutil.Keys(t))
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
}

func TestParticipationsConformance(t *testing.T) {
	storetest.RunParticipations(t, func(t *testing.T) storetest.Store { return testutil.SQLite(t) })
}

// TestGroupCommitUnderConcurrency sends many participations at once, some
// repeated, some to a closed action: each gets its own answer, and the
// count is exact.
func TestGroupCommitUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	db := testutil.SQLite(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, a := range []*model.Action{
		{Slug: "open", Lang: "en", Kind: model.ActionPetition, Title: "Open", Published: now.Add(-time.Hour)},
		{Slug: "shut", Lang: "en", Kind: model.ActionPetition, Title: "Shut", Published: now.Add(-time.Hour), Closed: true},
	} {
		if err := db.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	const clients = 300
	var wg sync.WaitGroup
	var mu sync.Mutex
	dups, closed, ok := 0, 0, 0
	for i := range clients {
		wg.Go(func() {
			slug := "open"
			if i%10 == 9 {
				slug = "shut"
			}
			email := fmt.Sprintf("s%d@example.org", i%250) // the last 50 repeat earlier ones
			res, err := db.Participate(ctx, store.Participate{ActionSlug: slug, Now: now,
				Supporter: model.Supporter{Email: email, Name: "S", Country: "VE", Lang: "en"}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, model.ErrClosed):
				closed++
			case err != nil:
				t.Errorf("%s: %v", email, err)
			case res.Duplicate:
				dups++
			default:
				ok++
			}
		})
	}
	wg.Wait()
	a, _ := db.ActionBySlug(ctx, "open")
	// Nothing counts before its confirmation from the mailbox.
	if closed != clients/10 || a.Count != 0 || ok+dups+closed != clients || ok != 225 {
		t.Errorf("ok %d, repeats %d, closed %d; count %d", ok, dups, closed, a.Count)
	}
	// A refused participation left nothing behind in the shared transaction.
	if _, err := db.SupporterByEmail(ctx, "s9@example.org"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a supporter of the closed action was stored: %v", err)
	}
	for i := range 250 {
		if i%10 == 9 {
			continue
		}
		if _, err := db.SupporterByEmail(ctx, fmt.Sprintf("s%d@example.org", i)); err != nil {
			t.Errorf("s%d: %v", i, err)
		}
	}
}

func TestCoordinationConformance(t *testing.T) {
	db := testutil.SQLite(t)
	storetest.RunCoordination(t, db, db)
}

func TestStaffConformance(t *testing.T) {
	storetest.RunStaff(t, func(t *testing.T) storetest.Store { return testutil.SQLite(t) })
}

func TestEditingConformance(t *testing.T) {
	storetest.RunEditing(t, func(t *testing.T) storetest.Store { return testutil.SQLite(t) })
}

func TestSupportersConformance(t *testing.T) {
	storetest.RunSupporters(t, func(t *testing.T) storetest.Store { return testutil.SQLite(t) })
}

func TestRecordsConformance(t *testing.T) {
	storetest.RunRecords(t, func(t *testing.T) storetest.Store { return testutil.SQLite(t) })
}

// TestSignaturesPassAWriterThatComesBack: emails are held (no SMTP server)
// a few rows per transaction, one transaction after another. A signature
// arriving meanwhile waits for the transaction in progress only, not for
// the whole run: the writes of one process take SQLite's write lock in
// turn.
func TestSignaturesPassAWriterThatComesBack(t *testing.T) {
	ctx := context.Background()
	db := testutil.SQLite(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	if err := db.CreateAction(ctx, &model.Action{Slug: "open", Lang: "en", Kind: model.ActionPetition,
		Title: "Open", Published: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	const queued = 1000
	for i := range queued {
		if err := db.EnqueueMessage(ctx, &model.OutboxMessage{MessageID: fmt.Sprintf("m%d@vigil.test", i),
			Kind: "update", Sealed: []byte("x"), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	defer func(n int) { sqlcore.HoldChunk = n }(sqlcore.HoldChunk)
	sqlcore.HoldChunk = 2 // 500 transactions, one after another

	held := func() int {
		t.Helper()
		c, err := db.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c[model.MessageHeld]
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.HoldQueued(ctx)
		done <- err
	}()
	for held() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := range 5 {
		if _, err := db.Participate(ctx, store.Participate{ActionSlug: "open", Now: now,
			Supporter: model.Supporter{Email: fmt.Sprintf("p%d@example.org", i), Lang: "en"}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := held(); n == queued {
		t.Errorf("five signatures waited for the whole hold of %d emails", queued)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := held(); n != queued {
		t.Errorf("%d emails held, want %d", n, queued)
	}
}

func TestSearchConformance(t *testing.T) {
	storetest.RunSearch(t, func(t *testing.T) storetest.Store { return testutil.SQLite(t) })
}

func TestDonationsConformance(t *testing.T) {
	storetest.RunDonations(t, func(t *testing.T) storetest.Store { return testutil.SQLite(t) })
}

func TestLegacyRecordsMigrate(t *testing.T) {
	keys := testutil.Keys(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"), keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.MigrateUpTo(ctx, storetest.LegacyRecordsBefore); err != nil {
		t.Fatal(err)
	}
	storetest.RunLegacyRecords(t, db, keys, db.SQL(), false, func() error { return db.Migrate(ctx) })
}
