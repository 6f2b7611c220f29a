package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/postgres"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return testutil.PostgresStore(t) })
}

func TestOutboxConformance(t *testing.T) {
	storetest.RunOutbox(t, func(t *testing.T) storetest.Outbox { return testutil.PostgresStore(t) })
}

func TestParticipationsConformance(t *testing.T) {
	storetest.RunParticipations(t, func(t *testing.T) storetest.Store { return testutil.PostgresStore(t) })
}

// TestOutboxTwoPools claims from two pools on one database, as two
// instances of Vigil would: FOR UPDATE SKIP LOCKED, not anything in the
// process, keeps them apart.
func TestOutboxTwoPools(t *testing.T) {
	url, keys := testutil.Postgres(t), testutil.Keys(t)
	a := testutil.PostgresStoreAt(t, url, keys)
	b := testutil.PostgresStoreAt(t, url, keys)
	storetest.OutboxTwoStores(t, a, b)
}

// TestMigrate migrates twice in a row, then from two pools at once (two
// instances starting together): goose's advisory lock makes them take turns.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	url, keys := testutil.Postgres(t), testutil.Keys(t)
	db := testutil.PostgresStoreAt(t, url, keys)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second migration: %v", err)
	}

	fresh := testutil.Postgres(t)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			db, err := postgres.Open(ctx, fresh, keys)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- db.Migrate(ctx)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent migration: %v", err)
		}
	}
	if err := testutil.PostgresStoreAt(t, fresh, keys).Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefuses: no keys, a URL that is not one, or a server that is not
// there are errors at Open, and no password is repeated in them.
func TestOpenRefuses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	keys := testutil.Keys(t)
	if _, err := postgres.Open(ctx, "postgres://127.0.0.1/x", nil); err == nil {
		t.Error("opened without keys")
	}
	for _, url := range []string{
		"postgres://u:s3cret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", // nothing listens on port 1
		"postgres://u:s3cret@[::1/x",
	} {
		_, err := postgres.Open(ctx, url, keys)
		if err == nil {
			t.Errorf("%s: opened", url)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error repeats the password: %v", err)
		}
	}
}

// TestTimesComeBackInUTC: whatever the session's time zone, instants are
// read as UTC, to the millisecond as SQLite keeps them.
func TestTimesComeBackInUTC(t *testing.T) {
	ctx := context.Background()
	db := testutil.PostgresStore(t)
	at := time.Date(2026, 3, 16, 10, 30, 0, 123456789, time.FixedZone("VET", -4*3600))
	m := &model.OutboxMessage{MessageID: "utc@vigil.test", Kind: "confirm", Sealed: []byte("x"), CreatedAt: at, NextAttemptAt: at}
	if err := db.EnqueueMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := db.OutboxMessage(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := at.Truncate(time.Millisecond)
	if got.CreatedAt.Location() != time.UTC || !got.CreatedAt.Equal(want) {
		t.Errorf("created %v (%v), want %v in UTC", got.CreatedAt, got.CreatedAt.Location(), want)
	}
}

// TestTagsInCodePointOrder: tags sort as SQLite sorts them, upper case
// before lower case, whatever collation the database was created with.
func TestTagsInCodePointOrder(t *testing.T) {
	ctx := context.Background()
	db := testutil.PostgresStore(t)
	a := &model.Action{Slug: "a", Lang: "en", Kind: model.ActionPetition, Title: "A", Published: time.Now(),
		Tags: []string{"asylum", "Zimbabwe", "Ärzte", "courts"}}
	if err := db.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := db.ActionBySlug(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.Tags) != "[Zimbabwe asylum courts Ärzte]" {
		t.Errorf("tags %v, want code point order", got.Tags)
	}
}

// TestParticipateUnderConcurrency sends many participations at once from
// two pools, some repeated, some to a closed action: each gets its own
// answer, a supporter is created once, and the count is exact. (SQLite's
// single writer gives this for free; here ON CONFLICT and row locks do.)
func TestParticipateUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	url, keys := testutil.Postgres(t), testutil.Keys(t)
	pools := []*postgres.DB{testutil.PostgresStoreAt(t, url, keys), testutil.PostgresStoreAt(t, url, keys)}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, a := range []*model.Action{
		{Slug: "open", Lang: "en", Kind: model.ActionPetition, Title: "Open", Published: now.Add(-time.Hour)},
		{Slug: "shut", Lang: "en", Kind: model.ActionPetition, Title: "Shut", Published: now.Add(-time.Hour), Closed: true},
	} {
		if err := pools[0].CreateAction(ctx, a); err != nil {
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
			res, err := pools[i%2].Participate(ctx, store.Participate{ActionSlug: slug, Now: now,
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
	a, _ := pools[0].ActionBySlug(ctx, "open")
	// Nothing counts before its confirmation from the mailbox.
	if closed != clients/10 || a.Count != 0 || ok != 225 || ok+dups+closed != clients {
		t.Errorf("ok %d, repeats %d, closed %d; count %d", ok, dups, closed, a.Count)
	}
	if _, err := pools[0].SupporterByEmail(ctx, "s9@example.org"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a supporter of the closed action was stored: %v", err)
	}
	for i := range 250 {
		if i%10 == 9 {
			continue
		}
		if _, err := pools[1].SupporterByEmail(ctx, fmt.Sprintf("s%d@example.org", i)); err != nil {
			t.Errorf("s%d: %v", i, err)
		}
	}
}

// TestDeadlockIsRetried: two transactions lock two rows in opposite
// orders. PostgreSQL aborts one of them; the store runs it again, and both
// succeed.
func TestDeadlockIsRetried(t *testing.T) {
	ctx := context.Background()
	db := testutil.PostgresStore(t)
	var ids [2]int64
	for i, slug := range []string{"a", "b"} {
		a := &model.Action{Slug: slug, Lang: "en", Kind: model.ActionPetition, Title: slug}
		if err := db.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	var attempts atomic.Int32
	var holding sync.WaitGroup // both hold their first row
	holding.Add(2)
	run := func(first, second int64) error {
		var once sync.Once
		return db.InTx(ctx, func(tx *sql.Tx) error {
			attempts.Add(1)
			if _, err := tx.ExecContext(ctx, `UPDATE actions SET goal = goal + 1 WHERE id = $1`, first); err != nil {
				return err
			}
			once.Do(func() { holding.Done(); holding.Wait() })
			_, err := tx.ExecContext(ctx, `UPDATE actions SET goal = goal + 1 WHERE id = $1`, second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(ids[0], ids[1]) }()
	go func() { errs <- run(ids[1], ids[0]) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("transaction: %v", err)
		}
	}
	// At least one of the two ran again. Under load PostgreSQL may abort a
	// retry once more before it gets through; what matters is below: each
	// transaction took effect once.
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts, want at least 3: one of the two run again", n)
	}
	var goals int
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT SUM(goal) FROM actions`).Scan(&goals)
	}); err != nil || goals != 4 {
		t.Errorf("goals add up to %d, %v; want 4: each transaction counted once", goals, err)
	}
}

// TestJobsOnTwoInstances runs the reminder and appeal jobs from two pools
// at once, as two instances would: each reminder is written once, each
// appeal queued once, and a digest goes out once per target.
func TestJobsOnTwoInstances(t *testing.T) {
	ctx := context.Background()
	url, keys := testutil.Postgres(t), testutil.Keys(t)
	pools := []*postgres.DB{testutil.PostgresStoreAt(t, url, keys), testutil.PostgresStoreAt(t, url, keys)}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var seq atomic.Int64
	message := func(kind string, supporterID int64) model.OutboxMessage {
		return model.OutboxMessage{MessageID: fmt.Sprintf("%s%d@vigil.test", kind, seq.Add(1)), Kind: kind,
			Sealed: []byte("x"), SupporterID: supporterID}
	}
	actions := map[string]int64{}
	for _, slug := range []string{"each", "digest"} {
		a := &model.Action{Slug: slug, Lang: "en", Kind: model.ActionAppeal, Title: slug, Published: now.Add(-time.Hour),
			Delivery: model.DeliveryMode(slug), Targets: []model.Target{{Name: "Minister"}, {Name: "Ambassador"}}}
		if err := pools[0].CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
		actions[slug] = a.ID
	}
	const confirming, pending = 20, 20
	for i := range confirming + pending {
		for _, slug := range []string{"each", "digest"} {
			res, err := pools[i%2].Participate(ctx, store.Participate{ActionSlug: slug, Now: now,
				Supporter:     model.Supporter{Email: fmt.Sprintf("s%d@example.org", i), Lang: "en"},
				Participation: model.Participation{Letter: "Release them."}})
			if err != nil {
				t.Fatal(err)
			}
			if i < confirming {
				if _, _, err := pools[i%2].ConfirmParticipation(ctx, res.ParticipationID, now.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	later := now.Add(48 * time.Hour)
	day := store.QueueAppeals{Now: later, DayStart: later.Truncate(24 * time.Hour)}
	var reminders, queued, digests atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, db := range pools {
		wg.Go(func() {
			<-start
			n, err := db.RemindUnconfirmed(ctx, now.Add(time.Minute), later, func(p store.Pending) (model.OutboxMessage, error) {
				return message("reminder", p.Supporter.ID), nil
			})
			if err != nil {
				t.Error(err)
			}
			reminders.Add(int64(n))
		})
		wg.Go(func() {
			<-start
			q := day
			q.ActionID = actions["each"]
			n, err := db.QueueAppeals(ctx, q, func(a model.Action, tg model.Target, letters []store.AppealLetter) ([]model.OutboxMessage, error) {
				var out []model.OutboxMessage
				for _, l := range letters {
					out = append(out, message("appeal", l.Supporter.ID))
				}
				return out, nil
			})
			if err != nil {
				t.Error(err)
			}
			queued.Add(int64(n))
		})
		wg.Go(func() {
			<-start
			q := day
			q.ActionID, q.Digest = actions["digest"], true
			n, err := db.QueueAppeals(ctx, q, func(a model.Action, tg model.Target, letters []store.AppealLetter) ([]model.OutboxMessage, error) {
				digests.Add(1)
				return []model.OutboxMessage{message("digest", 0)}, nil
			})
			if err != nil {
				t.Error(err)
			}
			queued.Add(int64(n))
		})
	}
	close(start)
	wg.Wait()
	if n := reminders.Load(); n != pending {
		t.Errorf("%d reminders written, want %d: one per unconfirmed supporter", n, pending)
	}
	if n := queued.Load(); n != 4*confirming {
		t.Errorf("%d appeals queued, want %d: each confirmed appeal once per target", n, 4*confirming)
	}
	if n := digests.Load(); n != 2 {
		t.Errorf("%d digests written, want one per target", n)
	}
	counts, err := pools[0].OutboxCounts(ctx)
	if err != nil || counts[model.MessageQueued] != pending+2*confirming+2 {
		t.Errorf("outbox %v, %v; want %d queued", counts, err, pending+2*confirming+2)
	}
}

// TestPurgeWhileParticipating purges unconfirmed supporters while they act
// again, from another pool: whoever acted and was answered is still there
// with their participation, and the counts match what is stored.
func TestPurgeWhileParticipating(t *testing.T) {
	ctx := context.Background()
	url, keys := testutil.Postgres(t), testutil.Keys(t)
	pools := []*postgres.DB{testutil.PostgresStoreAt(t, url, keys), testutil.PostgresStoreAt(t, url, keys)}
	old := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	now := old.Add(25 * 24 * time.Hour)
	for _, slug := range []string{"first", "second"} {
		a := &model.Action{Slug: slug, Lang: "en", Kind: model.ActionPetition, Title: slug, Published: old.Add(-time.Hour)}
		if err := pools[0].CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	const supporters = 60
	act := func(db *postgres.DB, slug string, i int, at time.Time) (store.Participated, error) {
		return db.Participate(ctx, store.Participate{ActionSlug: slug, Now: at,
			Supporter: model.Supporter{Email: fmt.Sprintf("s%d@example.org", i), Lang: "en"}})
	}
	for i := range supporters {
		if _, err := act(pools[0], "first", i, old); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	acted := make([]store.Participated, supporters)
	for i := range supporters {
		wg.Go(func() {
			<-start
			slug := []string{"first", "second"}[i%2] // half act on the action being purged
			res, err := act(pools[1], slug, i, now)
			if err != nil {
				t.Errorf("s%d: %v", i, err)
			}
			acted[i] = res
		})
	}
	purged := 0
	wg.Go(func() {
		<-start
		for range 5 {
			n, err := pools[0].PurgeUnconfirmed(ctx, old.Add(time.Hour), old.Add(2*time.Hour))
			if err != nil {
				t.Error(err)
			}
			purged += n
		}
	})
	close(start)
	wg.Wait()
	if purged != supporters {
		t.Errorf("%d participations purged, want the %d old ones", purged, supporters)
	}
	stored := map[string]int{}
	for i, res := range acted {
		p, err := pools[0].Participation(ctx, res.ParticipationID)
		if err != nil {
			// A repeat on "first" answered before the purge: its
			// participation was the old one, purged after.
			if res.Duplicate && errors.Is(err, model.ErrNotFound) {
				continue
			}
			t.Errorf("s%d: participation %d acknowledged but gone: %v", i, res.ParticipationID, err)
			continue
		}
		if _, err := pools[0].Supporter(ctx, p.SupporterID); err != nil {
			t.Errorf("s%d: supporter of a stored participation: %v", i, err)
		}
		// Each stored participation counts once confirmed.
		if _, _, err := pools[1].ConfirmParticipation(ctx, res.ParticipationID, old.Add(2*time.Hour)); err != nil {
			t.Errorf("s%d: confirm: %v", i, err)
		}
		stored[res.Action.Slug]++
	}
	for slug, n := range stored {
		if a, _ := pools[0].ActionBySlug(ctx, slug); a.Count != n {
			t.Errorf("%s counts %d, %d participations stored", slug, a.Count, n)
		}
	}
}

// TestVisitorTextPostgresCannotHold: a NUL or invalid UTF-8 in a visitor's
// unsealed value (a share code, the page a form was sent from) or in an
// SMTP server's reply does not fail the write, as it does not on SQLite:
// the NUL is dropped and the invalid byte becomes U+FFFD.
func TestVisitorTextPostgresCannotHold(t *testing.T) {
	ctx := context.Background()
	db := testutil.PostgresStore(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	if err := db.CreateAction(ctx, &model.Action{Slug: "a", Lang: "en", Kind: model.ActionPetition, Title: "A", Published: now}); err != nil {
		t.Fatal(err)
	}
	res, err := db.Participate(ctx, store.Participate{ActionSlug: "a", Now: now,
		Supporter:     model.Supporter{Email: "ana@example.org", Lang: "en", Country: "V\x00E"},
		Participation: model.Participation{ShareCode: "ab\xffc", Referrer: "/actions/a\x00", Comment: "ok \xff sealed"},
		Consents:      []model.Consent{{Key: "updates", Text: "Yes", Given: true, Source: "/a\xfe"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Participation(ctx, res.ParticipationID)
	if err != nil || p.ShareCode != "ab\uFFFDc" || p.Referrer != "/actions/a" || p.Comment != "ok \xff sealed" {
		t.Errorf("participation %+v, %v", p, err)
	}
	sup, err := db.Supporter(ctx, res.SupporterID)
	if err != nil || sup.Country != "VE" {
		t.Errorf("supporter %+v, %v", sup, err)
	}
	// The answers reach the record once the participation is confirmed.
	if _, _, err := db.ConfirmParticipation(ctx, res.ParticipationID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if cs, err := db.Consents(ctx, res.SupporterID); err != nil || len(cs) != 1 || cs[0].Source != "/a\uFFFD" {
		t.Errorf("consents %+v, %v", cs, err)
	}
	// An SMTP server's reply in another encoding is recorded all the same.
	m := &model.OutboxMessage{MessageID: "m@vigil.test", Kind: "confirm", Sealed: []byte("x"), CreatedAt: now}
	if err := db.EnqueueMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRetry(ctx, m.ID, now, "451 bo\xeete pleine"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailed(ctx, m.ID, "550 bo\xeete\x00 inconnue"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.OutboxMessage(ctx, m.ID); err != nil || got.LastError != "550 bo\uFFFDte inconnue" {
		t.Errorf("last error %q, %v", got.LastError, err)
	}
}

func TestCoordinationConformance(t *testing.T) {
	url := testutil.Postgres(t)
	keys := testutil.Keys(t)
	storetest.RunCoordination(t, testutil.PostgresStoreAt(t, url, keys), testutil.PostgresStoreAt(t, url, keys))
}

func TestStaffConformance(t *testing.T) {
	storetest.RunStaff(t, func(t *testing.T) storetest.Store { return testutil.PostgresStore(t) })
}

func TestEditingConformance(t *testing.T) {
	storetest.RunEditing(t, func(t *testing.T) storetest.Store { return testutil.PostgresStore(t) })
}

func TestSupportersConformance(t *testing.T) {
	storetest.RunSupporters(t, func(t *testing.T) storetest.Store { return testutil.PostgresStore(t) })
}

func TestRecordsConformance(t *testing.T) {
	storetest.RunRecords(t, func(t *testing.T) storetest.Store { return testutil.PostgresStore(t) })
}

func TestSearchConformance(t *testing.T) {
	storetest.RunSearch(t, func(t *testing.T) storetest.Store { return testutil.PostgresStore(t) })
}

func TestDonationsConformance(t *testing.T) {
	storetest.RunDonations(t, func(t *testing.T) storetest.Store { return testutil.PostgresStore(t) })
}

func TestLegacyRecordsMigrate(t *testing.T) {
	keys := testutil.Keys(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, testutil.Postgres(t), keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.MigrateUpTo(ctx, storetest.LegacyRecordsBefore); err != nil {
		t.Fatal(err)
	}
	storetest.RunLegacyRecords(t, db, keys, db.SQL(), true, func() error { return db.Migrate(ctx) })
}
