package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"vigil/internal/delivery"
	"vigil/internal/testutil"
)

func TestNewSMTPSender(t *testing.T) {
	for _, tc := range []struct{ url, addr string }{
		{"smtp://127.0.0.1:1025", "127.0.0.1:1025"},
		{"smtp://mail.example.org", "mail.example.org:587"},
		{"smtps://user:p%40ss@mail.example.org", "mail.example.org:465"},
		{"smtps://mail.example.org:2465", "mail.example.org:2465"},
		{"smtp://[::1]:25?timeout=5s", "[::1]:25"},
		{"smtp://relay.example.org:25?tls=none", "relay.example.org:25"},
	} {
		s, err := delivery.NewSMTPSender(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if s.Addr() != tc.addr {
			t.Errorf("%s: address %s, want %s", tc.url, s.Addr(), tc.addr)
		}
	}
	for _, bad := range []string{
		"", "http://mail.example.org", "smtp://", "smtp://host:0", "smtp://host:99999",
		"smtp://host/path", "smtp://host?tls=maybe", "smtp://host?timeout=soon",
		"smtp://user:secret@host:port", "smtps://host?tls=none", "smtp://user:secret@host?tls=none",
		"smtp://host?tls=starttls",
	} {
		_, err := delivery.NewSMTPSender(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: error shows the password: %v", bad, err)
		}
	}
}

func sender(t *testing.T, url string) *delivery.SMTPSender {
	t.Helper()
	s, err := delivery.NewSMTPSender(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPSenderToMailpit(t *testing.T) {
	mp := testutil.Mailpit(t)
	s := sender(t, mp.SMTPURL())
	date := time.Date(2026, 11, 26, 12, 30, 0, 0, time.UTC)
	s.Now = func() time.Time { return date }
	ctx := context.Background()

	id := delivery.NewMessageID("vigil.test")
	m := sample()
	if err := s.Send(ctx, id, m); err != nil {
		t.Fatal(err)
	}
	ms := mp.WaitForMessages(t, 1, 5*time.Second)
	got := mp.Message(t, ms[0].ID)
	if got.MessageID != id || got.Subject != "Venezuela — ñ ✓" || got.From.Address != "noreply@vigil.test" ||
		got.From.Name != "Vigil" || len(got.To) != 1 || got.To[0].Address != "ana@example.org" ||
		got.To[0].Name != "Ana Pérez" || len(got.Cc) != 1 || len(got.Bcc) != 1 ||
		got.Bcc[0].Address != "archive@vigil.test" || len(got.ReplyTo) != 1 || got.ReplyTo[0].Address != "campaigns@vigil.test" {
		t.Errorf("message: %+v", got.MailpitSummary)
	}
	if strings.TrimSpace(got.Text) != "Venezuela — ñ ✓" || !strings.Contains(got.HTML, "<p>Venezuela — ñ ✓</p>") {
		t.Errorf("text %q, html %q", got.Text, got.HTML)
	}
	if h := got.Header("Message-ID"); h != "<"+id+">" {
		t.Errorf("Message-ID header %q", h)
	}
	raw := string(mp.Raw(t, ms[0].ID))
	// mailpit stores envelope-only recipients as a "Bcc:" line it puts in
	// front of Return-Path and Received; the message itself must have none.
	if !strings.HasPrefix(raw, "Bcc: archive@vigil.test\r\n") || strings.Count(strings.ToLower(raw), "bcc:") != 1 ||
		strings.Count(raw, "archive@") != 1 {
		t.Errorf("Bcc written in the message:\n%s", raw)
	}
	if d, err := mail.ParseDate(got.Header("Date")); err != nil || !d.Equal(date) {
		t.Errorf("Date header %q (%v), want %s", got.Header("Date"), err, date)
	}
	if h := got.Header("List-Unsubscribe-Post"); h != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", h)
	}
	if h := got.Header("Content-Type"); !strings.HasPrefix(h, "multipart/alternative;") {
		t.Errorf("Content-Type %q, want multipart/alternative", h)
	}
	if h := got.Header("User-Agent") + got.Header("X-Mailer"); h != "" {
		t.Errorf("software named in headers: %q", h)
	}
	if !strings.Contains(raw, "Content-Type: text/plain; charset=UTF-8") || !strings.Contains(raw, "Content-Type: text/html; charset=UTF-8") {
		t.Errorf("parts not declared UTF-8:\n%s", raw)
	}
	if strings.Index(raw, "text/plain") > strings.Index(raw, "text/html") {
		t.Errorf("HTML part before the text part:\n%s", raw)
	}

	// Text only: a single text/plain part.
	mp.DeleteAll(t)
	m.HTML = ""
	if err := s.Send(ctx, delivery.NewMessageID("vigil.test"), m); err != nil {
		t.Fatal(err)
	}
	ms = mp.WaitForMessages(t, 1, 5*time.Second)
	if h := mp.Message(t, ms[0].ID).Header("Content-Type"); !strings.HasPrefix(h, "text/plain; charset=UTF-8") {
		t.Errorf("text-only Content-Type %q", h)
	}
}

func TestSMTPSenderRefusesInjection(t *testing.T) {
	mp := testutil.Mailpit(t)
	s := sender(t, mp.SMTPURL())
	for name, mutate := range map[string]func(m *delivery.Message){
		"subject": func(m *delivery.Message) { m.Subject = "Hi\r\nBcc: eve@evil.example" },
		"To":      func(m *delivery.Message) { m.To = []string{"ana@example.org\r\nBcc: eve@evil.example"} },
		"header":  func(m *delivery.Message) { m.Headers["List-Unsubscribe"] = "<https://x>\r\nBcc: eve@evil.example" },
	} {
		m := sample()
		mutate(&m)
		err := s.Send(context.Background(), delivery.NewMessageID("vigil.test"), m)
		if !errors.Is(err, delivery.ErrInvalid) || !delivery.IsPermanent(err) {
			t.Errorf("%s: Send = %v, want a permanent ErrInvalid", name, err)
		}
	}
	if err := s.Send(context.Background(), "bad id\r\nBcc: eve@evil.example", sample()); !delivery.IsPermanent(err) {
		t.Errorf("bad Message-ID: %v", err)
	}
	// Prove the server was there: a good message arrives, alone.
	if err := s.Send(context.Background(), delivery.NewMessageID("vigil.test"), sample()); err != nil {
		t.Fatal(err)
	}
	mp.WaitForMessages(t, 1, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	if ms := mp.Messages(t); len(ms) != 1 || ms[0].Subject != "Venezuela — ñ ✓" {
		t.Fatalf("mailpit holds %+v, want only the good message", ms)
	}
}

// TestGoMailEncodesLineBreaks records what go-mail itself does with a line
// break in a subject, beneath our own check: it RFC 2047-encodes the value,
// so the break cannot start a new header line. Our Validate refuses first
// anyway, because a silently encoded "Bcc:" is still not what anyone meant.
func TestGoMailEncodesLineBreaks(t *testing.T) {
	msg := gomail.NewMsg()
	if err := msg.From("a@vigil.test"); err != nil {
		t.Fatal(err)
	}
	if err := msg.To("b@example.org"); err != nil {
		t.Fatal(err)
	}
	msg.Subject("Hi\r\nBcc: eve@evil.example")
	msg.SetGenHeader("X-Test", "v\r\nBcc: eve@evil.example")
	msg.SetBodyString(gomail.TypeTextPlain, "x")
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Fatalf("go-mail wrote an injected header line %q in:\n%s", line, buf.String())
		}
	}
	// And its address parser refuses a line break in an address.
	if err := msg.To("b@example.org\r\nBcc: eve@evil.example"); err == nil {
		t.Error("go-mail accepted a line break in To")
	}
}

func TestSMTPSenderPermanentAndTemporary(t *testing.T) {
	// mailpit refuses recipients outside example.org with a 5xx.
	mp := testutil.Mailpit(t, "--smtp-allowed-recipients", `@example\.org$`)
	s := sender(t, mp.SMTPURL())
	m := sample()
	m.Cc, m.Bcc = nil, nil
	m.To = []string{"Someone <someone@blocked.test>"}
	err := s.Send(context.Background(), delivery.NewMessageID("vigil.test"), m)
	var se *delivery.SendError
	if !errors.As(err, &se) || !delivery.IsPermanent(err) || se.Code < 500 || se.Code > 599 || se.Op != "RCPT TO" {
		t.Fatalf("refused recipient: %#v, want a permanent 5xx at RCPT TO", err)
	}
	if strings.Contains(err.Error(), "blocked.test") {
		t.Errorf("error names the recipient: %v", err)
	}
	t.Logf("permanent: %v", err)

	// Nobody listening: temporary.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	err = sender(t, "smtp://"+closed+"?timeout=2s").Send(context.Background(), delivery.NewMessageID("vigil.test"), sample())
	if err == nil || delivery.IsPermanent(err) {
		t.Fatalf("closed port: %v, want a temporary error", err)
	}
	t.Logf("temporary: %v", err)
}

// TestSubjectTypedAsEncodedWord: a supporter may type an RFC 2047 encoded
// word as their appeal's subject. The official's mail client must show
// what was typed, not what it encodes; mailpit's API gives the subject as
// a client decodes it.
func TestSubjectTypedAsEncodedWord(t *testing.T) {
	mp := testutil.Mailpit(t)
	s := sender(t, mp.SMTPURL())
	for _, subject := range []string{
		"=?utf-8?q?Free_them_all?=",
		"=?UTF-8?B?UmVsZWFzZSB0aGVt?= now",
		"Libérenlos =?utf-8?q?=C3=B1?= ya",
		"Two =?utf-8?q?a?= =?utf-8?q?b?= words and a long tail " + strings.Repeat("ñandú ", 20) + "=?x?q?end?=",
		"=?", "?= =? ?=",
	} {
		mp.DeleteAll(t)
		m := sample()
		m.Subject = subject
		if err := s.Send(context.Background(), delivery.NewMessageID("vigil.test"), m); err != nil {
			t.Fatalf("%q: %v", subject, err)
		}
		ms := mp.WaitForMessages(t, 1, 5*time.Second)
		if ms[0].Subject != subject {
			t.Errorf("a client shows the subject as\n  %q\nwant what was typed\n  %q", ms[0].Subject, subject)
		}
	}
	// A plain subject stays readable in the raw message.
	mp.DeleteAll(t)
	m := sample()
	m.Subject = "Release them now"
	if err := s.Send(context.Background(), delivery.NewMessageID("vigil.test"), m); err != nil {
		t.Fatal(err)
	}
	ms := mp.WaitForMessages(t, 1, 5*time.Second)
	if raw := string(mp.Raw(t, ms[0].ID)); !strings.Contains(raw, "\r\nSubject: Release them now\r\n") {
		t.Errorf("a plain ASCII subject was encoded:\n%s", raw)
	}
}
