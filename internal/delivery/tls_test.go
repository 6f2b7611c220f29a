package delivery_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/model"
	"vigil/internal/testutil"
)

// remoteHost is the name the tests give the SMTP server: not loopback, so
// the rules for another machine apply. Its connections go to a mailpit on
// loopback (see wire).
const remoteHost = "mail.example.org"

// certificate makes a self-signed certificate for mail.example.org,
// localhost and 127.0.0.1, writes it and its key for mailpit, and returns
// their files and a pool that trusts it.
func certificate(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// Valid from long ago to far ahead: the test does not depend on today.
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: remoteHost},
		NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames: []string{remoteHost, "localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// tlsMailpit starts a mailpit that offers STARTTLS with a certificate made
// for the test, and refuses mail until the client has started TLS.
func tlsMailpit(t *testing.T, extra ...string) (*testutil.MailpitServer, *x509.CertPool) {
	t.Helper()
	certFile, keyFile, roots := certificate(t)
	args := append([]string{"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls"}, extra...)
	return testutil.Mailpit(t, args...), roots
}

// wire is what a client said to the server, as it went over the network:
// after STARTTLS, only ciphertext.
type wire struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *wire) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

type recordingConn struct {
	net.Conn
	w *wire
}

func (c recordingConn) Write(p []byte) (int, error) {
	c.w.mu.Lock()
	c.w.buf.Write(p)
	c.w.mu.Unlock()
	return c.Conn.Write(p)
}

// remoteSender is a sender for rawURL (on mail.example.org) whose
// connections go to mp, recorded in the returned wire, trusting roots.
func remoteSender(t *testing.T, mp *testutil.MailpitServer, rawURL string, roots *x509.CertPool) (*delivery.SMTPSender, *wire) {
	t.Helper()
	s := sender(t, rawURL)
	w := &wire{}
	delivery.SetNetwork(s, func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, mp.SMTPAddr())
		if err != nil {
			return nil, err
		}
		return recordingConn{conn, w}, nil
	}, roots)
	return s, w
}

// port is mailpit's SMTP port, for URLs naming another host.
func port(mp *testutil.MailpitServer) string {
	_, p, _ := net.SplitHostPort(mp.SMTPAddr())
	return p
}

func TestSMTPRefusesClearTextToAnotherMachine(t *testing.T) {
	mp := testutil.Mailpit(t) // no TLS
	ctx := context.Background()
	s, w := remoteSender(t, mp, "smtp://"+remoteHost+":"+port(mp), nil)
	err := s.Send(ctx, delivery.NewMessageID("vigil.test"), sample())
	if !errors.Is(err, delivery.ErrNoSTARTTLS) || !delivery.IsConfiguration(err) || delivery.IsPermanent(err) {
		t.Fatalf("Send without STARTTLS to %s: %v, want a configuration error (not permanent) wrapping ErrNoSTARTTLS", remoteHost, err)
	}
	for _, want := range []string{"STARTTLS", "tls=none", remoteHost} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	t.Logf("refused: %v", err)
	said := w.String()
	if !strings.Contains(said, "EHLO") || strings.Contains(said, "MAIL FROM") || strings.Contains(said, "ana@example.org") {
		t.Errorf("the client said, in clear:\n%s", said)
	}
	if ms := mp.Messages(t); len(ms) != 0 {
		t.Fatalf("mailpit received %d messages", len(ms))
	}

	// The operator says the relay is trusted: plain text is allowed.
	s, w = remoteSender(t, mp, "smtp://"+remoteHost+":"+port(mp)+"?tls=none", nil)
	if err := s.Send(ctx, delivery.NewMessageID("vigil.test"), sample()); err != nil {
		t.Fatalf("tls=none: %v", err)
	}
	mp.WaitForMessages(t, 1, 5*time.Second)
	if !strings.Contains(w.String(), "MAIL FROM") {
		t.Errorf("tls=none: the transaction was not in clear:\n%s", w)
	}
}

func TestSMTPStartsTLS(t *testing.T) {
	mp, roots := tlsMailpit(t)
	ctx := context.Background()
	s, w := remoteSender(t, mp, "smtp://"+remoteHost+":"+port(mp), roots)
	if err := s.Send(ctx, delivery.NewMessageID("vigil.test"), sample()); err != nil {
		t.Fatal(err)
	}
	// mailpit takes no mail before STARTTLS (--smtp-require-starttls).
	mp.WaitForMessages(t, 1, 5*time.Second)
	said := w.String()
	if !strings.Contains(said, "STARTTLS") || strings.Contains(said, "MAIL FROM") || strings.Contains(said, "ana@example.org") {
		t.Errorf("the client said, in clear:\n%s", said)
	}

	// On loopback STARTTLS is used when offered too.
	s = sender(t, mp.SMTPURL())
	delivery.SetNetwork(s, nil, roots)
	if err := s.Send(ctx, delivery.NewMessageID("vigil.test"), sample()); err != nil {
		t.Fatalf("loopback with STARTTLS offered: %v", err)
	}
	mp.WaitForMessages(t, 2, 5*time.Second)

	// A certificate that does not verify stops the send: nothing goes in
	// clear, and the message waits for the operator.
	s, w = remoteSender(t, mp, "smtp://"+remoteHost+":"+port(mp), nil)
	err := s.Send(ctx, delivery.NewMessageID("vigil.test"), sample())
	if err == nil || !delivery.IsConfiguration(err) || delivery.IsPermanent(err) {
		t.Fatalf("untrusted certificate: %v, want a configuration error", err)
	}
	t.Logf("untrusted certificate: %v", err)
	if strings.Contains(w.String(), "MAIL FROM") {
		t.Errorf("the client went on in clear:\n%s", w)
	}
	if ms := mp.Messages(t); len(ms) != 2 {
		t.Errorf("mailpit holds %d messages, want 2", len(ms))
	}
}

func TestSMTPAuthOnlyOverTLS(t *testing.T) {
	ctx := context.Background()
	t.Run("refused in clear, even on loopback", func(t *testing.T) {
		// This mailpit would take a password in clear.
		mp := testutil.Mailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
		url := strings.Replace(mp.SMTPURL(), "smtp://", "smtp://vigil:s%3Acret@", 1)
		s := sender(t, url)
		w := &wire{}
		delivery.SetNetwork(s, func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			conn, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return recordingConn{conn, w}, nil
		}, nil)
		err := s.Send(ctx, delivery.NewMessageID("vigil.test"), sample())
		if !errors.Is(err, delivery.ErrAuthWithoutTLS) || !delivery.IsConfiguration(err) {
			t.Fatalf("Send with a password and no TLS: %v, want ErrAuthWithoutTLS", err)
		}
		t.Logf("refused: %v", err)
		if said := w.String(); strings.Contains(said, "AUTH") || strings.Contains(said, "MAIL FROM") {
			t.Errorf("the client said, in clear:\n%s", said)
		}
		if ms := mp.Messages(t); len(ms) != 0 {
			t.Fatalf("mailpit received %d messages", len(ms))
		}
	})
	t.Run("after STARTTLS", func(t *testing.T) {
		mp, roots := tlsMailpit(t, "--smtp-auth-accept-any")
		s, w := remoteSender(t, mp, "smtp://vigil:s%3Acret@"+remoteHost+":"+port(mp), roots)
		if err := s.Send(ctx, delivery.NewMessageID("vigil.test"), sample()); err != nil {
			t.Fatal(err)
		}
		if ms := mp.WaitForMessages(t, 1, 5*time.Second); ms[0].Username != "vigil" {
			t.Errorf("authenticated as %q, want vigil", ms[0].Username)
		}
		if said := w.String(); strings.Contains(said, "AUTH") || strings.Contains(said, "s:cret") {
			t.Errorf("the client said, in clear:\n%s", said)
		}
	})
}

// TestWorkerKeepsMailQueuedWhenTLSIsRefused: a server that cannot be used
// as configured fails no message, however many attempts; the error stays
// on the row for the dashboard, and mail flows once the operator fixes it.
func TestWorkerKeepsMailQueuedWhenTLSIsRefused(t *testing.T) {
	mp := testutil.Mailpit(t)
	e := newEnv(t)
	s, _ := remoteSender(t, mp, "smtp://"+remoteHost+":"+port(mp), nil)
	w := e.worker(s)
	w.MaxAttempts = 2
	row := e.queue(appeal())
	for range 5 {
		if _, err := w.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(delivery.ConfigurationRetry)
	}
	got := e.row(row.ID)
	// Queued with the reason, and no attempt used up: once the settings
	// are fixed, a failure of the message's own still gets its retries.
	if got.State != model.MessageQueued || got.Attempts != 0 || !strings.Contains(got.LastError, "STARTTLS") ||
		!strings.Contains(got.LastError, "tls=none") {
		t.Fatalf("after 5 refusals: %s, %d attempts, error %q; want queued with the reason, no attempt counted", got.State, got.Attempts, got.LastError)
	}
	if !got.NextAttemptAt.After(e.clock.Now().Add(-delivery.ConfigurationRetry)) || got.NextAttemptAt.After(e.clock.Now()) {
		t.Errorf("next attempt at %v, want within %v of the last one", got.NextAttemptAt, delivery.ConfigurationRetry)
	}
	if ms := mp.Messages(t); len(ms) != 0 {
		t.Fatalf("mailpit received %d messages", len(ms))
	}
	// The operator trusts the relay after all.
	fixed, _ := remoteSender(t, mp, "smtp://"+remoteHost+":"+port(mp)+"?tls=none", nil)
	w = e.worker(fixed)
	testutil.Deliver(t, w)
	if got := e.row(row.ID); got.State != model.MessageSent {
		t.Fatalf("after the fix: %s (%s)", got.State, got.LastError)
	}
	mp.WaitForMessages(t, 1, 5*time.Second)
}
