package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the row counts

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/postgres"
	"vigil/internal/testutil"
)

// Where a repeat signature by the same email lands.

// TestInstancesShareOnePostgres runs two `vigil serve` processes on one
// PostgreSQL database and one mailpit, signs the petition on both at once
// (some emails on both at the same moment), and checks that every
// acknowledged signature is stored and counted once, that both instances
// show the database's count, that every confirmation email reaches mailpit
// exactly once, and that an update published on the shared database shows
// on both instances within a second.
func TestInstancesShareOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two instances on PostgreSQL and mailpit")
	}
	const (
		clientsPerInstance  = 8
		signaturesPerClient = 12
		sharedEmails        = 24 // each signed on A and on B at the same moment
		startupWait         = 60 * time.Second
		countWithin         = 3 * time.Second  // both pages show the stored count by then
		updateWithin        = time.Second      // the requirement
		mailWithin          = 30 * time.Second // every confirmation in mailpit by then
	)
	began := time.Now()
	ctx := context.Background()
	pgURL := testutil.Postgres(t)
	mp := testutil.Mailpit(t)

	dir := t.TempDir()
	bin := filepath.Join(dir, "vigil")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built in %v", time.Since(began).Round(time.Millisecond))

	keyPath := filepath.Join(dir, "vigil.key")
	common := []string{"--db", pgURL, "--key-file", keyPath, "--addr", "127.0.0.1:0", "--log-format", "json",
		"--form-rate", "0", "--smtp", mp.SMTPURL()}
	phase := time.Now()
	instA := startVigil(t, bin, startupWait, append([]string{"demo"}, common...)...)
	instB := startVigil(t, bin, startupWait, append([]string{"serve"}, common...)...)
	insts := []instance{{"A", instA}, {"B", instB}}
	t.Logf("A (demo) on %s and B (serve) on %s started in %v", instA.addr, instB.addr, time.Since(phase).Round(time.Millisecond))

	db := instancesOpenDB(t, pgURL, keyPath)
	raw, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	action, err := db.ActionBySlug(ctx, durabilitySlug)
	if err != nil {
		t.Fatal(err)
	}
	start := action.Count
	rowsBefore := instancesRows(t, raw, action.ID)
	outboxBefore, err := db.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}

	transport := &http.Transport{
		Proxy:               nil, // 127.0.0.1 only, whatever the environment says
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 32,
		DisableCompression:  true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport:     transport,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	// 1. Signatures on both instances at once, pages read meanwhile.
	phase = time.Now()
	var (
		mu       sync.Mutex
		answers  []instancesAnswer
		names    = map[string]string{} // email -> name sent
		readErrs []string
		wg       sync.WaitGroup
	)
	sign := func(in instance, email, name string) {
		mu.Lock()
		names[email] = name
		mu.Unlock()
		a := instancesSign(client, in, email, name)
		mu.Lock()
		answers = append(answers, a)
		mu.Unlock()
	}
	for _, in := range insts {
		for c := range clientsPerInstance {
			wg.Go(func() {
				for n := range signaturesPerClient {
					email := fmt.Sprintf("solo-%s-%d-%d@example.org", strings.ToLower(in.name), c, n)
					sign(in, email, fmt.Sprintf("Solo %s %d-%d", in.name, c, n))
				}
			})
		}
	}
	wg.Go(func() {
		// The same email on A and on B, released together.
		for k := range sharedEmails {
			email := fmt.Sprintf("both-%d@example.org", k)
			name := fmt.Sprintf("Both %d", k)
			release := make(chan struct{})
			var pair sync.WaitGroup
			for _, in := range insts {
				pair.Go(func() {
					<-release
					sign(in, email, name)
				})
			}
			close(release)
			pair.Wait()
		}
	})
	loadDone := make(chan struct{})
	var readers sync.WaitGroup
	for _, in := range insts {
		readers.Go(func() {
			// Visitors reading the petition while others sign it.
			for {
				select {
				case <-loadDone:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, status, err := instancesFetch(client, in, durabilityPath); err != nil || status != http.StatusOK {
					mu.Lock()
					readErrs = append(readErrs, fmt.Sprintf("%s GET %s: %d %v", in.name, durabilityPath, status, err))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	close(loadDone)
	readers.Wait()
	loadTook := time.Since(phase)

	// What the instances answered.
	byEmail := map[string][]instancesAnswer{}
	var odd []string
	acked := 0
	for _, a := range answers {
		byEmail[a.email] = append(byEmail[a.email], a)
		if a.kind == "" {
			odd = append(odd, a.String())
		} else {
			acked++
		}
	}
	t.Logf("%d signatures (%d emails, %d of them on both instances at once) sent in %v: %d acknowledged, %d other answers; %d page reads failed",
		len(answers), len(byEmail), sharedEmails, loadTook.Round(time.Millisecond), acked, len(odd), len(readErrs))
	if len(odd) > 0 {
		sort.Strings(odd)
		t.Errorf("%d answers were not a thank-you (%s), e.g.:\n%s", len(odd), durabilityThank,
			strings.Join(first(odd, 5), "\n"))
	}
	if len(readErrs) > 0 {
		t.Errorf("%d page reads during the load failed, e.g.:\n%s", len(readErrs), strings.Join(first(readErrs, 5), "\n"))
	}
	emails := make([]string, 0, len(byEmail))
	for e := range byEmail {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	// Every answer is the same thank-you, new or repeat (the page must not
	// tell a stranger which): that each email is stored and counted once
	// is checked in the database below.

	// 2. The database: every acknowledged signature stored once, counted once.
	phase = time.Now()
	action, err = db.ActionBySlug(ctx, durabilitySlug)
	if err != nil {
		t.Fatal(err)
	}
	stored, missing := 0, 0
	for _, e := range emails {
		ackedHere := false
		for _, a := range byEmail[e] {
			ackedHere = ackedHere || a.kind != ""
		}
		norm, err := secret.NormaliseEmail(e)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		sup, err := db.SupporterByEmail(ctx, norm)
		if errors.Is(err, model.ErrNotFound) {
			if ackedHere {
				missing++
				t.Errorf("acknowledged signature of %s is not stored", e)
			}
			continue
		}
		if err != nil {
			t.Fatalf("supporter %s: %v", e, err)
		}
		parts, err := db.ParticipationsOf(ctx, sup.ID)
		if err != nil {
			t.Fatalf("participations of %s: %v", e, err)
		}
		inAction := 0
		for _, p := range parts {
			if p.ActionID == action.ID {
				inAction++
			}
		}
		if len(parts) != 1 || inAction != 1 {
			t.Errorf("%s: %d participations, %d in %q; want exactly one there", e, len(parts), inAction, durabilitySlug)
		}
		if sup.Email != norm || sup.Name != names[e] || sup.Country != "VE" || !sup.Confirmed.IsZero() {
			t.Errorf("%s stored as %q name %q country %q confirmed %v", e, sup.Email, sup.Name, sup.Country, sup.Confirmed)
		}
		stored++
	}
	rowsAfter := instancesRows(t, raw, action.ID)
	count := action.Count
	t.Logf("database checked in %v: %d emails stored, %d missing; count %d -> %d (+%d); participation rows %d -> %d",
		time.Since(phase).Round(time.Millisecond), stored, missing, start, count, count-start, rowsBefore, rowsAfter)
	// A participation counts once confirmed from the mailbox: none is yet.
	if count != start {
		t.Errorf("count %d, want %d: nothing counts before its confirmation", count, start)
	}
	if rowsAfter-rowsBefore != len(emails) {
		t.Errorf("%d participation rows added, want %d (one per email)", rowsAfter-rowsBefore, len(emails))
	}

	// 3. Both instances show the database's count.
	took, shown := instancesWaitForCount(client, insts, count, countWithin)
	if took < 0 {
		t.Errorf("after %v the pages show %v; the database counts %d", countWithin, shown, count)
	} else {
		t.Logf("both instances show %s people %v after the database was read", thousands(count), took.Round(time.Millisecond))
	}

	// 4. Every confirmation email in mailpit, once. Each acknowledged answer
	// queued one (a repeat by a supporter not yet confirmed asks again).
	phase = time.Now()
	wantMail := map[string]int{}
	wantTotal := 0
	for _, e := range emails {
		for _, a := range byEmail[e] {
			if a.kind != "" {
				wantMail[e]++
				wantTotal++
			}
		}
	}
	var ours []testutil.MailpitSummary
	deadline := time.Now().Add(mailWithin)
	for {
		ours = ours[:0]
		for _, m := range mp.Messages(t) {
			if len(m.To) == 1 && names[strings.ToLower(m.To[0].Address)] != "" {
				ours = append(ours, m)
			}
		}
		oc, err := db.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Settled: nothing left to send, so nothing more will arrive.
		if len(ours) >= wantTotal && oc[model.MessageQueued] == 0 && oc[model.MessageSending] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after %v mailpit holds %d of the %d confirmations; outbox %v", mailWithin, len(ours), wantTotal, oc)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	gotMail := map[string]int{}
	seenID := map[string]int{}
	var dupIDs, badSubjects []string
	for _, m := range ours {
		gotMail[strings.ToLower(m.To[0].Address)]++
		if seenID[m.MessageID]++; seenID[m.MessageID] == 2 {
			dupIDs = append(dupIDs, m.MessageID)
		}
		if !strings.HasPrefix(m.Subject, "Please confirm") {
			badSubjects = append(badSubjects, m.Subject)
		}
	}
	if len(dupIDs) > 0 {
		t.Errorf("%d Message-IDs delivered more than once, e.g. %q", len(dupIDs), first(dupIDs, 5))
	}
	if len(badSubjects) > 0 {
		t.Errorf("%d emails are not confirmations, e.g. %q", len(badSubjects), first(badSubjects, 5))
	}
	wrong := 0
	for _, e := range emails {
		if gotMail[e] != wantMail[e] {
			wrong++
			if wrong <= 10 {
				t.Errorf("%s: %d emails in mailpit, want %d (one per acknowledged answer)", e, gotMail[e], wantMail[e])
			}
		}
	}
	outboxAfter, err := db.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sent := outboxAfter[model.MessageSent] - outboxBefore[model.MessageSent]
	if len(ours) != wantTotal || sent != wantTotal || outboxAfter[model.MessageFailed] != outboxBefore[model.MessageFailed] {
		t.Errorf("%d confirmations in mailpit, %d marked sent, failed %d -> %d; want %d (one per acknowledged answer)",
			len(ours), sent, outboxBefore[model.MessageFailed], outboxAfter[model.MessageFailed], wantTotal)
	}
	t.Logf("mail settled in %v: %d confirmations in mailpit for %d acknowledged answers, %d distinct Message-IDs; outbox %v",
		time.Since(phase).Round(time.Millisecond), len(ours), wantTotal, len(seenID), outboxAfter)

	// 5. An update published on the shared database, announced as the
	// admin will do through instance A's store, shows on both at once.
	casePath := "/cases/" + demo.CaseSlug
	var delays []time.Duration
	for round := 1; round <= 3; round++ {
		title := fmt.Sprintf("Instances test update %d, %d", round, time.Now().UnixNano())
		for _, in := range insts {
			for range 2 { // rendered, then served from the cache
				page, status, err := instancesFetch(client, in, casePath)
				if err != nil || status != http.StatusOK {
					t.Fatalf("%s GET %s: %d %v", in.name, casePath, status, err)
				}
				if strings.Contains(page, title) {
					t.Fatalf("%s shows %q before it is published", in.name, title)
				}
			}
		}
		u := &model.Update{Title: title, Body: "Published by the instances test.", Published: time.Now()}
		if err := db.PublishUpdate(ctx, demo.CaseSlug, u); err != nil {
			t.Fatal(err)
		}
		published := time.Now()
		if err := db.Announce(ctx, store.ContentChanged); err != nil {
			t.Fatal(err)
		}
		seen := make([]time.Duration, len(insts))
		var pollers sync.WaitGroup
		for i, in := range insts {
			pollers.Go(func() {
				seen[i] = -1
				for time.Since(published) < 3*updateWithin {
					page, status, err := instancesFetch(client, in, casePath)
					if err == nil && status == http.StatusOK && strings.Contains(page, title) {
						seen[i] = time.Since(published)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			})
		}
		pollers.Wait()
		for i, in := range insts {
			switch {
			case seen[i] < 0:
				t.Errorf("round %d: update %q not on %s %v after it was published", round, title, in.name, 3*updateWithin)
			case seen[i] > updateWithin:
				t.Errorf("round %d: update on %s after %v, want within %v", round, in.name, seen[i].Round(time.Millisecond), updateWithin)
			default:
				delays = append(delays, seen[i])
			}
		}
		t.Logf("round %d: update visible on A after %v, on B after %v (polled every 50 ms)", round,
			seen[0].Round(time.Millisecond), seen[1].Round(time.Millisecond))
	}
	if len(delays) > 0 {
		slowest := delays[0]
		for _, d := range delays {
			slowest = max(slowest, d)
		}
		t.Logf("update propagation: slowest %v of %d observations", slowest.Round(time.Millisecond), len(delays))
	}

	// 6. The last signature of a quick series on A reaches B. Counts are
	// announced at most 4 times a second; one falling in the quiet
	// quarter-second after an announcement must still be heard.
	instancesLastOfSeries(t, client, db, insts)

	// 7. Both stop in order; neither logged an error.
	for _, in := range insts {
		in.proc.stop(t)
	}
	for _, in := range insts {
		in.proc.mu.Lock()
		var errs []string
		for _, line := range in.proc.log {
			if strings.Contains(line, `"level":"ERROR"`) {
				errs = append(errs, line)
			}
		}
		in.proc.mu.Unlock()
		if len(errs) > 0 {
			t.Errorf("%s logged %d errors, e.g.:\n%s", in.name, len(errs), strings.Join(first(errs, 5), "\n"))
		}
	}
	t.Logf("whole test %v", time.Since(began).Round(time.Millisecond))
}

// instancesLastOfSeries signs twice on A in quick succession, B having
// re-rendered its page in between, and expects both pages to show both.
func instancesLastOfSeries(t *testing.T, client *http.Client, db *postgres.DB, insts []instance) {
	t.Helper()
	ctx := context.Background()
	a, b := insts[0], insts[1]
	for attempt := 1; attempt <= 3; attempt++ {
		action, err := db.ActionBySlug(ctx, durabilitySlug)
		if err != nil {
			t.Fatal(err)
		}
		base := action.Count
		// Both pages show base and are over a second old: the next count
		// announcement makes them render again.
		if took, shown := instancesWaitForCount(client, insts, base, 3*time.Second); took < 0 {
			t.Fatalf("before the series the pages show %v; the database counts %d", shown, base)
		}
		time.Sleep(1100 * time.Millisecond)

		one := instancesSignConfirmed(t, client, db, a, fmt.Sprintf("series-%d-1@example.org", attempt), "Series one")
		ackedFirst := time.Now()
		if one.kind != "thanks" {
			t.Fatalf("first of the series: %s", one)
		}
		// B hears the announcement of the first and shows base+1.
		heard := false
		for time.Since(ackedFirst) < 2*time.Second {
			if n, err := instancesShownCount(client, b); err == nil && n == base+1 {
				heard = true
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !heard {
			t.Errorf("B does not show %d 2 s after a signature on A", base+1)
			return
		}
		heardAfter := time.Since(ackedFirst)
		if heardAfter > 150*time.Millisecond {
			// The second would fall outside the quiet quarter-second.
			t.Logf("attempt %d: B showed the first after %v, too late for the check; again", attempt, heardAfter.Round(time.Millisecond))
			continue
		}
		two := instancesSignConfirmed(t, client, db, a, fmt.Sprintf("series-%d-2@example.org", attempt), "Series two")
		gap := time.Since(ackedFirst)
		if two.kind != "thanks" {
			t.Fatalf("second of the series: %s", two)
		}
		took, shown := instancesWaitForCount(client, insts, base+2, 3*time.Second)
		if took < 0 {
			t.Errorf("a second signature on A %v after the first (B showed the first after %v): after 3 s the pages show %v, want %d on both; "+
				"B's page stays stale until another change or its one-minute age",
				gap.Round(time.Millisecond), heardAfter.Round(time.Millisecond), shown, base+2)
		} else {
			t.Logf("a second signature on A %v after the first: both show it after %v", gap.Round(time.Millisecond), took.Round(time.Millisecond))
		}
		return
	}
	t.Log("B never showed the first signature of a series fast enough to check the second; not checked")
}

type instance struct {
	name string
	proc *vigilProc
}

type instancesAnswer struct {
	inst, email string
	kind        string // "thanks": acknowledged; "" anything else
	status      int
	location    string
	err         error
	body        string
}

func (a instancesAnswer) String() string {
	if a.err != nil {
		return fmt.Sprintf("%s %s: %v", a.inst, a.email, a.err)
	}
	return fmt.Sprintf("%s %s: %d Location %q %.200s", a.inst, a.email, a.status, a.location, a.body)
}

// instancesSign signs the petition on one instance.
func instancesSign(client *http.Client, in instance, email, name string) instancesAnswer {
	a := instancesAnswer{inst: in.name, email: email}
	form := url.Values{"name": {name}, "email": {email}, "country": {"VE"}, "lang": {"en"}}
	resp, err := client.PostForm("http://"+in.proc.addr+durabilityPath, form)
	if err != nil {
		a.err = err
		return a
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.status, a.location = resp.StatusCode, resp.Header.Get("Location")
	switch {
	case a.status == http.StatusSeeOther && a.location == durabilityThank:
		a.kind = "thanks"
	default:
		a.body = pageText(string(body))
	}
	return a
}

// instancesSignConfirmed signs on one instance and presses the Confirm
// button of the link the email carries (made here with the same keys), as
// the supporter would: the count moves then.
func instancesSignConfirmed(t *testing.T, client *http.Client, db *postgres.DB, in instance, email, name string) instancesAnswer {
	t.Helper()
	a := instancesSign(client, in, email, name)
	if a.kind != "thanks" {
		return a
	}
	ctx := context.Background()
	sup, err := db.SupporterByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := db.ParticipationsOf(ctx, sup.ID)
	if err != nil || len(parts) != 1 {
		t.Fatalf("participations of %s: %v, %v", email, parts, err)
	}
	token := db.Keys().Token(notify.PurposeConfirm, parts[0].ID, time.Now().Add(time.Hour))
	resp, err := client.PostForm("http://"+in.proc.addr+"/en/confirm/"+token, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm %s: %d", email, resp.StatusCode)
	}
	return a
}

// instancesFetch GETs a page of one instance.
func instancesFetch(client *http.Client, in instance, path string) (string, int, error) {
	resp, err := client.Get("http://" + in.proc.addr + path)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode, err
}

var instancesCountRe = regexp.MustCompile(`(\d[\d,]*) people have acted`)

// instancesShownCount is the count the petition page of one instance shows.
func instancesShownCount(client *http.Client, in instance) (int, error) {
	page, status, err := instancesFetch(client, in, durabilityPath)
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d", durabilityPath, status)
	}
	m := instancesCountRe.FindStringSubmatch(pageText(page))
	if m == nil {
		return 0, errors.New("no count on the page")
	}
	return strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
}

// instancesWaitForCount polls every instance's page every 50 ms until all
// show want. It returns how long that took, or -1 and what they last showed.
func instancesWaitForCount(client *http.Client, insts []instance, want int, within time.Duration) (time.Duration, map[string]string) {
	began := time.Now()
	shown := map[string]string{}
	for {
		all := true
		for _, in := range insts {
			n, err := instancesShownCount(client, in)
			if err != nil {
				shown[in.name] = err.Error()
			} else {
				shown[in.name] = strconv.Itoa(n)
			}
			all = all && err == nil && n == want
		}
		if all {
			return time.Since(began), shown
		}
		if time.Since(began) > within {
			return -1, shown
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// instancesOpenDB opens the shared database as the instances do, with their
// key file; it is closed when the test ends.
func instancesOpenDB(t *testing.T, pgURL, keyPath string) *postgres.DB {
	t.Helper()
	if _, err := os.Stat(keyPath); err != nil {
		t.Fatalf("key file: %v", err) // LoadOrCreate must not make a new one
	}
	keys, created, err := secret.LoadOrCreate(keyPath)
	if err != nil || created {
		t.Fatalf("keys: %v (created %v)", err, created)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, pgURL, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func instancesRows(t *testing.T, raw *sql.DB, actionID int64) int {
	t.Helper()
	var n int
	if err := raw.QueryRowContext(context.Background(), `SELECT count(*) FROM participations WHERE action_id = $1`, actionID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
