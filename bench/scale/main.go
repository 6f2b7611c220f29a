// Command scale fills a Vigil SQLite database with the supporters and
// participations of a large organisation, for bench/scale/run to measure
// Vigil at that size:
//
//	go run ./bench/scale --db FILE --key-file FILE --supporters N --participations M
//
// It opens the database with Vigil's own store (migrations), installs the
// demo content, adds closed "archive" petitions when the participations do
// not fit on the demo's open petitions, and creates an admin staff account
// (its email and password are printed). Then it closes the store and
// inserts the bulk rows with plain database/sql, in one transaction per
// 10,000 participations, with their sealed fields bound to ids it hands out
// itself, as Vigil's group commit does.
//
// The rows are what Vigil writes, so that Vigil reads them: a supporter's
// email, name and postal code sealed under secret.AD("supporters", column,
// id), found by the blind index of the email; a participation with its
// sealed comment (some), keyed IP hash, agent class and fill time; one
// "updates" consent per participation on the export action. Supporters are
// s0000001@example.org and so on, by id: any id in the printed range is an
// address that exists.
//
// What a participation looks like over time: each action's participations
// are spread evenly between its publication and its close (or now), and all
// actions' participations are interleaved in time order, so ids follow
// time as in a real database. A person gets a supporter id when they first
// act. Confirmation follows Vigil's rules: a confirmed supporter's petition
// signature counts as confirmed at once; otherwise the participation is
// confirmed 1 minute to 12 hours later, and those made in the last day may
// not be confirmed yet. Nothing is old enough for `vigil serve`'s reminder
// (48 h) or purge (7 days) jobs to act on it when the server starts.
//
// Not generated: the confirmation emails in the outbox (sent long ago;
// nothing measured reads them), appeals (their letters and deliveries; the
// participations go on petitions only), erased or unsubscribed supporters.
//
// This is test data: the bulk insert runs with synchronous=OFF and a 1 GiB
// page cache; Vigil itself always writes with synchronous=FULL.
package main

import (
	"container/heap"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, as Vigil's store registers it

	"vigil/internal/config"
	"vigil/internal/demo"
	"vigil/internal/i18n"
	"vigil/internal/jobs"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/sqlite"
)

// timeLayout is how Vigil's SQLite store writes instants.
const timeLayout = "2006-01-02T15:04:05.000Z"

// recent is how far back participations may still be unconfirmed.
const recent = 24 * time.Hour

// options are the command line, and the shape of the data.
type options struct {
	db, keyFile                string
	supporters, participations int64
	export                     int64  // participations on the export action
	exportSlug                 string // the export action
	adminEmail, adminPassword  string
	perTransaction, sealers    int
	progressEvery              time.Duration
	cpuProfile                 string

	othersShare    float64 // the most of the supporters one other action holds
	commentPercent int     // participations with a comment
	consentGive    int     // percent of export participations giving the "updates" consent
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", "", "SQLite database file to create or fill (required)")
	flag.StringVar(&o.keyFile, "key-file", "", "Vigil key file; created when missing (required; give the same to vigil serve)")
	flag.Int64Var(&o.supporters, "supporters", 1_000_000, "supporters to add")
	flag.Int64Var(&o.participations, "participations", 5_000_000, "participations to add")
	flag.Int64Var(&o.export, "export", 1_000_000, "participations on the export action (at most --supporters and --participations)")
	flag.StringVar(&o.exportSlug, "export-slug", demo.DeportationsSlug, "the open petition that gets --export participations")
	flag.StringVar(&o.adminEmail, "admin-email", "bench-admin@example.org", "admin staff account to create")
	flag.StringVar(&o.adminPassword, "admin-password", "", "its password (default: a random one, printed)")
	flag.IntVar(&o.perTransaction, "per-transaction", 10_000, "participations per transaction")
	flag.IntVar(&o.sealers, "sealers", runtime.NumCPU(), "goroutines sealing rows while one writes")
	flag.DurationVar(&o.progressEvery, "progress", 5*time.Second, "progress report interval on standard error; 0: none")
	flag.StringVar(&o.cpuProfile, "cpu-profile", "", "write a CPU profile of the bulk insert to this file")
	flag.Parse()
	o.othersShare, o.commentPercent, o.consentGive = 0.6, 4, 85
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	switch {
	case o.db == "" || o.keyFile == "":
		return errors.New("--db and --key-file are required")
	case o.supporters < 0 || o.participations < 0 || o.export < 0:
		return errors.New("--supporters, --participations and --export must not be negative")
	case o.perTransaction < 1 || o.sealers < 1:
		return errors.New("--per-transaction and --sealers must be at least 1")
	case o.participations > 0 && o.supporters == 0:
		return errors.New("participations need supporters")
	}
	keys, _, err := secret.LoadOrCreate(o.keyFile)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	start := time.Now()
	now := start.UTC()
	password := o.adminPassword
	if password == "" {
		password = secret.RandomPassword()
	}
	plan, err := prepare(ctx, o, keys, now, password)
	if err != nil {
		return err
	}
	setup := time.Since(start)

	g, err := newGenerator(ctx, o, keys, now, plan)
	if err != nil {
		return err
	}
	defer g.db.Close()
	bulkStart := time.Now()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if err := g.generate(ctx); err != nil {
		return err
	}
	if err := g.finish(ctx); err != nil {
		return err
	}
	bulk := time.Since(bulkStart)
	g.db.Close()
	jobsPass, err := timeJobs(ctx, o.db, keys)
	if err != nil {
		return err
	}
	size := fileSize(o.db) + fileSize(o.db+"-wal")
	rows := g.supportersAdded + g.participationsAdded + g.consentsAdded

	out := []struct {
		k string
		v any
	}{
		{"admin_email", o.adminEmail},
		{"admin_password", password},
		{"export_action_id", g.export.actionID},
		{"export_action_slug", g.export.slug},
		{"export_participations", g.export.count},
		{"first_supporter_id", g.firstSupporter + 1},
		{"last_supporter_id", g.nextSupporter},
		{"supporter_email_format", "s%07d@example.org"},
		{"supporters", g.supportersAdded},
		{"participations", g.participationsAdded},
		{"consents", g.consentsAdded},
		{"actions", len(g.streams)},
		{"archive_actions_added", g.archiveAdded},
		{"setup_seconds", fmt.Sprintf("%.1f", setup.Seconds())},
		{"bulk_seconds", fmt.Sprintf("%.1f", bulk.Seconds())},
		{"seconds", fmt.Sprintf("%.1f", time.Since(start).Seconds())},
		{"rows_per_s", fmt.Sprintf("%.0f", float64(rows)/bulk.Seconds())},
		{"participations_per_s", fmt.Sprintf("%.0f", float64(g.participationsAdded)/bulk.Seconds())},
		{"db_bytes", size},
		{"jobs_pass_ms", fmt.Sprintf("%.1f", float64(jobsPass.Microseconds())/1000)},
	}
	for _, kv := range out {
		fmt.Printf("%s=%v\n", kv.k, kv.v)
	}
	return nil
}

// timeJobs runs one pass of the background jobs that vigil serve runs
// every minute (closing actions, reminders, purging the unconfirmed,
// queueing appeals) on the database, with serve's default settings,
// and returns how long it took: they write, so while they run no
// signature can be stored.
func timeJobs(ctx context.Context, path string, keys *secret.Keys) (time.Duration, error) {
	st, err := sqlite.Open(path, keys)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	cat, err := i18n.Load()
	if err != nil {
		return 0, err
	}
	// serve's defaults, as a server configured with nothing else runs them.
	cfg, _, err := config.Parse("serve", "", nil, func(string) string { return "" }, io.Discard,
		"reminder-after", "purge-after", "mail-retention")
	if err != nil {
		return 0, err
	}
	r := &jobs.Runner{
		Store: st, Log: slog.New(slog.NewTextHandler(os.Stderr, nil)), Now: time.Now,
		Composer:      &notify.Composer{Keys: keys, Cat: cat, BaseURL: "https://act.example.org", From: "act@example.org", Store: st},
		ReminderAfter: cfg.ReminderAfter, PurgeAfter: cfg.PurgeAfter, MailRetention: cfg.MailRetention,
	}
	start := time.Now()
	r.Once(ctx)
	return time.Since(start), nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// prepare does, through Vigil's own store, what Vigil does: migrate,
// install the demo, add the archive petitions and the admin account. The
// plan it returns names the actions that get the participations.
func prepare(ctx context.Context, o options, keys *secret.Keys, now time.Time, password string) (actionPlan, error) {
	var plan actionPlan
	st, err := sqlite.Open(o.db, keys)
	if err != nil {
		return plan, err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return plan, err
	}
	if _, err := demo.Install(ctx, st, now); err != nil {
		return plan, err
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return plan, err
	}
	actor := store.WithActor(ctx, model.Actor{Email: "bench/scale", At: now})
	u := model.StaffUser{Email: o.adminEmail, Role: model.RoleAdmin, PasswordHash: hash, Created: now}
	err = st.CreateStaffUser(actor, &u)
	if errors.Is(err, model.ErrConflict) {
		return plan, fmt.Errorf("a staff account %s exists already: give another --admin-email", o.adminEmail)
	}
	if err != nil {
		return plan, err
	}
	if plan, err = planActions(ctx, st, o, now); err != nil {
		return plan, err
	}
	for i := range plan.archive {
		if err := st.CreateAction(actor, &plan.archive[i]); err != nil {
			return plan, err
		}
	}
	return plan, st.Close()
}

// actionPlan says which actions the participations go to.
type actionPlan struct {
	export  model.Action
	others  []model.Action // open petitions other than the export action
	archive []model.Action // closed petitions to add
	counts  []int64        // participations per other action, others then archive
}

// planActions puts o.export participations on the export action and
// spreads the rest over the other open petitions and as many closed
// archive petitions as needed for no action to hold more than
// othersShare of the supporters (a supporter acts once per action).
func planActions(ctx context.Context, st store.Store, o options, now time.Time) (actionPlan, error) {
	var p actionPlan
	actions, err := st.PublishedActions(ctx)
	if err != nil {
		return p, err
	}
	found := false
	for _, a := range actions {
		switch {
		case a.Slug == o.exportSlug:
			p.export, found = a, true
		case a.Kind == model.ActionPetition && a.IsOpen(now):
			p.others = append(p.others, a)
		}
	}
	if !found || p.export.Kind != model.ActionPetition || !p.export.IsOpen(now) {
		return p, fmt.Errorf("--export-slug %q: no open petition with this slug", o.exportSlug)
	}
	sort.Slice(p.others, func(i, j int) bool { return p.others[i].ID < p.others[j].ID })
	exportCount := min(o.export, o.supporters, o.participations)
	rest := o.participations - exportCount
	if rest == 0 {
		p.others = nil
		return p, nil
	}
	perAction := max(int64(float64(o.supporters)*o.othersShare), 1)
	need := int((rest + perAction - 1) / perAction)
	if need > 1000 {
		return p, fmt.Errorf("%d participations over %d supporters need %d actions: add supporters", o.participations, o.supporters, need)
	}
	for i := len(p.others); i < need; i++ {
		n := i - len(p.others) + 1
		// Each ran 30 days; the newest closed 40 days ago, one every 60 days before.
		closed := now.AddDate(0, 0, -40-60*(n-1)).Truncate(time.Hour)
		p.archive = append(p.archive, model.Action{
			Slug:        fmt.Sprintf("scale-archive-%d-%d", now.Unix(), n),
			Lang:        "en",
			Kind:        model.ActionPetition,
			Title:       fmt.Sprintf("Archive petition %d (bench/scale)", n),
			Summary:     "A past petition, closed, added by bench/scale to hold participations.",
			Body:        "This petition ran for 30 days and is closed.",
			Deadline:    closed,
			Closed:      true,
			ClosingText: "This petition is closed. Thank you to everyone who signed.",
			Consents:    p.export.Consents,
			Published:   closed.AddDate(0, 0, -30),
		})
	}
	k := int64(len(p.others) + len(p.archive))
	for i := range k {
		c := rest / k
		if i < rest%k {
			c++
		}
		p.counts = append(p.counts, c)
	}
	return p, nil
}

// stream is one action's participations, spread evenly over its time
// window and given to a window of people.
type stream struct {
	actionID    int64
	slug        string
	count       int64
	from, to    int64 // unix ms
	firstPerson int64
	next        int64 // participations given so far
	open        bool
	closedAt    time.Time // archive actions: set as closed_at
	consent     *model.ConsentRequest
}

func (s *stream) at(k int64) int64 {
	return s.from + (s.to-s.from)*(2*k+1)/(2*s.count)
}

// streams orders the streams by the time of their next participation.
type streams []*stream

func (h streams) Len() int           { return len(h) }
func (h streams) Less(i, j int) bool { return h[i].at(h[i].next) < h[j].at(h[j].next) }
func (h streams) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *streams) Push(x any)        { *h = append(*h, x.(*stream)) }
func (h *streams) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}

type supporterRow struct {
	id, person         int64
	created, confirmed int64 // unix ms; 0: NULL
}

type participationRow struct {
	id, supporterID, actionID, person int64
	created, confirmed                int64
	comment, agent, referrer          string
	fillMillis                        int64
	consent                           *model.ConsentRequest
	consentGiven                      bool
}

// chunk is one transaction's rows: laid out in time order, turned into
// the values of each table's columns (sealed, hashed, formatted) by one of
// the sealers, and written in order by the writer.
type chunk struct {
	supporters     []supporterRow
	participations []participationRow
	values         [len(tables)][]any
	sealed         chan struct{}
}

// table is one bulk-inserted table: its columns, and a statement
// inserting rowsPerStatement rows at once.
type table struct {
	name, columns string
	cols          int
	many          *sql.Stmt
}

// rowsPerStatement is how many rows one INSERT carries: far fewer calls
// through database/sql than one row each.
const rowsPerStatement = 100

const (
	supportersTable = iota
	participationsTable
	consentsTable
)

var tables = [...]table{
	supportersTable: {name: "supporters", cols: 10,
		columns: "id, email_index, email_sealed, name_sealed, postal_sealed, country, lang, created_at, confirmed_at, updated_at"},
	participationsTable: {name: "participations", cols: 11,
		columns: "id, supporter_id, action_id, created_at, confirmed_at, comment_sealed, referrer, share_code, ip_hash, agent_class, fill_ms"},
	consentsTable: {name: "consents", cols: 7,
		columns: "supporter_id, participation_id, key, text, given, source, at"},
}

func (t *table) insert(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", t.cols), ", ") + ")"
	return "INSERT INTO " + t.name + " (" + t.columns + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

type generator struct {
	o    options
	keys *secret.Keys
	db   *sql.DB
	now  time.Time

	streams []*stream
	export  *stream

	// Ids: the last one before this run, the last one handed out.
	firstSupporter, nextSupporter         int64
	firstParticipation, nextParticipation int64

	supporterOf   []int64 // person -> supporter id; 0: not yet
	confirmedAt   []int64 // person -> earliest confirmation, unix ms; 0: none
	confirmedInDB []int64 // person -> confirmed_at written with the supporter row

	supportersAdded, participationsAdded, consentsAdded int64
	archiveAdded                                        int

	tables [len(tables)]table
}

// bulkDSN is Vigil's DSN with synchronous=OFF and a large page cache: the
// rows are test data, and a crash only means generating them again.
func bulkDSN(path string) (string, error) {
	dsn := sqlite.DSN(path)
	base, query, ok := strings.Cut(dsn, "?")
	if !ok {
		return "", fmt.Errorf("unexpected DSN %q", dsn)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", err
	}
	var pragmas []string
	for _, p := range q["_pragma"] {
		if strings.HasPrefix(p, "synchronous(") {
			p = "synchronous(OFF)"
		}
		pragmas = append(pragmas, p)
	}
	q["_pragma"] = append(pragmas, "cache_size(-1048576)", "temp_store(MEMORY)")
	return base + "?" + q.Encode(), nil
}

func newGenerator(ctx context.Context, o options, keys *secret.Keys, now time.Time, p actionPlan) (*generator, error) {
	dsn, err := bulkDSN(o.db)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	g := &generator{o: o, keys: keys, db: db, now: now}
	if err := g.plan(ctx, p); err != nil {
		db.Close()
		return nil, err
	}
	return g, nil
}

// plan lays out one stream per action of the plan, and reads where the
// ids of supporters and participations stand.
func (g *generator) plan(ctx context.Context, p actionPlan) error {
	g.archiveAdded = len(p.archive)
	nowMs := g.now.UnixMilli() - 60_000 // everything a minute old at least
	exportCount := min(g.o.export, g.o.supporters, g.o.participations)
	var consent *model.ConsentRequest
	for i := range p.export.Consents {
		if p.export.Consents[i].Key == "updates" {
			consent = &p.export.Consents[i]
		}
	}
	if consent == nil {
		return fmt.Errorf("action %s asks no \"updates\" consent", p.export.Slug)
	}
	if exportCount > 0 {
		g.export = &stream{actionID: p.export.ID, slug: p.export.Slug, count: exportCount, from: p.export.Published.UnixMilli(),
			to: nowMs, open: true, consent: consent}
		g.streams = append(g.streams, g.export)
	} else {
		g.export = &stream{actionID: p.export.ID, slug: p.export.Slug}
	}
	all := append(append([]model.Action{}, p.others...), p.archive...)
	for i, a := range all {
		s := &stream{actionID: a.ID, slug: a.Slug, count: p.counts[i], from: a.Published.UnixMilli(), to: nowMs, open: a.IsOpen(g.now)}
		if !s.open {
			s.to = a.Deadline.UnixMilli()
			s.closedAt = a.Deadline
		}
		// Windows of people start at spread-out places.
		s.firstPerson = int64(mix(uint64(i+1)) % uint64(max(g.o.supporters, 1)))
		g.streams = append(g.streams, s)
	}
	for _, s := range g.streams {
		if s.to <= s.from {
			return fmt.Errorf("action %s: no time to act between %d and %d", s.slug, s.from, s.to)
		}
	}

	var seq sql.NullInt64
	if err := g.db.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'supporters'`).Scan(&seq); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	g.firstSupporter, g.nextSupporter = seq.Int64, seq.Int64
	seq = sql.NullInt64{}
	if err := g.db.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'participations'`).Scan(&seq); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	g.firstParticipation, g.nextParticipation = seq.Int64, seq.Int64
	g.supporterOf = make([]int64, g.o.supporters)
	g.confirmedAt = make([]int64, g.o.supporters)
	g.confirmedInDB = make([]int64, g.o.supporters)
	return nil
}

// mix is splitmix64: a cheap, well-spread hash for choosing details.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// generate runs the pipeline: this goroutine lays out the rows in time
// order, the sealers seal them, and the writer inserts each chunk in its
// own transaction, in order.
func (g *generator) generate(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := g.prepareStatements(ctx); err != nil {
		return err
	}
	defer func() {
		for _, t := range g.tables {
			t.many.Close()
		}
	}()

	work := make(chan *chunk, 2*g.o.sealers)
	ordered := make(chan *chunk, 2*g.o.sealers+2)
	var sealers sync.WaitGroup
	for range g.o.sealers {
		sealers.Go(func() {
			for c := range work {
				g.seal(c)
				close(c.sealed)
			}
		})
	}
	writeErr := make(chan error, 1)
	go func() {
		var err error
		start, last := time.Now(), time.Now()
		for c := range ordered {
			if err != nil {
				continue // drain
			}
			select {
			case <-c.sealed:
			case <-ctx.Done():
				err = ctx.Err()
				continue
			}
			if err = g.write(ctx, c); err != nil {
				cancel()
				continue
			}
			if g.o.progressEvery > 0 && time.Since(last) >= g.o.progressEvery {
				last = time.Now()
				secs := time.Since(start).Seconds()
				fmt.Fprintf(os.Stderr, "scale: %d of %d participations, %d supporters, %.0f s, %.0f participations/s\n",
					g.participationsAdded, g.o.participations, g.supportersAdded, secs, float64(g.participationsAdded)/secs)
			}
		}
		writeErr <- err
	}()

	genErr := g.layOut(ctx, func(c *chunk) bool {
		select {
		case ordered <- c:
		case <-ctx.Done():
			return false
		}
		select {
		case work <- c:
			return true
		case <-ctx.Done():
			close(c.sealed) // the writer may wait on it
			return false
		}
	})
	close(work)
	sealers.Wait()
	close(ordered)
	if err := <-writeErr; err != nil {
		return err
	}
	return genErr
}

// layOut merges the streams in time order into chunks, handing each to
// send; it stops when send returns false.
func (g *generator) layOut(ctx context.Context, send func(*chunk) bool) error {
	h := streams{}
	for _, s := range g.streams {
		if s.count > 0 {
			h = append(h, s)
		}
	}
	heap.Init(&h)
	recentFrom := g.now.Add(-recent).UnixMilli()
	nowMs := g.now.UnixMilli()
	c := g.newChunk()
	for h.Len() > 0 {
		s := h[0]
		t := s.at(s.next)
		person := (s.firstPerson + s.next) % g.o.supporters
		s.next++
		if s.next == s.count {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}

		g.nextParticipation++
		r := participationRow{id: g.nextParticipation, actionID: s.actionID, person: person, created: t}
		hp := mix(uint64(r.id) ^ 0x5bd1e995)
		// Confirmation, as Vigil does it: a confirmed supporter's
		// signature counts at once; otherwise the link in the email is
		// followed 1 minute to 12 hours later, or, lately, not yet.
		switch {
		case g.confirmedAt[person] != 0 && g.confirmedAt[person] <= t:
			r.confirmed = t
		case t >= recentFrom && hp%100 < 15:
		default:
			if at := t + 60_000 + int64(hp>>8%uint64(12*time.Hour/time.Millisecond)); at < nowMs {
				r.confirmed = at
			}
		}
		if r.confirmed != 0 && (g.confirmedAt[person] == 0 || r.confirmed < g.confirmedAt[person]) {
			g.confirmedAt[person] = r.confirmed
		}
		if g.supporterOf[person] == 0 {
			g.nextSupporter++
			g.supporterOf[person] = g.nextSupporter
			g.confirmedInDB[person] = r.confirmed
			c.supporters = append(c.supporters, supporterRow{id: g.nextSupporter, person: person, created: t, confirmed: r.confirmed})
		}
		r.supporterID = g.supporterOf[person]
		if int(hp>>40%100) < g.o.commentPercent {
			r.comment = comments[hp>>20%uint64(len(comments))]
		}
		switch a := hp >> 48 % 100; {
		case a < 60:
			r.agent = "mobile"
		case a < 97:
			r.agent = "desktop"
		default:
			r.agent = "other"
		}
		r.fillMillis = 15_000 + int64(hp>>32%90_000)
		r.referrer = "/actions/" + s.slug
		if s.consent != nil {
			r.consent = s.consent
			r.consentGiven = int(hp>>56%100) < g.o.consentGive
		}
		c.participations = append(c.participations, r)
		if len(c.participations) == g.o.perTransaction {
			if !send(c) {
				return ctx.Err()
			}
			c = g.newChunk()
		}
	}
	// People no action reached signed up for the newsletter only.
	for person := range g.o.supporters {
		if g.supporterOf[person] != 0 {
			continue
		}
		g.nextSupporter++
		g.supporterOf[person] = g.nextSupporter
		created := nowMs - 1000*int64(mix(uint64(person))%(365*86400))
		c.supporters = append(c.supporters, supporterRow{id: g.nextSupporter, person: person, created: created, confirmed: created + 600_000})
		if len(c.supporters) == g.o.perTransaction {
			if !send(c) {
				return ctx.Err()
			}
			c = g.newChunk()
		}
	}
	if len(c.participations)+len(c.supporters) > 0 && !send(c) {
		return ctx.Err()
	}
	return nil
}

func (g *generator) newChunk() *chunk {
	return &chunk{participations: make([]participationRow, 0, g.o.perTransaction), sealed: make(chan struct{})}
}

var (
	firstNames = []string{"María", "José", "Ana", "Luis", "Carmen", "Juan", "Lucía", "Carlos", "Sofía", "Miguel",
		"Emma", "James", "Olivia", "Noah", "Amara", "Kwame", "Grace", "Daniel", "Isabel", "Pedro", "Fatima", "Samuel",
		"Chloé", "Jonas", "Aisha", "Tomás", "Valentina", "Mateo", "Sarah", "David"}
	lastNames = []string{"González", "Rodríguez", "Pérez", "Martínez", "García", "López", "Hernández", "Smith",
		"Johnson", "Brown", "Okello", "Nakato", "Müller", "Dubois", "Silva", "Torres", "Ramírez", "Flores", "Díaz",
		"Wilson", "Taylor", "Mensah", "O'Brien", "Nguyen", "Castillo", "Rojas", "Moreno", "Vargas", "Kaur", "Cohen"}
	countries = []string{"VE", "VE", "VE", "US", "US", "ES", "MX", "CO", "CO", "AR", "CL", "PE", "GB", "CA", "UG", "DE", "FR"}
	spanish   = map[string]bool{"VE": true, "ES": true, "MX": true, "CO": true, "AR": true, "CL": true, "PE": true}
	comments  = []string{"Free them now.", "They are not criminals.", "Bring them home to their families.",
		"No one should be sent to a prison without a trial.", "Stand with them.", "Due process for everyone.",
		"My cousin is one of them. Please help.", "Shame on everyone who allowed this."}
)

// seal turns a chunk's rows into column values: blind indexes, sealed
// fields, IP hashes, formatted times. The writer only inserts them.
func (g *generator) seal(c *chunk) {
	k := g.keys
	v := &c.values
	v[supportersTable] = make([]any, 0, len(c.supporters)*tables[supportersTable].cols)
	for _, s := range c.supporters {
		h := mix(uint64(s.person))
		email := fmt.Sprintf("s%07d@example.org", s.id)
		name := firstNames[h%uint64(len(firstNames))] + " " + lastNames[h>>8%uint64(len(lastNames))]
		var postal any
		if h>>16%10 < 7 {
			postal = k.SealString(fmt.Sprintf("%05d", h>>24%100_000), secret.AD("supporters", "postal", s.id))
		}
		country := countries[h>>40%uint64(len(countries))]
		lang := "en"
		if spanish[country] {
			lang = "es"
		}
		v[supportersTable] = append(v[supportersTable], s.id, k.BlindIndex(email),
			k.SealString(email, secret.AD("supporters", "email", s.id)),
			k.SealString(name, secret.AD("supporters", "name", s.id)),
			postal, country, lang, instant(s.created), instant(s.confirmed), instant(max(s.created, s.confirmed)))
	}
	v[participationsTable] = make([]any, 0, len(c.participations)*tables[participationsTable].cols)
	var ip [4]byte
	for _, p := range c.participations {
		var comment any
		if p.comment != "" {
			comment = k.SealString(p.comment, secret.AD("participations", "comment", p.id))
		}
		binary.BigEndian.PutUint32(ip[:], uint32(mix(uint64(p.person))))
		ipHash := k.HashIP(fmt.Sprintf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3]))
		created := instant(p.created)
		v[participationsTable] = append(v[participationsTable], p.id, p.supporterID, p.actionID, created,
			instant(p.confirmed), comment, p.referrer, "", ipHash, p.agent, p.fillMillis)
		if p.consent != nil {
			given := 0
			if p.consentGiven {
				given = 1
			}
			v[consentsTable] = append(v[consentsTable], p.supporterID, p.id, p.consent.Key, p.consent.Text, given,
				p.referrer, created)
		}
	}
}

func (g *generator) prepareStatements(ctx context.Context) error {
	g.tables = tables
	for i := range g.tables {
		t := &g.tables[i]
		var err error
		if t.many, err = g.db.PrepareContext(ctx, t.insert(rowsPerStatement)); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return nil
}

func instant(ms int64) any {
	if ms == 0 {
		return nil
	}
	return time.UnixMilli(ms).UTC().Format(timeLayout)
}

// write inserts one chunk in one transaction: supporters first, then
// their participations, then the consents given with them.
func (g *generator) write(ctx context.Context, c *chunk) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i := range g.tables {
		t := &g.tables[i]
		values := c.values[i]
		many := tx.StmtContext(ctx, t.many)
		for len(values) >= rowsPerStatement*t.cols {
			if _, err := many.ExecContext(ctx, values[:rowsPerStatement*t.cols]...); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			values = values[rowsPerStatement*t.cols:]
		}
		if len(values) > 0 {
			if _, err := tx.ExecContext(ctx, t.insert(len(values)/t.cols), values...); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	g.supportersAdded += int64(len(c.supporters))
	g.participationsAdded += int64(len(c.participations))
	g.consentsAdded += int64(len(c.values[consentsTable]) / tables[consentsTable].cols)
	return nil
}

// finish writes what Vigil keeps alongside the rows: each action's count
// (Vigil counts as it goes, never COUNT(*)), archive actions' closing
// time, and the confirmation time of supporters who confirmed a later
// participation before their first; then it checkpoints the WAL.
func (g *generator) finish(ctx context.Context) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range g.streams {
		if _, err := tx.ExecContext(ctx, `UPDATE actions SET count = count + ? WHERE id = ?`, s.count, s.actionID); err != nil {
			return err
		}
		if !s.closedAt.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE actions SET closed_at = ? WHERE id = ?`,
				s.closedAt.UTC().Format(timeLayout), s.actionID); err != nil {
				return err
			}
		}
	}
	for person, at := range g.confirmedAt {
		if at != 0 && at != g.confirmedInDB[person] {
			if _, err := tx.ExecContext(ctx, `UPDATE supporters SET confirmed_at = ? WHERE id = ?`, instant(at),
				g.supporterOf[person]); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	var want = struct{ s, p int64 }{g.firstSupporter + g.o.supporters, g.firstParticipation + g.o.participations}
	var got struct{ s, p sql.NullInt64 }
	if err := g.db.QueryRowContext(ctx, `SELECT (SELECT MAX(id) FROM supporters), (SELECT MAX(id) FROM participations)`).
		Scan(&got.s, &got.p); err != nil {
		return err
	}
	if got.s.Int64 != want.s || got.p.Int64 != want.p {
		return fmt.Errorf("last ids %d, %d; want %d, %d", got.s.Int64, got.p.Int64, want.s, want.p)
	}
	if _, err := g.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return err
	}
	return nil
}
