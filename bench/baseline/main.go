// Command baseline is the yardstick bench/run measures Vigil against: the
// least a Go program must do for the same work, with nothing of Vigil's own
// in the way.
//
//	baseline static FILE [GZFILE] -addr 127.0.0.1:PORT
//	    serve FILE's bytes from memory for any GET (GZFILE's, with
//	    Content-Encoding: gzip, to clients that accept gzip)
//	baseline form -addr 127.0.0.1:PORT
//	    parse a POSTed form, check the fields a signature needs, answer 303
//	    to the thank-you page; store nothing (the HTTP ceiling)
//	baseline sqlite DBPATH N CONCURRENCY [-pool P]
//	    insert N signatures into a fresh database with Vigil's schema, one
//	    transaction each, with Vigil's DSN (WAL, synchronous=FULL), from
//	    CONCURRENCY goroutines over P connections (default 1: writers queue
//	    in Go; with more, SQLite's busy handler lets some starve past
//	    busy_timeout); print "rows_per_s=…" (the ceiling of one
//	    transaction per signature)
//	baseline ports N
//	    print N free loopback TCP ports, one a line
//
// Servers run until SIGTERM or SIGINT.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/secret"
	"vigil/internal/store/sqlite"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "static":
		err = static(os.Args[2:])
	case "form":
		err = form(os.Args[2:])
	case "sqlite":
		err = insert(os.Args[2:])
	case "ports":
		err = ports(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "baseline %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  baseline static FILE [GZFILE] -addr HOST:PORT
  baseline form -addr HOST:PORT
  baseline sqlite DBPATH N CONCURRENCY [-pool P]
  baseline ports N
`)
	os.Exit(2)
}

// parse reads flags that may come before or after the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// serve runs h on addr until SIGTERM or SIGINT.
func serve(addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

func static(args []string) error {
	fs := flag.NewFlagSet("static", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return errors.New("want FILE [GZFILE]")
	}
	plain, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	var gz []byte
	if len(pos) == 2 {
		if gz, err = os.ReadFile(pos[1]); err != nil {
			return err
		}
	}
	plainLen, gzLen := strconv.Itoa(len(plain)), strconv.Itoa(len(gz))
	return serve(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Vary", "Accept-Encoding")
		body, n := plain, plainLen
		if gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			body, n = gz, gzLen
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", n)
		_, _ = w.Write(body)
	}))
}

func form(args []string) error {
	fs := flag.NewFlagSet("form", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8082", "listen address")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /actions/{slug}", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		for _, f := range []string{"name", "email", "country", "lang"} {
			if strings.TrimSpace(r.PostForm.Get(f)) == "" {
				http.Error(w, "missing "+f, http.StatusUnprocessableEntity)
				return
			}
		}
		http.Redirect(w, r, "/actions/"+r.PathValue("slug")+"/thanks?check=1", http.StatusSeeOther)
	})
	return serve(*addr, mux)
}

func ports(args []string) error {
	n := 1
	if len(args) > 0 {
		var err error
		if n, err = strconv.Atoi(args[0]); err != nil || n < 1 {
			return errors.New("want N, a whole number from 1")
		}
	}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		lns = append(lns, ln)
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

// insert writes what one petition signature writes in Vigil, in one
// transaction per signature: a supporter (blind index and sealed email,
// name and postal code), the participation, its two consents, the action's
// count, and the confirmation email in the outbox. Sizes match Vigil's;
// the sealed values are random bytes (no encryption is done here).
func insert(args []string) error {
	fs := flag.NewFlagSet("sqlite", flag.ContinueOnError)
	pool := fs.Int("pool", 1, "open connections: 1 serialises writers in Go; more (Vigil uses 8) leaves them to SQLite's busy handler, which starves some past busy_timeout under load")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 {
		return errors.New("want DBPATH N CONCURRENCY")
	}
	path := pos[0]
	n, err1 := strconv.Atoi(pos[1])
	conc, err2 := strconv.Atoi(pos[2])
	if err1 != nil || err2 != nil || n < 1 || conc < 1 {
		return errors.New("want N and CONCURRENCY, whole numbers from 1")
	}
	ctx := context.Background()

	// Vigil's own schema, through its migrations.
	keyData, err := secret.Generate()
	if err != nil {
		return err
	}
	keys, err := secret.Parse(keyData)
	if err != nil {
		return err
	}
	vdb, err := sqlite.Open(path, keys)
	if err != nil {
		return err
	}
	if err := vdb.Migrate(ctx); err != nil {
		vdb.Close()
		return err
	}
	vdb.Close()

	db, err := sql.Open("sqlite", sqlite.DSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(*pool)
	db.SetMaxIdleConns(*pool)
	var actionID int64
	if err := db.QueryRowContext(ctx, `INSERT INTO actions (slug, lang, kind, title, published_at)
		VALUES ('bench', 'en', 'petition', 'Bench', '2026-01-01T00:00:00.000Z') RETURNING id`).Scan(&actionID); err != nil {
		return fmt.Errorf("action: %w", err)
	}

	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if err := sign(ctx, db, actionID); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	var rows int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM participations`).Scan(&rows); err != nil {
		return err
	}
	if rows != n {
		return fmt.Errorf("%d participations stored, want %d", rows, n)
	}
	fmt.Printf("rows=%d concurrency=%d pool=%d seconds=%.3f rows_per_s=%.0f\n",
		n, conc, *pool, took.Seconds(), float64(n)/took.Seconds())
	return nil
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func sign(ctx context.Context, db *sql.DB, actionID int64) error {
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var supporterID, partID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO supporters (email_index, email_sealed, name_sealed, postal_sealed,
			country, lang, created_at, updated_at) VALUES (?, ?, ?, ?, 'VE', 'en', ?, ?) RETURNING id`,
		random(32), random(55), random(44), random(45), now, now).Scan(&supporterID); err != nil {
		return fmt.Errorf("supporter: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO participations (supporter_id, action_id, created_at, referrer,
			share_code, ip_hash, agent_class, fill_ms) VALUES (?, ?, ?, '', '', ?, 'other', 0) RETURNING id`,
		supporterID, actionID, now, random(16)).Scan(&partID); err != nil {
		return fmt.Errorf("participation: %w", err)
	}
	for _, key := range []string{"updates", "newsletter"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO consents (supporter_id, participation_id, key, text, given, source, at)
			VALUES (?, ?, ?, 'Email me about this action and what happens next.', 0, '/actions/bench', ?)`,
			supporterID, partID, key, now); err != nil {
			return fmt.Errorf("consent: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE actions SET count = count + 1 WHERE id = ?`, actionID); err != nil {
		return fmt.Errorf("count: %w", err)
	}
	// The confirmation, as an intent: composed when sent.
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (message_id, kind, state, sealed, supporter_id, participation_id,
			next_attempt_at, created_at, lang) VALUES (?, 'confirm', 'held', x'', ?, ?, ?, ?, 'en')`,
		delivery.NewMessageID("127.0.0.1"), supporterID, partID, now, now); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
