package testutil

import (
	"net/smtp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMailpitHarness sends with the standard library's SMTP client (not the
// code under test elsewhere) and reads the messages back through the API.
func TestMailpitHarness(t *testing.T) {
	mp := Mailpit(t)
	if !strings.HasPrefix(mp.SMTPURL(), "smtp://127.0.0.1:") {
		t.Fatalf("SMTPURL %q", mp.SMTPURL())
	}
	if ms := mp.Messages(t); len(ms) != 0 {
		t.Fatalf("fresh mailpit holds %d messages", len(ms))
	}

	raw := func(msgID, subject string) []byte {
		return []byte("From: Vigil <noreply@vigil.test>\r\n" +
			"To: Ana <ana@example.org>, bo@example.org\r\n" +
			"Subject: " + subject + "\r\n" +
			"Message-ID: <" + msgID + ">\r\n" +
			"List-Unsubscribe: <https://vigil.test/u/1>\r\n" +
			"MIME-Version: 1.0\r\n" +
			"Content-Type: multipart/alternative; boundary=b1\r\n" +
			"\r\n" +
			"--b1\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
			"Venezuela \xe2\x80\x94 \xc3\xb1\r\n" +
			"--b1\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>Hello</p>\r\n" +
			"--b1--\r\n")
	}
	for i, id := range []string{"one@vigil.test", "two@vigil.test"} {
		err := smtp.SendMail(mp.SMTPAddr(), nil, "noreply@vigil.test",
			[]string{"ana@example.org", "bo@example.org", "hidden@example.org"},
			raw(id, "=?UTF-8?q?Caf=C3=A9?= "+string(rune('A'+i))))
		if err != nil {
			t.Fatal(err)
		}
	}

	ms := mp.WaitForMessages(t, 2, 5*time.Second)
	if len(ms) != 2 || ms[0].MessageID != "one@vigil.test" || ms[1].MessageID != "two@vigil.test" {
		t.Fatalf("messages (want oldest first): %+v", ms)
	}
	s := ms[0]
	if s.Subject != "Café A" || s.From.Address != "noreply@vigil.test" || s.From.Name != "Vigil" ||
		len(s.To) != 2 || s.To[0].Address != "ana@example.org" || s.To[0].Name != "Ana" ||
		len(s.Bcc) != 1 || s.Bcc[0].Address != "hidden@example.org" || s.ID == "" {
		t.Fatalf("summary: %+v", s)
	}

	m := mp.Message(t, s.ID)
	if m.MessageID != "one@vigil.test" || strings.TrimSpace(m.Text) != "Venezuela — ñ" ||
		!strings.Contains(m.HTML, "<p>Hello</p>") {
		t.Fatalf("message: %+v", m)
	}
	if got := m.Header("message-id"); got != "<one@vigil.test>" {
		t.Errorf("Message-ID header %q", got)
	}
	if got := m.Header("List-Unsubscribe"); got != "<https://vigil.test/u/1>" {
		t.Errorf("List-Unsubscribe header %q", got)
	}
	if got := m.Header("Subject"); got != "=?UTF-8?q?Caf=C3=A9?= A" {
		t.Errorf("raw Subject header %q", got)
	}
	if r := mp.Raw(t, s.ID); !strings.Contains(string(r), "Message-ID: <one@vigil.test>") {
		t.Errorf("raw message:\n%s", r)
	}

	mp.DeleteAll(t)
	if ms := mp.Messages(t); len(ms) != 0 {
		t.Fatalf("%d messages after DeleteAll", len(ms))
	}
}

func TestMailpitListsBeyondOnePage(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 60 messages")
	}
	mp := Mailpit(t)
	c, err := smtp.Dial(mp.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 60 // mailpit's default page is 50
	for i := range n {
		if err := c.Mail("a@vigil.test"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("b@example.org"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("Subject: " + string(rune('A'+i%26)) + "\r\n\r\nx\r\n")); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	if ms := mp.WaitForMessages(t, n, 10*time.Second); len(ms) != n {
		t.Fatalf("%d messages listed, want %d", len(ms), n)
	}
}

// skipRecorder stands in for the test so Mailpit's Skip or Fatal can be
// observed; both end the goroutine, as the real ones do.
type skipRecorder struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	fatal   string
}

func (r *skipRecorder) Helper() {}
func (r *skipRecorder) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *skipRecorder) Fatal(args ...any) {
	r.mu.Lock()
	r.fatal = sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func sprint(args ...any) string {
	var b strings.Builder
	for _, a := range args {
		if s, ok := a.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

func TestMailpitMissing(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	t.Setenv("GOPATH", empty)
	t.Setenv("GOBIN", empty)
	t.Setenv("HOME", empty)
	for _, tc := range []struct {
		name, env, val string
		wantFatal      bool
	}{
		{"skips", "VIGIL_TEST_REQUIRE_BROWSER", "", false},
		{"required by the test script", "VIGIL_TEST_REQUIRE_BROWSER", "1", true},
		{"required services", "VIGIL_TEST_REQUIRE_SERVICES", "1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("VIGIL_TEST_REQUIRE_BROWSER", "")
			t.Setenv("VIGIL_TEST_REQUIRE_SERVICES", "")
			t.Setenv(tc.env, tc.val)
			r := &skipRecorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Mailpit(r)
				t.Error("Mailpit returned without mailpit installed")
			}()
			<-done
			got := r.skipped
			if tc.wantFatal {
				got = r.fatal
			}
			if got == "" || !strings.Contains(got, "scripts/test") {
				t.Errorf("skip %q, fatal %q; want a %s naming scripts/test", r.skipped, r.fatal,
					map[bool]string{true: "Fatal", false: "Skip"}[tc.wantFatal])
			}
		})
	}
}
