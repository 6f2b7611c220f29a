package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"vigil/internal/delivery"
)

// MailpitServer is a real mailpit (SMTP server that keeps every message and
// shows it through a REST API) started for one test. Start it with Mailpit.
type MailpitServer struct {
	smtpPort int
	httpURL  string
}

// MailpitAddress is one address as mailpit reports it.
type MailpitAddress struct {
	Name    string
	Address string
}

// MailpitSummary is one message in mailpit's list.
type MailpitSummary struct {
	ID        string // mailpit's own id, for Message
	MessageID string // the Message-ID header without angle brackets
	From      MailpitAddress
	To        []MailpitAddress
	Cc        []MailpitAddress
	Bcc       []MailpitAddress // envelope recipients absent from To and Cc
	ReplyTo   []MailpitAddress
	Subject   string // decoded
	Username  string // the SMTP AUTH user name, "" without authentication
}

// MailpitMessage is one message with its body and raw headers.
type MailpitMessage struct {
	MailpitSummary
	Text string
	HTML string
	// Headers as sent, not decoded (a UTF-8 subject stays
	// "=?UTF-8?q?…?="), keyed in canonical form: "Message-Id",
	// "List-Unsubscribe-Post". Use Header to look one up by any spelling.
	Headers map[string][]string
}

// Header returns the first value of the named header, "" when absent.
func (m MailpitMessage) Header(name string) string {
	if v := m.Headers[textproto.CanonicalMIMEHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// MailpitVersion is the version scripts/test installs.
const MailpitVersion = "v1.33.1"

// servicesRequired: scripts/test sets VIGIL_TEST_REQUIRE_BROWSER=1 (the name
// predates other services) and a missing service must then fail the test.
func servicesRequired() bool {
	return os.Getenv("VIGIL_TEST_REQUIRE_BROWSER") == "1" || os.Getenv("VIGIL_TEST_REQUIRE_SERVICES") == "1"
}

// Mailpit starts a mailpit for the test on two free loopback ports, with its
// own database in a temporary folder, and stops it when the test ends.
// extraArgs are added to its command line (for example
// "--smtp-allowed-recipients", "@example\\.org$").
//
// When mailpit is missing the test is skipped, or fails when
// VIGIL_TEST_REQUIRE_BROWSER=1 or VIGIL_TEST_REQUIRE_SERVICES=1 (scripts/test
// sets the first, and installs mailpit).
func Mailpit(t testing.TB, extraArgs ...string) *MailpitServer {
	t.Helper()
	bin, err := goBinary("mailpit")
	if err != nil {
		msg := fmt.Sprintf("%v; run the tests with scripts/test, which installs it (go install github.com/axllent/mailpit@%s)", err, MailpitVersion)
		if servicesRequired() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	// Free ports are found by binding and releasing them; another process
	// may take one in between, so a failed start is tried again.
	var lastErr error
	for try := range 3 {
		ports, err := freePorts(2)
		if err != nil {
			t.Fatal(err)
		}
		m, err := startMailpit(t, bin, filepath.Join(dir, fmt.Sprintf("mailpit-%d.db", try)), ports[0], ports[1], extraArgs)
		if err == nil {
			return m
		}
		lastErr = err
	}
	t.Fatalf("starting mailpit %s: %v", bin, lastErr)
	return nil
}

func startMailpit(t testing.TB, bin, db string, smtpPort, httpPort int, extraArgs []string) (*MailpitServer, error) {
	smtpAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(smtpPort))
	httpAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort))
	args := append([]string{
		"--listen", httpAddr,
		"--smtp", smtpAddr,
		"--database", db,
		"--disable-version-check",
		"--smtp-disable-rdns",
		"--quiet",
	}, extraArgs...)
	m := &MailpitServer{smtpPort: smtpPort, httpURL: "http://" + httpAddr}
	if err := startService(t, "mailpit", bin, args, m.ready); err != nil {
		return nil, err
	}
	return m, nil
}

// ready: the API answers and the SMTP port accepts connections.
func (m *MailpitServer) ready() bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(m.httpURL + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(m.smtpPort)), time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// SMTPURL is the URL to send to: smtp://127.0.0.1:port (no TLS, no auth).
func (m *MailpitServer) SMTPURL() string {
	return "smtp://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(m.smtpPort))
}

// SMTPAddr is host:port of the SMTP server.
func (m *MailpitServer) SMTPAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(m.smtpPort))
}

// APIURL is the base URL of the web UI and REST API.
func (m *MailpitServer) APIURL() string { return m.httpURL }

// do makes one API request and returns the body of a 200 answer.
func (m *MailpitServer) do(t testing.TB, method, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, m.httpURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	return data
}

// get decodes the JSON answer of GET path into into.
func (m *MailpitServer) get(t testing.TB, path string, into any) {
	t.Helper()
	data := m.do(t, http.MethodGet, path)
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("mailpit GET %s: decoding %q: %v", path, data, err)
	}
}

// Messages lists every message mailpit holds, oldest first.
func (m *MailpitServer) Messages(t testing.TB) []MailpitSummary {
	t.Helper()
	// mailpit lists newest first, at most limit a page: a message arriving
	// while the pages are read shifts the later ones, so that one message
	// shows twice and another not at all. The listing is read again until
	// it is whole: every page saw the same total, and it holds that many
	// distinct messages.
	for {
		var out []MailpitSummary
		totals := map[int]bool{}
		for start := 0; ; {
			var page struct {
				Total    int
				Count    int
				Messages []MailpitSummary `json:"messages"`
			}
			m.get(t, "/api/v1/messages?"+url.Values{
				"start": {strconv.Itoa(start)}, "limit": {"500"},
			}.Encode(), &page)
			totals[page.Total] = true
			out = append(out, page.Messages...)
			start += len(page.Messages)
			if len(page.Messages) == 0 || start >= page.Total {
				break
			}
		}
		seen := map[string]bool{}
		for _, s := range out {
			seen[s.ID] = true
		}
		if len(totals) == 1 && totals[len(out)] && len(seen) == len(out) {
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
			return out
		}
	}
}

// Message returns one message (id is mailpit's ID from Messages) with its
// text, HTML and headers.
func (m *MailpitServer) Message(t testing.TB, id string) MailpitMessage {
	t.Helper()
	var msg MailpitMessage
	m.get(t, "/api/v1/message/"+url.PathEscape(id), &msg)
	m.get(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &msg.Headers)
	return msg
}

// Raw returns the message exactly as mailpit received it (with the
// Return-Path and Received lines mailpit adds in front).
func (m *MailpitServer) Raw(t testing.TB, id string) []byte {
	t.Helper()
	return m.do(t, http.MethodGet, "/api/v1/message/"+url.PathEscape(id)+"/raw")
}

// WaitForMessages waits until mailpit holds at least n messages and returns
// them all (oldest first); the test fails after timeout.
func (m *MailpitServer) WaitForMessages(t testing.TB, n int, timeout time.Duration) []MailpitSummary {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := m.Messages(t)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit holds %d messages after %s, want %d", len(ms), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// DeleteAll deletes every message.
func (m *MailpitServer) DeleteAll(t testing.TB) {
	t.Helper()
	m.do(t, http.MethodDelete, "/api/v1/messages")
}

// Deliver runs the outbox worker until nothing is due: every message
// queued so far is handed to the SMTP server.
func Deliver(t testing.TB, w *delivery.Worker) {
	t.Helper()
	for {
		n, err := w.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}
