package delivery_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/secret"
	"vigil/internal/testutil"
)

func sample() delivery.Message {
	return delivery.Message{
		From:    "Vigil <noreply@vigil.test>",
		To:      []string{"Ana Pérez <ana@example.org>"},
		Cc:      []string{"cc@example.org"},
		Bcc:     []string{"archive@vigil.test"},
		ReplyTo: "campaigns@vigil.test",
		Subject: "Venezuela — ñ ✓",
		Text:    "Venezuela — ñ ✓\n",
		HTML:    "<p>Venezuela — ñ ✓</p>",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://vigil.test/en/unsubscribe/t>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
}

func TestSealOpen(t *testing.T) {
	keys := testutil.Keys(t)
	id := delivery.NewMessageID("vigil.test")
	m := sample()
	sealed, err := delivery.Seal(keys, id, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"ana@example.org", "Venezuela", "Pérez", "unsubscribe"} {
		if strings.Contains(string(sealed), clear) {
			t.Fatalf("sealed message shows %q", clear)
		}
	}
	got, err := delivery.Open(keys, id, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if got.From != m.From || got.To[0] != m.To[0] || got.Cc[0] != m.Cc[0] || got.Bcc[0] != m.Bcc[0] ||
		got.ReplyTo != m.ReplyTo || got.Subject != m.Subject || got.Text != m.Text || got.HTML != m.HTML ||
		got.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || len(got.Headers) != 2 {
		t.Fatalf("opened %+v\nwant %+v", got, m)
	}

	// Bound to its Message-ID: it cannot be moved to another row.
	if _, err := delivery.Open(keys, delivery.NewMessageID("vigil.test"), sealed); !errors.Is(err, secret.ErrOpen) {
		t.Errorf("opened under another Message-ID: %v", err)
	}
	// And to its keys.
	if _, err := delivery.Open(testutil.Keys(t), id, sealed); !errors.Is(err, secret.ErrOpen) {
		t.Errorf("opened with other keys: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := delivery.Open(keys, id, sealed); !errors.Is(err, secret.ErrOpen) {
		t.Errorf("opened a tampered value: %v", err)
	}
}

func TestNewMessageID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{32}@vigil\.test$`)
	seen := map[string]bool{}
	for range 100 {
		id := delivery.NewMessageID("vigil.test")
		if !re.MatchString(id) {
			t.Fatalf("Message-ID %q", id)
		}
		if err := delivery.ValidMessageID(id); err != nil {
			t.Fatal(err)
		}
		if seen[id] {
			t.Fatalf("Message-ID %q twice", id)
		}
		seen[id] = true
	}
	// Ids made later sort later.
	first := delivery.NewMessageID("vigil.test")
	time.Sleep(2 * time.Millisecond)
	if second := delivery.NewMessageID("vigil.test"); second <= first {
		t.Errorf("Message-ID %q made after %q sorts before it", second, first)
	}
	for _, bad := range []string{"", "nodomain", "@x", "a@", "a@b@c", "<a@b>", "a b@c", "a@b\r\nBcc: x@y"} {
		if err := delivery.ValidMessageID(bad); !errors.Is(err, delivery.ErrInvalid) {
			t.Errorf("ValidMessageID(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestValidateRefusesInjection(t *testing.T) {
	if err := sample().Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
	cases := map[string]func(m *delivery.Message){
		"CRLF in subject":      func(m *delivery.Message) { m.Subject = "Hi\r\nBcc: eve@evil.example" },
		"LF in subject":        func(m *delivery.Message) { m.Subject = "Hi\nBcc: eve@evil.example" },
		"CR in subject":        func(m *delivery.Message) { m.Subject = "Hi\rthere" },
		"CRLF in To":           func(m *delivery.Message) { m.To = []string{"ana@example.org\r\nBcc: eve@evil.example"} },
		"LF in To name":        func(m *delivery.Message) { m.To = []string{"\"Ana\nBcc: eve@evil.example\" <ana@example.org>"} },
		"CRLF in Cc":           func(m *delivery.Message) { m.Cc = []string{"a@example.org\r\n"} },
		"CRLF in Bcc":          func(m *delivery.Message) { m.Bcc = []string{"a@example.org\r\nX: y"} },
		"CRLF in From":         func(m *delivery.Message) { m.From = "noreply@vigil.test\r\nBcc: eve@evil.example" },
		"CRLF in Reply-To":     func(m *delivery.Message) { m.ReplyTo = "r@vigil.test\r\nBcc: eve@evil.example" },
		"CRLF in header value": func(m *delivery.Message) { m.Headers["List-Unsubscribe"] = "<https://x>\r\nBcc: eve@evil.example" },
		"CRLF in header name":  func(m *delivery.Message) { m.Headers["X-A\r\nBcc"] = "eve@evil.example" },
		"colon in header name": func(m *delivery.Message) { m.Headers["Bcc: eve@evil.example\r\nX"] = "y" },
		"reserved header":      func(m *delivery.Message) { m.Headers["bcc"] = "eve@evil.example" },
		"Message-ID header":    func(m *delivery.Message) { m.Headers["Message-Id"] = "<other@x>" },
		"NUL in subject":       func(m *delivery.Message) { m.Subject = "a\x00b" },
		"two addresses in To":  func(m *delivery.Message) { m.To = []string{"a@example.org, eve@evil.example"} },
		"not an address":       func(m *delivery.Message) { m.To = []string{"not an address"} },
		"no From":              func(m *delivery.Message) { m.From = "" },
		"no recipient":         func(m *delivery.Message) { m.To, m.Cc, m.Bcc = nil, nil, nil },
	}
	keys := testutil.Keys(t)
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			m := sample()
			mutate(&m)
			err := m.Validate()
			if !errors.Is(err, delivery.ErrInvalid) || !delivery.IsPermanent(err) {
				t.Fatalf("Validate = %v, want a permanent ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "eve@evil.example") || strings.Contains(err.Error(), "ana@example.org") {
				t.Errorf("error quotes an address: %v", err)
			}
			if _, err := delivery.Seal(keys, delivery.NewMessageID("vigil.test"), m); !errors.Is(err, delivery.ErrInvalid) {
				t.Errorf("Seal = %v, want ErrInvalid", err)
			}
		})
	}
}
