package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Sender delivers one message. messageID (without angle brackets) is the
// Message-ID header to use: fixed when the message was queued, the same on
// every attempt. A nil error means the server accepted the message. An error
// for which IsPermanent is true will not get better by retrying.
type Sender interface {
	Send(ctx context.Context, messageID string, m Message) error
}

// SMTPSender sends through one SMTP server with go-mail, one connection per
// message. It is safe for concurrent use.
//
// Mail leaves encrypted unless the operator says otherwise: smtps is TLS
// from the first byte; smtp upgrades with STARTTLS, and refuses to go on in
// clear when the server does not offer it, except to this machine
// (loopback) or with ?tls=none. A password is only ever sent over TLS.
type SMTPSender struct {
	host     string
	port     int
	implicit bool // smtps: TLS from the first byte
	noTLS    bool // ?tls=none: plain text to a relay the operator trusts
	username string
	password string
	timeout  time.Duration
	// Now dates the Date header; nil is time.Now.
	Now func() time.Time

	// dial and rootCAs replace the network and the system's certificate
	// authorities in tests (export_test.go): mailpit listens on loopback,
	// and its certificate is made by the test.
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	rootCAs *x509.CertPool
}

// NewSMTPSender parses an SMTP URL:
//
//	smtp://[user:pass@]host[:port]   STARTTLS, required unless host is loopback (port 587 by default)
//	smtps://[user:pass@]host[:port]  implicit TLS (port 465 by default)
//
// User and password are URL-decoded (write %40 for an @ in a user name).
// With a user, the strongest mechanism the server offers is used, and only
// once the connection is encrypted: no mechanism, not even a
// challenge-response one, is offered to a server that did not offer TLS.
//
// Query parameters: timeout (a Go duration, default 30s) bounds each
// network step; tls=none sends in clear to a relay the operator trusts
// (no STARTTLS even if offered, and so no user or password).
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url's error repeats the URL, password included.
		return nil, errors.New("mail: SMTP URL does not parse")
	}
	s := &SMTPSender{timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return nil, fmt.Errorf("mail: SMTP URL scheme %q: want smtp or smtps", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("mail: SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("mail: SMTP URL port %q", p)
		}
	}
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("mail: SMTP URL has a path")
	}
	for k, v := range u.Query() {
		switch k {
		case "timeout":
			d, err := time.ParseDuration(v[0])
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("mail: SMTP URL timeout %q", v[0])
			}
			s.timeout = d
		case "tls":
			if v[0] != "none" {
				return nil, fmt.Errorf("mail: SMTP URL tls=%q: the only value is none (plain text to a trusted relay)", v[0])
			}
			s.noTLS = true
		default:
			return nil, fmt.Errorf("mail: SMTP URL parameter %q not known", k)
		}
	}
	switch {
	case s.noTLS && s.implicit:
		return nil, errors.New("mail: SMTP URL: smtps is TLS, tls=none contradicts it")
	case s.noTLS && s.username != "":
		return nil, errors.New("mail: SMTP URL: tls=none with a user: a password is never sent without TLS")
	}
	return s, nil
}

// Addr is host:port of the server.
func (s *SMTPSender) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// tlsConfig checks the server's certificate against host.
func (s *SMTPSender) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, RootCAs: s.rootCAs}
}

// dialContext connects, with TLS from the first byte for smtps. go-mail
// only dials and greets: STARTTLS and AUTH are done here, in Send, so that
// the rules above hold whatever go-mail's own defaults are.
func (s *SMTPSender) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	dial := s.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(ctx, network, addr)
	if err != nil || !s.implicit {
		return conn, err
	}
	tc := tls.Client(conn, s.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

func (s *SMTPSender) client() (*gomail.Client, error) {
	return gomail.NewClient(s.host,
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithDialContextFunc(s.dialContext),
		// Send does STARTTLS and AUTH itself.
		gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth),
	)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Errors of a connection that could not be made as safe as the
// configuration asks. They are configuration errors (see IsConfiguration):
// the operator changes the server or --smtp, and the mail waits.
var (
	// ErrNoSTARTTLS: the server does not offer STARTTLS and is not on this
	// machine.
	ErrNoSTARTTLS = errors.New("the server does not offer STARTTLS, and mail is not sent in clear to another machine " +
		"(add ?tls=none to the SMTP URL only for a relay you trust)")
	// ErrAuthWithoutTLS: a user is configured and the connection is not
	// encrypted.
	ErrAuthWithoutTLS = errors.New("the connection is not encrypted (the server did not offer STARTTLS): " +
		"the password is not sent")
	// ErrNoAuth: a user is configured and the server offers no mechanism
	// Vigil can use.
	ErrNoAuth = errors.New("the server offers no authentication mechanism Vigil can use")
)

// secure makes the session as safe as configured, before anything else is
// said: STARTTLS when offered (required off loopback unless tls=none), then
// AUTH over TLS only.
func (s *SMTPSender) secure(c *smtp.Client) error {
	encrypted := s.implicit
	if !s.implicit && !s.noTLS {
		if offered, _ := c.Extension("STARTTLS"); offered {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return &SendError{Op: "STARTTLS", Err: err, Configuration: true}
			}
			encrypted = true
		} else if !isLoopback(s.host) {
			return &SendError{Op: "STARTTLS", Err: fmt.Errorf("%s: %w", s.Addr(), ErrNoSTARTTLS), Configuration: true}
		}
	}
	if s.username == "" {
		return nil
	}
	if !encrypted {
		return &SendError{Op: "AUTH", Err: ErrAuthWithoutTLS, Configuration: true}
	}
	_, offered := c.Extension("AUTH")
	state, _ := c.TLSConnectionState()
	auth := s.auth(strings.Fields(offered), &state)
	if auth == nil {
		return &SendError{Op: "AUTH", Err: ErrNoAuth, Configuration: true}
	}
	if err := c.Auth(tlsOnly{auth}); err != nil {
		e := &SendError{Op: "AUTH", Err: err, Configuration: true}
		var te *textproto.Error
		if errors.As(err, &te) {
			e.Code = te.Code
		}
		return e
	}
	return nil
}

// auth picks the strongest mechanism offered: SCRAM (bound to the TLS
// channel when the server can), CRAM-MD5, then PLAIN and LOGIN, which are
// safe over TLS. nil when none is offered.
func (s *SMTPSender) auth(offered []string, state *tls.ConnectionState) smtp.Auth {
	for _, mech := range []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1",
		"CRAM-MD5", "PLAIN", "LOGIN"} {
		if !slices.Contains(offered, mech) {
			continue
		}
		switch mech {
		case "SCRAM-SHA-256-PLUS":
			return smtp.ScramSHA256PlusAuth(s.username, s.password, state)
		case "SCRAM-SHA-256":
			return smtp.ScramSHA256Auth(s.username, s.password)
		case "SCRAM-SHA-1-PLUS":
			return smtp.ScramSHA1PlusAuth(s.username, s.password, state)
		case "SCRAM-SHA-1":
			return smtp.ScramSHA1Auth(s.username, s.password)
		case "CRAM-MD5":
			return smtp.CRAMMD5Auth(s.username, s.password)
		case "PLAIN":
			return smtp.PlainAuth("", s.username, s.password, s.host, false)
		case "LOGIN":
			return smtp.LoginAuth(s.username, s.password, s.host, false)
		}
	}
	return nil
}

// tlsOnly refuses to start any mechanism over a connection without TLS:
// the last guard, whatever led here.
type tlsOnly struct{ smtp.Auth }

func (a tlsOnly) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS {
		return "", nil, ErrAuthWithoutTLS
	}
	return a.Auth.Start(server)
}

// build makes the go-mail message. Every check that concerns the content
// happens in Validate first: go-mail encodes a line break in the subject
// rather than refusing it, and a header value is ours to police.
func (s *SMTPSender) build(messageID string, m Message) (*gomail.Msg, error) {
	if err := ValidMessageID(messageID); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, invalid("From is not a valid address")
	}
	set := func(field string, f func(...string) error, addrs []string) error {
		if len(addrs) == 0 {
			return nil
		}
		if err := f(addrs...); err != nil {
			return invalid("%s is not a valid address", field)
		}
		return nil
	}
	if err := set("To", msg.To, m.To); err != nil {
		return nil, err
	}
	if err := set("Cc", msg.Cc, m.Cc); err != nil {
		return nil, err
	}
	if err := set("Bcc", msg.Bcc, m.Bcc); err != nil {
		return nil, err
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, invalid("Reply-To is not a valid address")
		}
	}
	msg.Subject(subjectHeader(m.Subject))
	msg.SetMessageIDWithValue(messageID)
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg.SetDateWithValue(now())
	for name, value := range m.Headers {
		msg.SetGenHeader(gomail.Header(name), value)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// subjectHeader is the Subject as written in the header. go-mail encodes a
// subject only when it is not plain ASCII, so a subject typed as an RFC 2047
// encoded word ("=?utf-8?q?…?=", a supporter's appeal may carry one) would
// reach mail clients as is, and they would show what it encodes instead of
// what was typed. Such a subject is encoded whole: a client decodes it once,
// back to the characters typed.
func subjectHeader(subject string) string {
	if !strings.Contains(subject, "=?") {
		return subject
	}
	return encodeWords(subject)
}

// encodeWords writes s as RFC 2047 Q-encoded words of at most 75
// characters, separated by spaces (which decoders drop between encoded
// words), never splitting a character's bytes between two words.
func encodeWords(s string) string {
	const prefix, suffix, maxWord = "=?UTF-8?q?", "?=", 75
	var out, word strings.Builder
	flush := func() {
		if word.Len() == 0 {
			return
		}
		if out.Len() > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(prefix + word.String() + suffix)
		word.Reset()
	}
	var buf [utf8.UTFMax]byte
	for _, r := range s {
		var enc string
		switch {
		case r == ' ':
			enc = "_"
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
			strings.ContainsRune("!*+-/", r)):
			enc = string(r)
		default:
			n := utf8.EncodeRune(buf[:], r)
			for _, c := range buf[:n] {
				enc += fmt.Sprintf("=%02X", c)
			}
		}
		if len(prefix)+word.Len()+len(enc)+len(suffix) > maxWord {
			flush()
		}
		word.WriteString(enc)
	}
	flush()
	return out.String()
}

// Send delivers m with the Message-ID <messageID>. Errors never contain a
// recipient address or content; see IsPermanent and IsConfiguration.
func (s *SMTPSender) Send(ctx context.Context, messageID string, m Message) error {
	msg, err := s.build(messageID, m)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return &SendError{Op: "configure", Err: err}
	}
	session, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classify(err, msg)
	}
	defer func() { _ = c.CloseWithSMTPClient(session) }()
	if err := s.secure(session); err != nil {
		return err
	}
	err = c.SendWithSMTPClient(session, msg)
	if err == nil || msg.IsDelivered() {
		// Accepted by the server; a failure after that (RSET, QUIT) does
		// not undo the delivery, and reporting it would cause a resend.
		return nil
	}
	return classify(err, msg)
}

// SendError is a failed SMTP delivery. Its text holds the step that failed
// and the server's reply code, never the recipients or the reply's free
// text (which often quotes the address).
type SendError struct {
	Op   string // "connect", "MAIL FROM", "RCPT TO", "DATA", …
	Code int    // the server's reply code, 0 when it did not answer
	// Enhanced is the RFC 3463 status code ("5.1.1") when the server gave
	// one.
	Enhanced  string
	Permanent bool
	// Configuration is set when the connection could not be made as safe
	// as configured (no STARTTLS, no TLS for the password, a certificate
	// that does not verify, credentials refused): every message would fail
	// alike until the operator changes the server or --smtp.
	Configuration bool
	Err           error // go-mail's error, which may name recipients: not for logs
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("smtp ")
	b.WriteString(e.Op)
	if e.Code != 0 {
		fmt.Fprintf(&b, ": %d", e.Code)
		if e.Enhanced != "" {
			b.WriteString(" " + e.Enhanced)
		}
		if e.Op == "AUTH" {
			b.WriteString(" (the server refused the user and password of the SMTP URL)")
		}
	} else if e.Err != nil {
		b.WriteString(": " + redactAddresses(e.Err.Error()))
	}
	if e.Permanent {
		b.WriteString(" (permanent)")
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// classify turns go-mail's error into a SendError: a 5xx reply to the
// message's own commands (MAIL FROM, RCPT TO, DATA) is permanent; anything
// else (no connection, TLS, authentication, 4xx, timeouts) is temporary, so
// a misconfigured or unreachable server never fails the whole queue at once.
func classify(err error, msg *gomail.Msg) error {
	var se *gomail.SendError
	if errors.As(err, &se) || errors.As(msg.SendError(), &se) {
		e := &SendError{Op: sendOp(se.Reason), Code: se.ErrorCode(), Enhanced: se.EnhancedStatusCode(), Err: err}
		switch se.Reason {
		case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
			e.Permanent = e.Code >= 500 && e.Code < 600
		}
		return e
	}
	var cert *tls.CertificateVerificationError
	return &SendError{Op: "connect", Err: err, Configuration: errors.As(err, &cert)}
}

func sendOp(r gomail.SendErrReason) string {
	switch r {
	case gomail.ErrSMTPMailFrom:
		return "MAIL FROM"
	case gomail.ErrSMTPRcptTo:
		return "RCPT TO"
	case gomail.ErrSMTPData:
		return "DATA"
	case gomail.ErrSMTPDataClose:
		return "end of DATA"
	case gomail.ErrWriteContent:
		return "writing content"
	case gomail.ErrConnCheck:
		return "connection check"
	case gomail.ErrSMTPReset:
		return "RSET"
	}
	return "send"
}

// IsPermanent reports whether err means the message can never be sent as
// it is: the server answered 5xx to it, or it is invalid (ErrInvalid, e.g. a
// line break in a header). Everything else is worth retrying.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrInvalid) {
		return true
	}
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// IsConfiguration reports whether err means the SMTP server could not be
// used as configured (see SendError.Configuration): not the message's
// fault, so the message waits in the queue however many times it is tried.
func IsConfiguration(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Configuration
}
