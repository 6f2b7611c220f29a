package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// DumpStore is a store that can be copied from and into (vigil copy).
type DumpStore interface {
	Store
	store.Dumper
	store.Loader
}

// OpenDump opens a fresh, migrated, empty store that seals with keys.
type OpenDump func(t *testing.T, keys *secret.Keys) DumpStore

// RunDump runs the copy tests: an installation filled in a store from openA
// is copied into a store from openB and from there into a second store from
// openA, and all three must hold the same rows, read the same through the
// store, and open every sealed field with the same keys. Each check, when
// given, then runs on the three stores (to look at the databases
// themselves).
func RunDump(t *testing.T, openA, openB OpenDump, checks ...func(t *testing.T, a, b, c DumpStore)) {
	t.Run("RoundTrip", func(t *testing.T) { testDumpRoundTrip(t, openA, openB, checks) })
	t.Run("EmptyCopy", func(t *testing.T) { testDumpEmpty(t, openA, openB) })
	t.Run("EmptyBytesAreNotNull", func(t *testing.T) { testDumpEmptyBytes(t, openA, openB) })
	t.Run("LoadIsAllOrNothing", func(t *testing.T) { testLoadAllOrNothing(t, openB) })
	t.Run("LoadRowsMustMatchColumns", func(t *testing.T) { testLoadRowsMatchColumns(t, openB) })
}

// Keys returns fresh random keys, for any test; testutil.Keys is the same.
func Keys(t testing.TB) *secret.Keys {
	t.Helper()
	data, err := secret.Generate()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// DumpFixture is what FillDump stored, to look up afterwards.
type DumpFixture struct {
	Emails         []string // of the supporters still stored
	Participations []int64
	Messages       []int64 // outbox IDs
	Staff          []model.StaffUser
}

// dumpNow is when FillDump's installation runs.
var dumpNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

var dumpSeq atomic.Int64

// dumpMessage is an outbox message sealed as the delivery package seals one:
// bound to its Message-ID. It is due a day after dumpNow.
func dumpMessage(keys *secret.Keys, kind string, supporterID int64) model.OutboxMessage {
	id := fmt.Sprintf("dump%d-%d@vigil.test", dumpSeq.Add(1), time.Now().UnixNano())
	return model.OutboxMessage{MessageID: id, Kind: kind, SupporterID: supporterID,
		CreatedAt: dumpNow.Add(time.Duration(dumpSeq.Load()) * time.Millisecond), NextAttemptAt: dumpNow.Add(24 * time.Hour),
		Sealed: keys.Seal([]byte(`{"subject":"`+kind+`"}`), secret.AD("outbox", "sealed", id))}
}

// FillDump stores a small but complete installation: the demo content, and
// supporters who signed, wrote appeals, confirmed or not, subscribed and
// unsubscribed, were reminded, removed (leaving a gap in the IDs), with
// appeals queued, sent and retried.
func FillDump(t testing.TB, s Store, keys *secret.Keys) DumpFixture {
	t.Helper()
	ctx := context.Background()
	now := dumpNow
	if _, err := demo.Install(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	// A translation in a language the demo has none in.
	article, err := s.NewsBySlug(ctx, demo.NewsCourtSlug)
	if err != nil {
		t.Fatal(err)
	}
	de := &model.Translation{Lang: "de", Texts: map[string]string{"title": "Das Gesetz vor Gericht", "body": "Ä ö ü — «ß»"},
		Source: model.Fingerprint(article.Texts()), Saved: now.Add(500 * time.Millisecond)}
	if err := s.SaveTranslation(ctx, model.KindNews, article.ID, de, 0); err != nil {
		t.Fatal(err)
	}
	// An API key, used once, and a revoked one.
	for i, name := range []string{"CRM", "old"} {
		k := &model.APIKey{Name: name, Hash: []byte{byte(i), 1, 2, 3}, Scopes: []model.Scope{model.ScopeRead, model.ScopePeople},
			Created: now.Add(600 * time.Millisecond), CreatedBy: "admin@example.org"}
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchAPIKey(ctx, k.ID, now.Add(700*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := s.RevokeAPIKey(ctx, k.ID, now.Add(800*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A webhook receiver: every participation below queues a delivery.
	hook := &model.Webhook{URL: "https://crm.example.org/hook", Secret: "s3cret", Created: now.Add(900 * time.Millisecond)}
	if err := s.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	var fx DumpFixture
	act := func(slug, email, name string, at time.Time, mutate func(*store.Participate)) store.Participated {
		t.Helper()
		p := store.Participate{ActionSlug: slug, Now: at,
			Supporter: model.Supporter{Email: email, Name: name, Country: "VE", PostalCode: "1010", Lang: "es"},
			Participation: model.Participation{Subject: "Release them", Letter: "Dear Minister,\n\nRelease them.",
				IPHash: []byte{1, 2, 3}, AgentClass: "mobile", FillMillis: 42000, Referrer: "https://example.org/x", ShareCode: "abc"},
			Consents: []model.Consent{
				{Key: "updates", Text: "Email me about this action.", Given: true, Source: "/actions/" + slug},
				{Key: "newsletter", Text: "Send me the newsletter.", Given: false, Source: "/actions/" + slug},
			},
		}
		if mutate != nil {
			mutate(&p)
		}
		// No intent: the outbox holds a sealed request to confirm, due
		// after the digests below, so that every message opens.
		res, err := s.Participate(ctx, p)
		if err != nil {
			t.Fatalf("participate %s on %s: %v", email, slug, err)
		}
		m := dumpMessage(keys, "confirm", res.SupporterID)
		if err := s.EnqueueMessage(ctx, &m); err != nil {
			t.Fatal(err)
		}
		fx.Participations = append(fx.Participations, res.ParticipationID)
		return res
	}
	// Milliseconds on purpose: both databases keep them.
	ana := act(demo.CanadaSlug, "ana@example.org", "Ana Pérez", now.Add(1234*time.Millisecond), func(p *store.Participate) {
		p.Participation.Comment = "Por favor — «escuchen» 🙏\nGracias."
	})
	act(demo.DeportationsSlug, "ana@example.org", "Ana Pérez", now.Add(time.Minute), nil)
	bruno := act(demo.DeportationsSlug, "bruno@example.org", "Bruno Díaz", now.Add(2*time.Minute), nil)
	carla := act(demo.CanadaSlug, "carla@example.org", "Carla Ruiz", now.Add(3*time.Minute), func(p *store.Participate) {
		p.Participation.IPHash = nil
		p.Supporter.PostalCode = ""
	})
	act(demo.UgandaSlug, "dario@example.org", "Darío", now.Add(4*time.Minute), func(p *store.Participate) {
		p.Consents = nil
		p.Supporter.Country = ""
	})
	if _, err := s.Subscribe(ctx, store.Subscribe{Now: now.Add(5 * time.Minute),
		Supporter: model.Supporter{Email: "elena@example.org", Lang: "en"},
		Consent:   model.Consent{Key: "newsletter", Text: "Send me the newsletter.", Given: true, Source: "/newsletter"},
	}, func(r store.Subscribed) ([]model.OutboxMessage, error) {
		return []model.OutboxMessage{dumpMessage(keys, "subscribe", r.SupporterID)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	elena, err := s.SupporterByEmail(ctx, "elena@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.Participated{ana, carla} {
		if _, _, err := s.ConfirmParticipation(ctx, p.ParticipationID, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Unsubscribe(ctx, elena.ID, now.Add(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Ana no longer wants a case's updates.
	published, err := s.PublishedCases(ctx)
	if err != nil || len(published) == 0 {
		t.Fatalf("cases: %v, %v", published, err)
	}
	choices := model.EmailChoices{Cases: []model.CaseChoice{{Case: published[0]}}, Newsletter: true}
	if err := s.SaveEmailChoices(ctx, ana.SupporterID, choices, model.Consent{}, now.Add(100*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Dario is reminded; Bruno takes his back, and goes (a gap in the IDs).
	if n, err := s.RemindUnconfirmed(ctx, now.Add(5*time.Minute), now.Add(2*time.Hour), func(p store.Pending) (model.OutboxMessage, error) {
		return dumpMessage(keys, "reminder", p.Supporter.ID), nil
	}); err != nil || n != 2 {
		t.Fatalf("reminders: %d, %v; want 2 (Bruno, Dario)", n, err)
	}
	if err := s.RemoveParticipation(ctx, bruno.ParticipationID, now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	fx.Participations = slices.DeleteFunc(fx.Participations, func(id int64) bool { return id == bruno.ParticipationID })

	// The confirmed appeals go out in one digest per target, due before
	// the other messages: one is sent (the trigger marks its appeals
	// delivered), one waits for a retry.
	n, err := s.QueueAppeals(ctx, store.QueueAppeals{ActionID: ana.Action.ID, Now: now.Add(2 * time.Hour),
		DayStart: now.Truncate(24 * time.Hour), Digest: true},
		func(a model.Action, tg model.Target, letters []store.AppealLetter) ([]model.OutboxMessage, error) {
			m := dumpMessage(keys, "digest", 0)
			m.TargetID, m.NextAttemptAt = tg.ID, now.Add(2*time.Hour)
			return []model.OutboxMessage{m}, nil
		})
	if err != nil || n != 4 {
		t.Fatalf("queue appeals: %d, %v; want 2 letters to 2 targets", n, err)
	}
	claimed, err := s.ClaimMessages(ctx, now.Add(3*time.Hour), now.Add(4*time.Hour), 2)
	if err != nil || len(claimed) != 2 || claimed[0].Kind != "digest" || claimed[1].Kind != "digest" {
		t.Fatalf("claimed %+v, %v; want the two digests", claimed, err)
	}
	if err := s.MarkSent(ctx, claimed[0].ID, now.Add(3*time.Hour+500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, claimed[1].ID, now.Add(4*time.Hour), "421 try again later"); err != nil {
		t.Fatal(err)
	}
	// Staff: an admin with a sealed second factor who signed in, changed a
	// setting (audited), and an editor reading the staff pages in Spanish
	// who was removed, leaving a gap.
	staffCtx := store.WithActor(ctx, model.Actor{Email: "cli", At: dumpNow})
	for _, u := range []*model.StaffUser{
		{Email: "admin@example.org", Role: model.RoleAdmin, PasswordHash: "$argon2id$a", Created: now, TOTPSecret: []byte("12345678901234567890")},
		{Email: "gone@example.org", Role: model.RoleEditor, PasswordHash: "$argon2id$b", Lang: "es", Created: now},
	} {
		if err := s.CreateStaffUser(staffCtx, u); err != nil {
			t.Fatal(err)
		}
		fx.Staff = append(fx.Staff, *u)
	}
	fx.Staff[1].Disabled = true
	if err := s.UpdateStaffUser(staffCtx, fx.Staff[1]); err != nil {
		t.Fatal(err)
	}
	for range store.LockAfter { // locked from one network: every column of the row filled
		if _, err := s.LoginFailed(ctx, fx.Staff[0].ID, []byte("network-0123456"), now); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, model.StaffSession{TokenHash: []byte("0123456789abcdef0123456789abcdef"),
		UserID: fx.Staff[0].ID, Verified: true, Created: now, LastSeen: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(store.WithActor(ctx, model.Actor{UserID: fx.Staff[0].ID, Email: "admin@example.org", IPHash: "ab12", At: dumpNow}),
		"require-totp", "yes"); err != nil {
		t.Fatal(err)
	}
	// A researcher's records of two individuals of the demo case, sealed;
	// one is deleted, leaving a gap.
	demoCase, err := s.CaseBySlug(ctx, demo.CaseSlug)
	if err != nil {
		t.Fatal(err)
	}
	researcherCtx := store.WithActor(ctx, model.Actor{UserID: fx.Staff[0].ID, Email: "admin@example.org", IPHash: "ab12", At: dumpNow})
	for _, r := range []*model.Record{
		{CaseID: demoCase.ID, Name: "Gone Record", Updated: now},
		{CaseID: demoCase.ID, Name: "José «Pepe» Núñez", Label: "Individual 900", Updated: now},
	} {
		if err := s.SaveRecord(researcherCtx, r); err != nil {
			t.Fatal(err)
		}
		if r.Name == "Gone Record" {
			if err := s.DeleteRecord(researcherCtx, r.ID, r.Version); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := s.AddRecordEvent(researcherCtx, &model.RecordEvent{RecordID: r.ID, Kind: model.EventReturned,
			Date: now.AddDate(0, 0, -3), Precision: model.PrecisionDay, Place: "Caracas", Source: "His mother",
			SourceHow: "by phone", SourceDate: now.AddDate(0, 0, -2), Verification: model.VerifiedConfirmed,
			Created: now}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if demoCase, err := s.CaseBySlug(ctx, demo.CaseSlug); err != nil {
		t.Fatal(err)
	} else if err := s.SaveUpdateDraft(ctx, demoCase.ID, model.Update{Title: "Draft", Body: "Not yet", Final: true,
		Status: model.CaseClosed}, time.Time{}, now); err != nil {
		t.Fatal(err)
	}
	// Gifts: a one-off from a supporter's address, a monthly one ended.
	for _, e := range []store.StripeEvent{
		{ID: "evt_dump1", Type: "checkout.session.completed", Received: now.Add(time.Hour), Payment: &model.Donation{Ref: "cs_dump",
			SessionID: "cs_dump", Amount: 2500, Currency: "eur", CaseSlug: demo.CaseSlug, Lang: "es", Name: "Ana",
			Email: "ana@example.org", Paid: now.Add(time.Hour)}},
		{ID: "evt_dump2", Type: "invoice.paid", Received: now.Add(2 * time.Hour), Gift: &model.MonthlyGift{SubscriptionID: "sub_dump",
			CustomerID: "cus_dump", Amount: 1000, Currency: "usd", Lang: "fr", Name: "Gil", Email: "gil@example.org"},
			Payment: &model.Donation{Ref: "in_dump", Amount: 1000, Currency: "usd", Paid: now.Add(2 * time.Hour)}},
		{ID: "evt_dump3", Type: "customer.subscription.deleted", Received: now.Add(3 * time.Hour),
			Gift: &model.MonthlyGift{SubscriptionID: "sub_dump"}, Ended: now.Add(3 * time.Hour)},
	} {
		if _, err := s.ApplyStripeEvent(ctx, e, func(d model.Donation) (model.OutboxMessage, error) {
			return dumpMessage(keys, "donation", d.SupporterID), nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	fx.Emails = []string{"ana@example.org", "carla@example.org", "dario@example.org", "elena@example.org"}
	if err := dumpEach(ctx, s, "outbox", func(r store.Row) error {
		fx.Messages = append(fx.Messages, r["id"].(int64))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return fx
}

// dumpEach calls fn with each row of one table of s.
func dumpEach(ctx context.Context, s Store, table string, fn func(store.Row) error) error {
	d, ok := s.(store.Dumper)
	if !ok {
		return fmt.Errorf("%T is no store.Dumper", s)
	}
	return d.Dump(ctx, func(tx store.DumpTx) error { return tx.DumpTable(ctx, table, fn) })
}

// DumpRows reads every table of d, in store.Schema's order of tables.
func DumpRows(t testing.TB, d store.Dumper) map[string][]store.Row {
	t.Helper()
	ctx := context.Background()
	all := map[string][]store.Row{}
	err := d.Dump(ctx, func(tx store.DumpTx) error {
		for _, table := range tx.Tables() {
			all[table] = []store.Row{}
			if err := tx.DumpTable(ctx, table, func(r store.Row) error {
				all[table] = append(all[table], r)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// CompareRows reports every row of got that differs from want, table by
// table.
func CompareRows(t testing.TB, name string, want, got map[string][]store.Row) {
	t.Helper()
	for _, st := range store.Schema {
		w, g := want[st.Name], got[st.Name]
		if len(w) != len(g) {
			t.Errorf("%s: table %s has %d rows, want %d", name, st.Name, len(g), len(w))
			continue
		}
		bad := 0
		for i := range w {
			for _, c := range st.Columns {
				wv, gv := w[i][c.Name], g[i][c.Name]
				if !sameValue(wv, gv) {
					if bad++; bad <= 5 {
						t.Errorf("%s: %s row %d column %s: %s, want %s", name, st.Name, i, c.Name, showValue(gv), showValue(wv))
					}
				}
			}
			if len(g[i]) != len(st.Columns) || len(w[i]) != len(st.Columns) {
				t.Errorf("%s: %s row %d has %d columns (want %d), want has %d", name, st.Name, i, len(g[i]), len(st.Columns), len(w[i]))
			}
		}
	}
}

// sameValue compares two neutral values exactly: same type, same value;
// NULL is not an empty value.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == time.UTC && y.Location() == time.UTC
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y) && (x == nil) == (y == nil)
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && a == b
}

func showValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		if len(x) > 16 {
			return fmt.Sprintf("%d bytes %x…", len(x), x[:16])
		}
		return fmt.Sprintf("[]byte %x", x)
	case time.Time:
		return x.Format(time.RFC3339Nano) + " (" + x.Location().String() + ")"
	}
	return fmt.Sprintf("%T %v", v, v)
}

func dumpCopy(t *testing.T, dst store.Loader, src store.Dumper) {
	t.Helper()
	start := time.Now()
	if err := store.Copy(context.Background(), dst, src, func(table string, rows int64, took time.Duration) {
		t.Logf("copied %-17s %4d rows in %v", table, rows, took.Round(time.Microsecond))
	}); err != nil {
		t.Fatalf("copy: %v", err)
	}
	t.Logf("copy took %v", time.Since(start).Round(time.Millisecond))
}

func testDumpRoundTrip(t *testing.T, openA, openB OpenDump, checks []func(t *testing.T, a, b, c DumpStore)) {
	ctx := context.Background()
	keys := Keys(t)
	a := openA(t, keys)
	fx := FillDump(t, a, keys)
	b := openB(t, keys)
	if empty, err := b.IsEmpty(ctx); err != nil || !empty {
		t.Fatalf("a fresh store: empty %v, %v", empty, err)
	}
	dumpCopy(t, b, a)
	c := openA(t, keys)
	dumpCopy(t, c, b)

	want := DumpRows(t, a)
	for _, st := range store.Schema {
		if len(want[st.Name]) == 0 {
			t.Errorf("table %s is empty in the fixture: fill it, so its columns are copied in the test", st.Name)
		}
	}
	wantCounts, err := store.CountAll(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []struct {
		name string
		s    DumpStore
	}{{"first copy", b}, {"copy of the copy", c}} {
		CompareRows(t, st.name, want, DumpRows(t, st.s))
		counts, err := store.CountAll(ctx, st.s)
		if err != nil || !reflect.DeepEqual(counts, wantCounts) {
			t.Errorf("%s: counts %v (%v), want %v", st.name, counts, err, wantCounts)
		}
		if empty, err := st.s.IsEmpty(ctx); err != nil || empty {
			t.Errorf("%s: empty %v, %v", st.name, empty, err)
		}
		compareThroughStore(t, st.name, a, st.s, keys, fx)
	}

	// A copy goes into an empty database only, and changes nothing there.
	if err := store.Copy(ctx, b, a, nil); !errors.Is(err, store.ErrNotEmpty) {
		t.Errorf("a copy into a store holding rows: %v, want ErrNotEmpty", err)
	}
	CompareRows(t, "after a refused copy", want, DumpRows(t, b))

	for _, check := range checks {
		check(t, a, b, c)
	}
	// The next rows stored get fresh IDs.
	freshIDs(t, "first copy", b, want, keys)
	freshIDs(t, "copy of the copy", c, want, keys)
}

// compareThroughStore reads the same things from want and got through the
// store and expects the same answers, sealed fields opened.
func compareThroughStore(t *testing.T, name string, want, got Store, keys *secret.Keys, fx DumpFixture) {
	t.Helper()
	ctx := context.Background()
	same := func(what string, w, g any, werr, gerr error) {
		t.Helper()
		if werr != nil {
			t.Fatalf("%s: in the original: %v", what, werr)
		}
		if gerr != nil {
			t.Errorf("%s: %s: %v", name, what, gerr)
			return
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: %s differs:\n got %+v\nwant %+v", name, what, g, w)
		}
	}
	wc, werr := want.CaseBySlug(ctx, demo.CaseSlug)
	gc, gerr := got.CaseBySlug(ctx, demo.CaseSlug)
	same("case "+demo.CaseSlug, wc, gc, werr, gerr)
	wr, werr := want.RecordsOfCase(ctx, wc.ID)
	gr, gerr := got.RecordsOfCase(ctx, wc.ID)
	same("records of case "+demo.CaseSlug, wr, gr, werr, gerr)
	// The demo's individuals, and the one added here, with its event.
	var pepe *model.Record
	for i := range wr {
		if wr[i].Name == "José «Pepe» Núñez" {
			pepe = &wr[i]
		}
	}
	if len(wr) != demo.Individuals+1 || pepe == nil || len(pepe.Events) != 1 || pepe.Events[0].Place != "Caracas" {
		t.Errorf("records of case %s: %d, José: %+v", demo.CaseSlug, len(wr), pepe)
	}
	wcs, werr := want.PublishedCases(ctx)
	gcs, gerr := got.PublishedCases(ctx)
	same("published cases", wcs, gcs, werr, gerr)

	images := map[string][]int{}
	addImage := func(img *model.Image) {
		if img != nil {
			images[img.PublicID] = img.Widths
		}
	}
	addImage(wc.Image)
	was, werr := want.PublishedActions(ctx)
	gas, gerr := got.PublishedActions(ctx)
	same("published actions", was, gas, werr, gerr)
	for _, a := range was {
		wa, werr := want.ActionBySlug(ctx, a.Slug)
		ga, gerr := got.ActionBySlug(ctx, a.Slug)
		same("action "+a.Slug, wa, ga, werr, gerr)
		addImage(wa.Image)
	}
	wns, werr := want.LatestNews(ctx, 0, 100)
	gns, gerr := got.LatestNews(ctx, 0, 100)
	same("news", wns, gns, werr, gerr)
	for _, n := range wns {
		wn, werr := want.NewsBySlug(ctx, n.Slug)
		gn, gerr := got.NewsBySlug(ctx, n.Slug)
		same("news "+n.Slug, wn, gn, werr, gerr)
		addImage(wn.Image)
	}
	if len(images) == 0 {
		t.Fatal("the fixture has no pictures")
	}
	for publicID, widths := range images {
		for _, w := range widths {
			wv, werr := want.ImageVariant(ctx, publicID, w)
			gv, gerr := got.ImageVariant(ctx, publicID, w)
			same(fmt.Sprintf("image %s at %d", publicID, w), wv, gv, werr, gerr)
		}
	}

	for _, u := range fx.Staff {
		wu, werr := want.StaffUser(ctx, u.ID)
		gu, gerr := got.StaffUser(ctx, u.ID)
		same("staff user "+u.Email, wu, gu, werr, gerr)
	}
	wl, werr := want.AuditLog(ctx, store.AuditFilter{})
	gl, gerr := got.AuditLog(ctx, store.AuditFilter{})
	same("audit log", wl, gl, werr, gerr)
	for _, email := range fx.Emails {
		ws, werr := want.SupporterByEmail(ctx, email)
		gs, gerr := got.SupporterByEmail(ctx, email)
		same("supporter "+email, ws, gs, werr, gerr)
		if gs.Email != email {
			t.Errorf("%s: supporter %s opens as %q", name, email, gs.Email)
		}
		wp, werr := want.ParticipationsOf(ctx, ws.ID)
		gp, gerr := got.ParticipationsOf(ctx, ws.ID)
		same("participations of "+email, wp, gp, werr, gerr)
		wcn, werr := want.Consents(ctx, ws.ID)
		gcn, gerr := got.Consents(ctx, ws.ID)
		same("consents of "+email, wcn, gcn, werr, gerr)
	}
	for _, id := range fx.Participations {
		wp, werr := want.Participation(ctx, id)
		gp, gerr := got.Participation(ctx, id)
		same(fmt.Sprintf("participation %d", id), wp, gp, werr, gerr)
		wd, werr := want.AppealDeliveries(ctx, id)
		gd, gerr := got.AppealDeliveries(ctx, id)
		same(fmt.Sprintf("deliveries of participation %d", id), wd, gd, werr, gerr)
	}
	woc, werr := want.OutboxCounts(ctx)
	goc, gerr := got.OutboxCounts(ctx)
	same("outbox counts", woc, goc, werr, gerr)
	for _, id := range fx.Messages {
		wm, werr := want.OutboxMessage(ctx, id)
		gm, gerr := got.OutboxMessage(ctx, id)
		same(fmt.Sprintf("outbox message %d", id), wm, gm, werr, gerr)
		if _, err := keys.Open(gm.Sealed, secret.AD("outbox", "sealed", gm.MessageID)); err != nil {
			t.Errorf("%s: outbox message %d does not open: %v", name, id, err)
		}
	}
}

// maxID is the largest id of a table in a dump.
func maxID(rows map[string][]store.Row, table string) int64 {
	var m int64
	for _, r := range rows[table] {
		m = max(m, r["id"].(int64))
	}
	return m
}

// freshIDs stores new rows in a copy and expects IDs past those copied.
func freshIDs(t *testing.T, name string, s Store, copied map[string][]store.Row, keys *secret.Keys) {
	t.Helper()
	ctx := context.Background()
	c := &model.Case{Slug: "after-the-copy", Lang: "en", Title: "After the copy", Status: model.CaseActive,
		Published: dumpNow, Updated: dumpNow,
		Timeline: []model.TimelineEvent{{Date: dumpNow, Title: "Copied"}},
		Demands:  []model.Demand{{Text: "Keep the IDs"}},
		Updates:  []model.Update{{Title: "Opening", Published: dumpNow}},
		Tags:     []string{"a tag never used before"}}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatalf("%s: a new case: %v", name, err)
	}
	check := func(table string, id int64) {
		t.Helper()
		if m := maxID(copied, table); id <= m {
			t.Errorf("%s: a new row of %s got ID %d, not past the %d copied", name, table, id, m)
		}
	}
	check("cases", c.ID)
	check("timeline_events", c.Timeline[0].ID)
	check("demands", c.Demands[0].ID)
	check("updates", c.Updates[0].ID)
	res, err := s.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: dumpNow.Add(5 * time.Hour),
		Supporter:     model.Supporter{Email: "new@example.org", Name: "New Person", Lang: "en"},
		Participation: model.Participation{Comment: "after the copy"},
		Consents:      []model.Consent{{Key: "updates", Text: "Yes", Given: true, Source: "/"}},
		Email:         store.ParticipationEmail{MessageID: dumpMessage(keys, "confirm", 0).MessageID, Lang: "en"},
	})
	if err != nil {
		t.Fatalf("%s: a new participation: %v", name, err)
	}
	check("supporters", res.SupporterID)
	check("participations", res.ParticipationID)
	if sup, err := s.SupporterByEmail(ctx, "new@example.org"); err != nil || sup.Name != "New Person" || sup.ID != res.SupporterID {
		t.Errorf("%s: the new supporter reads back as %+v, %v", name, sup, err)
	}
	if p, err := s.Participation(ctx, res.ParticipationID); err != nil || p.Comment != "after the copy" {
		t.Errorf("%s: the new participation reads back as %+v, %v", name, p, err)
	}
	m := dumpMessage(keys, "notice", 0)
	if err := s.EnqueueMessage(ctx, &m); err != nil {
		t.Fatalf("%s: a new message: %v", name, err)
	}
	check("outbox", m.ID)
	img := &model.Image{Alt: "New", Width: 1, Height: 1, Hash: "after-the-copy", Format: "png", Created: dumpNow}
	if err := s.CreateImage(ctx, img, []model.ImageVariant{{Width: 1, ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}}}); err != nil {
		t.Fatalf("%s: a new image: %v", name, err)
	}
	check("images", img.ID)
	u := &model.StaffUser{Email: "new-staff@example.org", Role: model.RoleViewer, PasswordHash: "x", Created: dumpNow}
	if err := s.CreateStaffUser(ctx, u); err != nil {
		t.Fatalf("%s: a new staff user: %v", name, err)
	}
	check("staff_users", u.ID)
	if err := s.RecordAudit(ctx, model.AuditEntry{At: dumpNow, UserEmail: "cli", Action: "after.copy"}); err != nil {
		t.Fatal(err)
	}
	if log, err := s.AuditLog(ctx, store.AuditFilter{Limit: 1}); err != nil || len(log) != 1 {
		t.Fatalf("%s: audit log: %v", name, err)
	} else {
		check("audit_log", log[0].ID)
	}
	for _, tb := range []string{"cases", "supporters", "participations", "consents", "outbox"} {
		t.Logf("%s: %s IDs after the copy continue past %d", name, tb, maxID(copied, tb))
	}
}

func testDumpEmpty(t *testing.T, openA, openB OpenDump) {
	ctx := context.Background()
	keys := Keys(t)
	a, b := openA(t, keys), openB(t, keys)
	if err := store.Copy(ctx, b, a, nil); err != nil {
		t.Fatal(err)
	}
	if empty, err := b.IsEmpty(ctx); err != nil || !empty {
		t.Errorf("after copying nothing: empty %v, %v", empty, err)
	}
	counts, err := store.CountAll(ctx, b)
	if err != nil || len(counts) != len(store.Schema) {
		t.Errorf("counts %v, %v", counts, err)
	}
}

func testLoadAllOrNothing(t *testing.T, open OpenDump) {
	ctx := context.Background()
	s := open(t, Keys(t))
	boom := errors.New("the source failed")
	err := s.Load(ctx, func(w store.LoadTx) error {
		n, err := w.LoadTable(ctx, "tags", func(yield func(store.Row) error) error {
			for i := range int64(3) {
				if err := yield(store.Row{"id": 10 + i, "name": fmt.Sprint("tag ", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n != 3 {
			t.Errorf("load tags: %d, %v", n, err)
		}
		_, err = w.LoadTable(ctx, "targets", func(yield func(store.Row) error) error {
			return boom
		})
		return err
	})
	if !errors.Is(err, boom) {
		t.Errorf("load: %v, want the source's error", err)
	}
	if empty, err := s.IsEmpty(ctx); err != nil || !empty {
		t.Errorf("after a failed load: empty %v, %v; want nothing stored", empty, err)
	}
}

func testLoadRowsMatchColumns(t *testing.T, open OpenDump) {
	ctx := context.Background()
	s := open(t, Keys(t))
	for _, tc := range []struct {
		name string
		row  store.Row
	}{
		{"unknown column", store.Row{"id": int64(1), "name": "x", "colour": "red"}},
		{"missing column", store.Row{"id": int64(1)}},
		{"wrong type", store.Row{"id": "1", "name": "x"}},
	} {
		err := s.Load(ctx, func(w store.LoadTx) error {
			_, err := w.LoadTable(ctx, "tags", func(yield func(store.Row) error) error { return yield(tc.row) })
			return err
		})
		if err == nil {
			t.Errorf("%s: loaded %v", tc.name, tc.row)
		}
	}
	err := s.Load(ctx, func(w store.LoadTx) error {
		_, err := w.LoadTable(ctx, "no_such_table", func(yield func(store.Row) error) error { return nil })
		return err
	})
	if err == nil {
		t.Error("loaded a table not in store.Schema")
	}
	if empty, err := s.IsEmpty(ctx); err != nil || !empty {
		t.Errorf("empty %v, %v", empty, err)
	}
}

// testDumpEmptyBytes copies an empty sealed value and a NULL one: each
// stays what it was.
func testDumpEmptyBytes(t *testing.T, openA, openB OpenDump) {
	ctx := context.Background()
	keys := Keys(t)
	a, b := openA(t, keys), openB(t, keys)
	row := store.Row{"id": int64(7), "email_index": []byte{1, 2}, "email_sealed": []byte{}, "name_sealed": nil,
		"postal_sealed": []byte{0}, "country": "", "lang": "en", "created_at": dumpNow.Add(time.Millisecond),
		"confirmed_at": nil, "unsubscribed_at": nil, "reminded_at": nil, "erased_at": nil,
		"updated_at": dumpNow.Add(time.Millisecond)}
	if err := a.Load(ctx, func(w store.LoadTx) error {
		_, err := w.LoadTable(ctx, "supporters", func(yield func(store.Row) error) error { return yield(row) })
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]store.Row{}
	for _, st := range store.Schema {
		want[st.Name] = []store.Row{}
	}
	want["supporters"] = []store.Row{row}
	CompareRows(t, "loaded", want, DumpRows(t, a))
	dumpCopy(t, b, a)
	CompareRows(t, "copied", want, DumpRows(t, b))
}
