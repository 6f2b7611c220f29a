package main

import (
	"bufio"
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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store/sqlite"
)

// The petition the demo content opens, and where a first signature lands.
const (
	durabilitySlug  = "no-mass-deportations"
	durabilityPath  = "/actions/" + durabilitySlug
	durabilityThank = durabilityPath + "/thanks"
)

// TestDurabilityUnderSIGKILL signs a petition from many concurrent clients,
// kills `vigil serve` with SIGKILL mid-load, restarts it on the same
// database, and checks that every signature answered with a thank-you is
// stored and counted, and that the public counter is exactly the start plus
// what was stored (answers lost in the kill included).
func TestDurabilityUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads it for seconds")
	}
	const (
		clients     = 32
		minLoad     = 1500 * time.Millisecond // load before the kill...
		minAcked    = 200                     // ...and acknowledged signatures before the kill
		maxLoad     = 10 * time.Second        // the kill comes by then at the latest
		reqTimeout  = 5 * time.Second
		startupWait = 30 * time.Second
	)
	began := time.Now()
	dir := t.TempDir()
	bin := filepath.Join(dir, "vigil")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built in %v", time.Since(began).Round(time.Millisecond))

	dbPath := filepath.Join(dir, "data", "vigil.db")
	keyPath := filepath.Join(dir, "vigil.key")
	common := []string{"--db", dbPath, "--key-file", keyPath, "--addr", "127.0.0.1:0", "--log-format", "json", "--form-rate", "0"}

	// 1. The demo content, on a fresh database; then a clean stop.
	phase := time.Now()
	demoProc := startVigil(t, bin, startupWait, append([]string{"demo"}, common...)...)
	demoProc.stop(t)
	before := inspectDB(t, dbPath, keyPath)
	start := before.action.Count
	t.Logf("demo loaded and stopped in %v; %q starts at %d (%d participation rows)",
		time.Since(phase).Round(time.Millisecond), durabilitySlug, start, before.rows)

	// 2. Load, then SIGKILL.
	phase = time.Now()
	srv := startVigil(t, bin, startupWait, append([]string{"serve"}, common...)...)
	target := "http://" + srv.addr + durabilityPath

	var (
		mu        sync.Mutex
		attempted = map[string]string{} // email -> name, every request sent
		acked     = map[string]bool{}   // emails answered with a thank-you
		odd       []string              // answers that are neither a thank-you nor a connection error
		nAcked    atomic.Int64
		nErrors   atomic.Int64
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	transport := &http.Transport{
		Proxy:               nil, // 127.0.0.1 only, whatever the environment says
		MaxIdleConns:        clients,
		MaxIdleConnsPerHost: clients,
		DisableCompression:  true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport:     transport,
		Timeout:       reqTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	loadStart := time.Now()
	for c := range clients {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if time.Since(loadStart) > maxLoad {
					return
				}
				email := fmt.Sprintf("c%d-%d@example.org", c, n)
				name := fmt.Sprintf("Client %d number %d", c, n)
				mu.Lock()
				attempted[email] = name
				mu.Unlock()
				form := url.Values{"name": {name}, "email": {email}, "country": {"VE"}, "lang": {"en"},
					"postal_code": {strconv.Itoa(1000 + n%9000)}}
				resp, err := client.PostForm(target, form)
				if err != nil {
					// The kill: refused, reset or cut off. Not acknowledged.
					nErrors.Add(1)
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
					}
					continue
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
				if resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == durabilityThank {
					mu.Lock()
					acked[email] = true
					mu.Unlock()
					nAcked.Add(1)
					continue
				}
				mu.Lock()
				odd = append(odd, fmt.Sprintf("%s: %d Location %q: %.300s", email, resp.StatusCode,
					resp.Header.Get("Location"), pageText(string(body))))
				mu.Unlock()
			}
		})
	}
	stopClients := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopClients()

	for {
		elapsed := time.Since(loadStart)
		if elapsed >= minLoad && nAcked.Load() >= minAcked {
			break
		}
		if elapsed >= maxLoad-time.Second {
			t.Logf("only %d signatures acknowledged after %v: killing anyway", nAcked.Load(), elapsed.Round(time.Millisecond))
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	ackedAtKill := nAcked.Load()
	killedAfter := time.Since(loadStart)
	srv.kill(t)
	stopClients()
	mu.Lock()
	nAttempted, nAck, oddAnswers := len(attempted), len(acked), append([]string(nil), odd...)
	mu.Unlock()
	t.Logf("SIGKILL after %v of load: %d acknowledged at the kill, %d in all; %d sent; %d connection errors; %d other answers",
		killedAfter.Round(time.Millisecond), ackedAtKill, nAck, nAttempted, nErrors.Load(), len(oddAnswers))
	if nAck == 0 {
		t.Fatalf("no signature was acknowledged before the kill; other answers: %q", first(oddAnswers, 5))
	}
	if len(oddAnswers) > 0 {
		// Before the kill every valid, new signature should be thanked; a
		// 500 or 429 under load is a bug of its own.
		t.Errorf("%d answers were neither a thank-you (%s) nor a connection error, e.g.:\n%s",
			len(oddAnswers), durabilityThank, strings.Join(first(oddAnswers, 5), "\n"))
	}
	t.Logf("load and kill took %v", time.Since(phase).Round(time.Millisecond))

	// 3. Restart on the same database: a crashed WAL must recover.
	phase = time.Now()
	again := startVigil(t, bin, startupWait, append([]string{"serve"}, common...)...)
	if body, status := httpGet(t, "http://"+again.addr+"/healthz"); status != http.StatusOK {
		t.Fatalf("/healthz after restart: %d %s", status, body)
	}
	page, status := httpGet(t, "http://"+again.addr+durabilityPath)
	if status != http.StatusOK {
		t.Fatalf("%s after restart: %d %.500s", durabilityPath, status, pageText(page))
	}
	again.stop(t)
	t.Logf("restarted, checked and stopped in %v", time.Since(phase).Round(time.Millisecond))

	// 4. What the database holds.
	phase = time.Now()
	after := inspectDB(t, dbPath, keyPath)
	if !after.integrityOK {
		t.Errorf("integrity_check after the crash: %s", after.integrity)
	}
	ctx := context.Background()
	db := openDB(t, dbPath, keyPath)
	defer db.Close()
	var stored, lostAnswers, missing int
	for email, name := range attempted {
		norm, err := secret.NormaliseEmail(email)
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		sup, err := db.SupporterByEmail(ctx, norm)
		if errors.Is(err, model.ErrNotFound) {
			if acked[email] {
				missing++
				if missing <= 10 {
					t.Errorf("acknowledged signature of %s is not stored", email)
				}
			}
			continue
		}
		if err != nil {
			t.Fatalf("supporter %s: %v", email, err)
		}
		parts, err := db.ParticipationsOf(ctx, sup.ID)
		if err != nil {
			t.Fatalf("participations of %s: %v", email, err)
		}
		var inAction int
		for _, p := range parts {
			if p.ActionID == after.action.ID {
				inAction++
			}
		}
		if len(parts) != 1 || inAction != 1 {
			t.Errorf("%s: %d participations, %d in %q; want exactly one there", email, len(parts), inAction, durabilitySlug)
			continue
		}
		if sup.Email != norm || sup.Name != name || sup.Country != "VE" {
			t.Errorf("%s stored as %q %q %q", email, sup.Email, sup.Name, sup.Country)
		}
		stored++
		if !acked[email] {
			lostAnswers++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged signatures lost in the crash", missing, nAck)
	}
	count := after.action.Count
	t.Logf("acknowledged %d, stored %d (of %d sent), answers lost in the kill %d, not stored and not acknowledged %d; count %d -> %d (+%d); participation rows +%d",
		nAck, stored, nAttempted, lostAnswers, nAttempted-stored-missing, start, count, count-start, after.rows-before.rows)
	// A participation counts once confirmed from the mailbox: none is yet.
	if count != start {
		t.Errorf("count %d, want %d: nothing counts before its confirmation", count, start)
	}
	if after.rows-before.rows != stored {
		t.Errorf("%d participation rows added to %q, want %d (one per stored signature)", after.rows-before.rows, durabilitySlug, stored)
	}
	// The public page after the restart shows the stored count.
	want := thousands(count) + " people have acted"
	if text := pageText(page); !strings.Contains(text, want) {
		i := strings.Index(text, "people have acted")
		t.Errorf("page after restart lacks %q; it says %q", want, text[max(0, i-40):max(0, i)+len("people have acted")])
	}
	t.Logf("database checked in %v; whole test %v", time.Since(phase).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// vigilProc is a running vigil binary, its JSON log kept for failures.
type vigilProc struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{} // closed once the process has exited
	err  error         // cmd.Wait's answer, set before done closes

	mu  sync.Mutex
	log []string
}

// startVigil starts the binary and returns once it logs its address.
func startVigil(t *testing.T, bin string, wait time.Duration, args ...string) *vigilProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	// Only the flags configure it: drop any VIGIL_* from the environment.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VIGIL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &vigilProc{cmd: cmd, done: make(chan struct{})}
	addrc := make(chan string, 1)
	addrRe := regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log = append(p.log, line)
			p.mu.Unlock()
			if !found && strings.Contains(line, `"msg":"vigil listening"`) {
				if m := addrRe.FindStringSubmatch(line); m != nil {
					found = true
					addrc <- m[1]
				}
			}
		}
		io.Copy(io.Discard, stderr)
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("log of vigil %s:\n%s", args[0], p.tail(40))
		}
	})
	select {
	case p.addr = <-addrc:
		return p
	case <-p.done:
		t.Fatalf("vigil %s exited before listening: %v\n%s", args[0], p.err, p.tail(40))
	case <-time.After(wait):
		t.Fatalf("vigil %s did not listen within %v\n%s", args[0], wait, p.tail(40))
	}
	return nil
}

func (p *vigilProc) tail(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log[max(0, len(p.log)-n):], "\n")
}

// stop sends SIGTERM and expects an orderly exit.
func (p *vigilProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("vigil did not stop within 20 s of SIGTERM\n%s", p.tail(20))
	}
	if p.err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", p.err, p.tail(20))
	}
	if !strings.Contains(p.tail(5), `"msg":"stopped"`) {
		t.Errorf("no orderly shutdown in the log:\n%s", p.tail(20))
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *vigilProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("vigil still running 10 s after SIGKILL")
	}
	var exit *exec.ExitError
	if !errors.As(p.err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("vigil ended by %v, not by SIGKILL", p.err)
	}
}

// dbState is what the test reads from a stopped server's database.
type dbState struct {
	action      model.Action
	rows        int // participation rows of the action
	integrity   string
	integrityOK bool
}

// openDB opens a stopped server's database as vigil does; the caller closes it.
func openDB(t *testing.T, dbPath, keyPath string) *sqlite.DB {
	t.Helper()
	if _, err := os.Stat(keyPath); err != nil {
		t.Fatalf("key file: %v", err) // LoadOrCreate must not make a new one
	}
	keys, created, err := secret.LoadOrCreate(keyPath)
	if err != nil || created {
		t.Fatalf("keys: %v (created %v)", err, created)
	}
	db, err := sqlite.Open(dbPath, keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db
}

func inspectDB(t *testing.T, dbPath, keyPath string) dbState {
	t.Helper()
	ctx := context.Background()
	db := openDB(t, dbPath, keyPath)
	defer db.Close() // no handle stays open while a server runs
	var s dbState
	var err error
	if s.action, err = db.ActionBySlug(ctx, durabilitySlug); err != nil {
		t.Fatal(err)
	}
	// The row count and the integrity check need plain SQL.
	raw, err := sql.Open("sqlite", sqlite.DSN(dbPath))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM participations WHERE action_id = ?`, s.action.ID).Scan(&s.rows); err != nil {
		t.Fatal(err)
	}
	rows, err := raw.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	s.integrity = strings.Join(lines, "; ")
	s.integrityOK = s.integrity == "ok"
	return s
}

func httpGet(t *testing.T, u string) (string, int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body), resp.StatusCode
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// pageText is a page's text without tags, its white space collapsed.
func pageText(html string) string {
	return strings.Join(strings.Fields(tagRe.ReplaceAllString(html, " ")), " ")
}

// thousands formats n as the English pages do: 37,512.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
