// Package cli is Vigil's command line: it parses a command and its options,
// wires the parts together and runs them.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync"
	"time"

	"vigil/internal/admin"
	"vigil/internal/api"
	"vigil/internal/config"
	"vigil/internal/delivery"
	"vigil/internal/demo"
	"vigil/internal/httpx"
	"vigil/internal/i18n"
	"vigil/internal/jobs"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/postgres"
	"vigil/internal/store/sqlite"
	"vigil/internal/web"
)

// serveOptions are the options of the commands that serve the site.
var serveOptions = []string{"addr", "db", "base-url", "log-format", "log-level", "key-file", "smtp", "mail-from",
	"form-rate", "api-rate", "trusted-proxies", "blocked-email-domains", "reminder-after", "purge-after", "mail-retention", "retention",
	"pprof-addr", "metrics-token", "languages", "embed-origins", "stripe-secret-key", "stripe-webhook-secret", "stripe-api-url",
	"donate-url", "stale-after"}

type command struct {
	name, summary string
	options       []string // config options it reads; empty: all
	run           func(ctx context.Context, env *environment) error
}

var commands = []command{
	{"serve", "Serve the public site. When no --db is given, the demo content is loaded too.", serveOptions, serve},
	{"demo", "Load the demo content into the database if it is not there, then serve the site.", serveOptions, runDemo},
	{"migrate", "Apply pending database migrations and exit.", []string{"db", "key-file", "log-format", "log-level"}, migrate},
	{"backup", "Write a consistent copy of the SQLite database to the file named by the argument, while Vigil runs. The key file is not in it: back it up separately.", []string{"db", "key-file", "log-format", "log-level"}, backup},
	{"retention", "Erase the supporters inactive past --retention now, as the nightly job does; with --dry-run, only count them.",
		[]string{"retention", "dry-run", "db", "key-file", "log-format", "log-level"}, retention},
	{"copy", copySummary, []string{"from", "to", "key-file", "log-format", "log-level"}, copyInstallation},
	{"reseal", resealSummary, []string{"db", "key-file", "log-format", "log-level"}, reseal},
	{"user add", "Add a staff account. The password is read from standard input (one line), never from a flag.",
		[]string{"email", "role", "lang", "db", "key-file", "log-format", "log-level"}, addUser},
	{"user unlock", "Unlock a staff account locked after failed sign-ins, from every network.",
		[]string{"email", "db", "key-file", "log-format", "log-level"}, unlockUser},
	{"webhook add", "Add a webhook receiver: each event is posted to it, signed with the secret (X-Vigil-Signature).",
		[]string{"url", "secret", "events", "db", "key-file", "log-format", "log-level"}, addWebhook},
	{"api-key add", "Add a key to the OSDI API at /api/v1/. The key is printed once, on the last line: keep it.",
		[]string{"name", "scope", "db", "key-file", "log-format", "log-level"}, addAPIKey},
}

// environment is what a command runs with.
type environment struct {
	cfg    config.Config
	dbSet  bool // --db or VIGIL_DATABASE_URL was given
	log    *slog.Logger
	stdout io.Writer
	stdin  io.Reader
	// ready, when set, receives the address once the server listens.
	ready func(addr string)
	args  []string // what follows the flags
}

// Run runs the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return RunWithReady(ctx, args, stdout, stderr, getenv, nil)
}

// RunWithInput is Run with standard input given (vigil user add reads the
// password from it).
func RunWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return run(ctx, args, stdin, stdout, stderr, getenv, nil)
}

// RunWithReady is Run, calling ready with the listening address once the
// server accepts connections (tests use it with --addr 127.0.0.1:0).
func RunWithReady(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, ready func(string)) int {
	return run(ctx, args, os.Stdin, stdout, stderr, getenv, ready)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, ready func(string)) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	var cmd *command
	for i := range commands {
		name, sub, two := strings.Cut(commands[i].name, " ")
		if name == args[0] && (!two || len(args) > 1 && args[1] == sub) {
			cmd = &commands[i]
			if two {
				args = args[1:] // "user add --email …": the flags follow the second word
			}
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "vigil: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	cfg, rest, err := config.Parse(cmd.name, cmd.summary, args[1:], getenv, stderr, cmd.options...)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		msg := err.Error()
		if r := secretReplacer(cfg); r != nil {
			msg = r.Replace(msg)
		}
		fmt.Fprintf(stderr, "vigil %s: %s\n", cmd.name, msg)
		return 2
	}
	env := &environment{
		cfg:    cfg,
		dbSet:  getenv("VIGIL_DATABASE_URL") != "" || hasFlag(args[1:], "db"),
		log:    newLogger(cfg, stderr),
		stdout: stdout,
		stdin:  stdin,
		ready:  ready,
		args:   rest,
	}
	if err := cmd.run(ctx, env); err != nil {
		env.log.Error(cmd.name+" failed", "err", err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Vigil: urgent actions for people at risk.\n\nUsage: vigil <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'vigil <command> --help' for its flags.\n")
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// newLogger logs at the configured level and format. No line carries a
// password of the configuration, whatever a library puts in an error (see
// secretReplacer).
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	if r := secretReplacer(cfg); r != nil {
		h = redactingHandler{h, r}
	}
	return slog.New(h)
}

// database is a store Vigil can migrate: SQLite or PostgreSQL.
type database interface {
	store.Store
	Migrate(ctx context.Context) error
}

// openStore opens and migrates the database named by --db — an SQLite
// file, or PostgreSQL for a postgres:// URL — with the keys of --key-file.
func openStore(ctx context.Context, env *environment) (database, *secret.Keys, error) {
	if env.cfg.IsPostgres() && env.cfg.KeyFile == "" {
		// Each instance making its own keys would make each other's data
		// unreadable.
		return nil, nil, errors.New("--key-file is required with PostgreSQL: every instance must read the same key file")
	}
	keys, created, err := secret.LoadOrCreate(env.cfg.KeyPath())
	if err != nil {
		return nil, nil, fmt.Errorf("key file: %w", err)
	}
	if created {
		env.log.Warn("new secret key file created: back it up apart from the database; without it personal data cannot be read",
			"key_file", env.cfg.KeyPath())
	}
	var db database
	if env.cfg.IsPostgres() {
		db, err = postgres.Open(ctx, env.cfg.DB, keys)
	} else {
		db, err = sqlite.Open(env.cfg.DB, keys)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, keys, nil
}

func migrate(ctx context.Context, env *environment) error {
	db, _, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	env.log.Info("database up to date", "db", showDB(env.cfg.DB))
	return nil
}

// retention erases the supporters inactive past --retention, or with
// --dry-run counts them; it prints the count on its last line.
func retention(ctx context.Context, env *environment) error {
	if env.cfg.RetentionMonths == 0 {
		fmt.Fprintln(env.stdout, "--retention is 0: supporters are kept; nobody to erase")
		return nil
	}
	db, _, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	limit := model.RetentionLimit(now, env.cfg.RetentionMonths)
	if env.cfg.DryRun {
		n, err := db.CountInactive(ctx, limit)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "would erase %d supporters inactive since before %s (%d months); dry run, nothing erased\n",
			n, limit.UTC().Format("2006-01-02"), env.cfg.RetentionMonths)
		return nil
	}
	n, err := db.EraseInactive(ctx, limit, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "erased %d supporters inactive since before %s (%d months)\n",
		n, limit.UTC().Format("2006-01-02"), env.cfg.RetentionMonths)
	return nil
}

func backup(ctx context.Context, env *environment) error {
	if len(env.args) != 1 {
		return errors.New("backup: name the file to write, e.g. vigil backup --db data/vigil.db /backups/vigil-2026-11-26.db")
	}
	if env.cfg.IsPostgres() {
		return errors.New("backup: for PostgreSQL use pg_dump (see docs/operations.md)")
	}
	db, _, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.(*sqlite.DB).Backup(ctx, env.args[0]); err != nil {
		return err
	}
	env.log.Info("backup written", "to", env.args[0], "took", time.Since(start).Round(time.Millisecond),
		"key_file", env.cfg.KeyPath(), "note", "the key file is not in the backup; keep a copy of it elsewhere")
	return nil
}

// announcer tells the other instances on a shared PostgreSQL database of a
// change, without holding up the request that made it.
type announcer struct {
	db  database
	log *slog.Logger
}

// Announce tells the others in the background; a failure is only logged
// (their pages go stale until the next change is heard).
func (a announcer) Announce(c store.Change) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.db.Announce(ctx, c); err != nil {
			a.log.Warn("announcing a change to other instances", "change", c, "err", err)
		}
	}()
}

// newAnnouncer is the site's announcer: nil on SQLite, whose one file
// serves one process, so there is nobody to tell.
func newAnnouncer(env *environment, db database) web.Announcer {
	if !env.cfg.IsPostgres() {
		return nil
	}
	return announcer{db: db, log: env.log}
}

func serve(ctx context.Context, env *environment) error {
	return serveSite(ctx, env, !env.dbSet)
}

func runDemo(ctx context.Context, env *environment) error {
	return serveSite(ctx, env, true)
}

// withAdmin sends /admin/… to the staff side, /api/v1/… to the API,
// everything else to the public site.
func withAdmin(site, staff, osdi http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case admin.IsAdminPath(r.URL.Path):
			staff.ServeHTTP(w, r)
		case api.IsAPIPath(r.URL.Path):
			osdi.ServeHTTP(w, r)
		default:
			site.ServeHTTP(w, r)
		}
	})
}

// serveSite serves until ctx ends, then shuts down in order: stop
// accepting, let requests in flight finish, close the database.
func serveSite(ctx context.Context, env *environment, withDemo bool) error {
	db, keys, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if withDemo {
		start := time.Now()
		loaded, err := demo.Install(ctx, db, time.Now())
		if err != nil {
			return err
		}
		if loaded {
			env.log.Info("demo content loaded", "took", time.Since(start).Round(time.Millisecond))
		}
	}
	var blocked []string
	if env.cfg.BlockedDomains != "" {
		data, err := os.ReadFile(env.cfg.BlockedDomains)
		if err != nil {
			return fmt.Errorf("--blocked-email-domains: %w", err)
		}
		blocked = web.ParseDomainList(string(data))
	}

	// The outbox worker: without --smtp it holds every message.
	worker := &delivery.Worker{Store: db, Keys: keys, Log: env.log}
	if env.cfg.SMTP != "" {
		sender, err := delivery.NewSMTPSender(env.cfg.SMTP)
		if err != nil {
			return fmt.Errorf("--smtp: %w", err)
		}
		worker.Sender = sender
	} else {
		env.log.Warn("no --smtp: emails stay in the outbox, held, until an SMTP server is configured")
	}

	ln, err := net.Listen("tcp", env.cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close() // Serve closes it too; this covers a failure before Serve
	addr := ln.Addr().String()
	if env.cfg.BaseURL == "http://"+env.cfg.Addr {
		// Derived from --addr: use the port actually bound (for :0).
		env.cfg.BaseURL = "http://" + addr
	}
	from := env.cfg.MailFrom
	if from == "" {
		from = web.DefaultMailFrom(env.cfg.BaseURL)
	}
	// One composer writes every email: the site's, the jobs', the staff's,
	// and the intents the outbox worker sends.
	composer, err := notify.New(keys, env.cfg.BaseURL, from, db)
	if err != nil {
		return err
	}
	// The languages the site offers (--languages; every catalogue when
	// none is named), for emails as for pages.
	if composer.Cat, err = i18n.Load(env.cfg.Languages...); err != nil {
		return err
	}
	worker.Composer = composer
	// Who a request comes from, alike for the public site and the staff.
	clients := httpx.Clients{TrustedProxies: env.cfg.TrustedProxies}
	site, err := web.New(web.Options{
		Store: db, Keys: keys, BaseURL: env.cfg.BaseURL, Composer: composer, Logger: env.log,
		FormRate: env.cfg.FormRate, Clients: clients, BlockedDomains: blocked,
		Mailer: worker, Announcer: newAnnouncer(env, db), MetricsToken: env.cfg.MetricsToken,
		EmbedOrigins: env.cfg.EmbedOrigins,
		Donate: web.DonateOptions{SecretKey: env.cfg.StripeSecretKey, WebhookSecret: env.cfg.StripeWebhookSecret,
			APIURL: env.cfg.StripeAPIURL, FallbackURL: env.cfg.DonateURL},
		Retention: web.Retention{Months: env.cfg.RetentionMonths, Mail: env.cfg.MailRetention, Unconfirmed: env.cfg.PurgeAfter},
	})
	if err != nil {
		return err
	}
	hooks := api.NewHooks(api.HookOptions{Store: db, BaseURL: env.cfg.BaseURL, Logger: env.log})
	staff, err := admin.New(admin.Options{Store: db, Keys: keys, Site: site, Clients: clients, Signins: httpx.NewSigninGate(),
		Composer: composer, BaseURL: env.cfg.BaseURL, Logger: env.log, Mailer: worker, Hooks: hooks, StaleAfter: env.cfg.StaleAfter})
	if err != nil {
		return err
	}
	osdi, err := api.New(api.Options{Store: db, Keys: keys, BaseURL: env.cfg.BaseURL, Clients: clients, Logger: env.log,
		Emails: composer, Mailer: worker, Rate: env.cfg.APIRate})
	if err != nil {
		return err
	}
	if withDemo {
		if err := demoStaff(ctx, env, db); err != nil {
			return err
		}
	}
	runner := &jobs.Runner{
		Store: db, Composer: composer, Log: env.log, Now: time.Now,
		ReminderAfter: env.cfg.ReminderAfter, PurgeAfter: env.cfg.PurgeAfter, MailRetention: env.cfg.MailRetention,
		RetentionMonths: env.cfg.RetentionMonths, Mailer: worker, Pages: site,
	}
	workCtx, stopWork := context.WithCancel(context.Background())
	var work sync.WaitGroup
	work.Go(func() {
		if err := worker.Run(workCtx); err != nil {
			env.log.Error("outbox worker stopped", "err", err)
		}
	})
	work.Go(func() { runner.Run(workCtx) })
	work.Go(func() { hooks.Run(workCtx) })
	if env.cfg.IsPostgres() {
		// Hear the other instances' changes, for the page cache.
		work.Go(func() { db.Listen(workCtx, site.Heard) })
	}
	defer func() {
		stopWork()
		work.Wait()
	}()
	srv := &http.Server{
		Handler:           withAdmin(site, staff, osdi),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(env.log.Handler(), slog.LevelWarn),
	}
	if env.cfg.PprofAddr != "" {
		// Profiles for measuring hot paths; loopback only (checked in config).
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		profiler := &http.Server{Addr: env.cfg.PprofAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := profiler.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				env.log.Error("profiler", "err", err)
			}
		}()
		defer profiler.Close()
		env.log.Info("profiler listening", "addr", env.cfg.PprofAddr)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	env.log.Info("vigil listening", "addr", addr, "url", env.cfg.BaseURL, "db", showDB(env.cfg.DB))
	if env.ready != nil {
		env.ready(addr)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	env.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	env.log.Info("stopped")
	return nil
}
