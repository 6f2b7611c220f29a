package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
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
type SMTPSender struct {
	host     string
	port     int
	implicit bool // smtps: TLS from the first byte
	username string
	password string
	timeout  time.Duration
	// Now dates the Date header; nil is time.Now.
	Now func() time.Time
}

// NewSMTPSender parses an SMTP URL:
//
//	smtp://[user:pass@]host[:port]   STARTTLS when the server offers it (port 587 by default)
//	smtps://[user:pass@]host[:port]  implicit TLS (port 465 by default)
//
// User and password are URL-decoded (write %40 for an @ in a user name).
// With a user, go-mail picks the strongest mechanism the server offers;
// over an unencrypted connection it refuses to send the password with PLAIN
// or LOGIN except to a loopback address.
//
// Query parameters: timeout (a Go duration, default 30s) bounds each
// network step.
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
		default:
			return nil, fmt.Errorf("mail: SMTP URL parameter %q not known", k)
		}
	}
	return s, nil
}

// Addr is host:port of the server.
func (s *SMTPSender) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

func (s *SMTPSender) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
	}
	if s.implicit {
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	} else {
		// Opportunistic STARTTLS; go-mail's default is mandatory, which a
		// plain local server (mailpit, a relay on localhost) cannot satisfy.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.username != "" {
		opts = append(opts, gomail.WithUsername(s.username), gomail.WithPassword(s.password))
		if isLoopback(s.host) && !s.implicit {
			// Auto-discovery never picks PLAIN without TLS; to a loopback
			// server go-mail allows it.
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain))
		} else {
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	}
	return gomail.NewClient(s.host, opts...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
	msg.Subject(m.Subject)
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

// Send delivers m with the Message-ID <messageID>. Errors never contain a
// recipient address or content; see IsPermanent.
func (s *SMTPSender) Send(ctx context.Context, messageID string, m Message) error {
	msg, err := s.build(messageID, m)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return &SendError{Op: "configure", Err: err}
	}
	err = c.DialAndSendWithContext(ctx, msg)
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
	Err       error // go-mail's error, which may name recipients: not for logs
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
	return &SendError{Op: "connect", Err: err}
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
