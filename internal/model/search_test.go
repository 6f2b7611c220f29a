package model

import (
	"slices"
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Prisión": "prision", "ÉCOLE": "ecole", "Ça": "ca", "سُجِنَ": "سجن", "plain": "plain", "": "",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQueryWords(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"Prisión  sin juicio", []string{"prision", "sin", "juicio"}},
		{`"a" OR b* (c) -d NEAR:e`, []string{"a", "or", "b", "c", "d", "near", "e"}},
		{"dup Dup DUP", []string{"dup"}},
		{"one two three four five six seven eight nine ten", []string{"one", "two", "three", "four", "five", "six", "seven", "eight"}},
		{"  \t", nil},
		{"&|!:*'", nil},
	} {
		if got := QueryWords(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("QueryWords(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestCutQuery(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	got := CutQuery(long)
	if len(got) > MaxQueryLength || !strings.HasPrefix(long, got) || len(got) < MaxQueryLength-1 {
		t.Errorf("cut to %d bytes", len(got))
	}
	if got := CutQuery("  a \n b  "); got != "a b" {
		t.Errorf("CutQuery = %q", got)
	}
}

func marked(parts []TextPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Found {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"Prisión sin juicio", "[Prisión] sin juicio"},
		{"Las prisiones, la prisión.", "Las [prisiones], la [prisión]."},
		{"<script>prision</script>", "<script>[prision]</script>"},
		{"nothing here", "nothing here"},
	} {
		if got := marked(Highlight(tc.text, []string{"prision"})); got != tc.want {
			t.Errorf("Highlight(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	words := strings.Fields("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 key w12 w13 w14 w15 w16 w17 w18 w19 w20")
	text := strings.Join(words, " ")
	for _, tc := range []struct {
		width int
		want  string
	}{
		{6, "… w9 w10 [key] w12 w13 w14 …"},
		{30, text[:strings.Index(text, "key")] + "[key]" + text[strings.Index(text, "key")+3:]},
		{3, "… w10 [key] w12 …"},
	} {
		if got := marked(Snippet(text, []string{"key"}, tc.width)); got != tc.want {
			t.Errorf("Snippet(width %d) = %q, want %q", tc.width, got, tc.want)
		}
	}
	if got := marked(Snippet(text, []string{"absent"}, 3)); got != "w1 w2 w3 …" {
		t.Errorf("no match: %q, want the start", got)
	}
	if got := Snippet("", []string{"x"}, 3); got != nil {
		t.Errorf("empty text: %v", got)
	}
}
