// Package delivery turns outbox rows into delivered email.
//
// A Message is what one email says and to whom. It is sealed (encrypted,
// bound to its Message-ID) before it is written to the outbox with the event
// that causes it, so the database never holds a recipient or a letter in the
// clear. A Worker claims due rows, opens them, hands them to a Sender (SMTP
// through go-mail), and records the outcome: sent, retried with backoff, or
// failed. Delivery is at least once: a worker that dies between the SMTP
// server's acceptance and the row's update leaves the row leased; once the
// lease runs out another worker sends it again with the same Message-ID, so
// the duplicate is recognisable.
package delivery

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"vigil/internal/secret"
)

// Message is one email: who sends it, to whom, and what it says. HTML is
// optional (when set the email is multipart/alternative, text first).
// Headers adds header fields such as List-Unsubscribe and
// List-Unsubscribe-Post; it cannot replace the fields the Sender writes
// itself (From, To, Subject, Message-ID, Date, MIME and content fields, …).
//
// Addresses are RFC 5322 addresses: "ana@example.org" or
// "Ana Pérez <ana@example.org>".
type Message struct {
	From    string            `json:"from"`
	To      []string          `json:"to,omitempty"`
	Cc      []string          `json:"cc,omitempty"`
	Bcc     []string          `json:"bcc,omitempty"`
	ReplyTo string            `json:"reply_to,omitempty"`
	Subject string            `json:"subject"`
	Text    string            `json:"text"`
	HTML    string            `json:"html,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// ad is the associated data binding a sealed message to its Message-ID, so
// a sealed body cannot be moved into another outbox row.
func ad(messageID string) string { return secret.AD("outbox", "sealed", messageID) }

// Seal encodes m as JSON and seals it for the outbox row whose Message-ID is
// messageID. It refuses a message Validate refuses, so a bad message fails
// where it is written, not later in the worker.
func Seal(keys *secret.Keys, messageID string, m Message) ([]byte, error) {
	if err := ValidMessageID(messageID); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	plain, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("mail: encode message: %w", err)
	}
	return keys.Seal(plain, ad(messageID)), nil
}

// Open reverses Seal. A value sealed under another key or for another
// Message-ID, or tampered with, is an error wrapping secret.ErrOpen.
func Open(keys *secret.Keys, messageID string, sealed []byte) (Message, error) {
	var m Message
	plain, err := keys.Open(sealed, ad(messageID))
	if err != nil {
		return m, fmt.Errorf("mail: open message %s: %w", messageID, err)
	}
	if err := json.Unmarshal(plain, &m); err != nil {
		return m, fmt.Errorf("mail: decode message %s: %w", messageID, err)
	}
	return m, nil
}

// NewMessageID returns a fresh Message-ID without angle brackets: 16 bytes
// in hex, "@", domain (the site's host name). The first 6 bytes are the
// time in milliseconds, the other 10 random: ids made later sort later, so
// the outbox's index of them grows at its end instead of touching a page
// anywhere in it for every email queued.
func NewMessageID(domain string) string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	_, _ = rand.Read(b[6:]) // never fails (crypto/rand crashes the program instead)
	return hex.EncodeToString(b[:]) + "@" + domain
}

// ErrInvalid is wrapped by every error about a message that can never be
// sent as it is (a malformed address, a line break in a header, …). Such an
// error is permanent: retrying cannot help.
var ErrInvalid = errors.New("invalid message")

// ErrNothingToSend is a composer's answer for an intent (see
// model.OutboxMessage.Intent) whose recipient or cause is gone: the
// supporter was erased, or the participation undone. The worker marks the
// message failed, saying so.
var ErrNothingToSend = errors.New("nothing to send: the supporter or the participation is gone")

func invalid(format string, args ...any) error {
	return fmt.Errorf("mail: %w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// ValidMessageID checks a Message-ID without angle brackets: "left@right",
// printable ASCII, no spaces, brackets or line breaks.
func ValidMessageID(id string) error {
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") || len(id) > 250 {
		return invalid("Message-ID %q is not left@right", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`<>()[]\",;:`, c) >= 0 {
			return invalid("Message-ID %q has a forbidden character", id)
		}
	}
	return nil
}

// reservedHeaders are the fields the Sender writes; Headers cannot set them.
var reservedHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true, "sender": true,
	"subject": true, "message-id": true, "date": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true, "content-disposition": true,
	"return-path": true, "received": true,
}

// Validate checks what can be checked before sending: a From and at least
// one recipient, every address parses as exactly one address, and no line
// break (CR or LF) in any address, the subject, a header name or value —
// which would let a supporter's input add headers or recipients (header
// injection). Errors wrap ErrInvalid.
func (m Message) Validate() error {
	check := func(field, v string) error {
		if strings.ContainsAny(v, "\r\n") {
			return invalid("line break in %s (header injection refused)", field)
		}
		if strings.ContainsRune(v, 0) {
			return invalid("NUL byte in %s", field)
		}
		return nil
	}
	addr := func(field, v string) error {
		if err := check(field, v); err != nil {
			return err
		}
		if _, err := mail.ParseAddress(v); err != nil {
			// The address itself stays out of the error: it is personal data
			// and errors are logged and stored.
			return invalid("%s is not a valid address", field)
		}
		return nil
	}
	if m.From == "" {
		return invalid("no From address")
	}
	if err := addr("From", m.From); err != nil {
		return err
	}
	if m.ReplyTo != "" {
		if err := addr("Reply-To", m.ReplyTo); err != nil {
			return err
		}
	}
	if len(m.To)+len(m.Cc)+len(m.Bcc) == 0 {
		return invalid("no recipient")
	}
	for _, list := range []struct {
		field string
		addrs []string
	}{{"To", m.To}, {"Cc", m.Cc}, {"Bcc", m.Bcc}} {
		for _, a := range list.addrs {
			if err := addr(list.field, a); err != nil {
				return err
			}
		}
	}
	if err := check("Subject", m.Subject); err != nil {
		return err
	}
	for name, value := range m.Headers {
		if !validFieldName(name) {
			// Not quoted: a broken name may hold anything.
			return invalid("a header name is not a valid field name")
		}
		if reservedHeaders[strings.ToLower(name)] {
			return invalid("header %s is written by the sender and cannot be set", name)
		}
		if err := check("header "+name, value); err != nil {
			return err
		}
	}
	return nil
}

// validFieldName: RFC 5322 field names are printable ASCII except ':'.
func validFieldName(name string) bool {
	if name == "" || len(name) > 76 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}
