package delivery

import (
	"mime"
	"strings"
	"testing"
)

func TestEncodeWords(t *testing.T) {
	dec := new(mime.WordDecoder)
	for _, s := range []string{
		"=?utf-8?q?x?=", "a_b =?= c", "", " ", strings.Repeat("€", 40), strings.Repeat("a", 200),
		"ñ" + strings.Repeat("x", 61) + "ñ", "tab\there", "\xff invalid",
	} {
		enc := encodeWords(s)
		for _, word := range strings.Fields(enc) {
			if len(word) > 75 || !strings.HasPrefix(word, "=?UTF-8?q?") || !strings.HasSuffix(word, "?=") {
				t.Errorf("%q: word %q", s, word)
			}
		}
		got, err := dec.DecodeHeader(enc)
		want := strings.ToValidUTF8(s, "\uFFFD")
		if err != nil || got != want {
			t.Errorf("%q encodes as %q, which decodes as %q (%v)", s, enc, got, err)
		}
	}
	if got := subjectHeader("Hello, world"); got != "Hello, world" {
		t.Errorf("a plain subject is rewritten: %q", got)
	}
}
