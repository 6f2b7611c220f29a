package model

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Search limits: a query longer than MaxQueryLength bytes is cut, and
// only its first MaxQueryWords words are looked for.
const (
	MaxQueryLength = 200
	MaxQueryWords  = 8
)

// SearchHit is one record a search found, in the language it matched.
type SearchHit struct {
	Kind      string // KindCase, KindAction or KindNews
	Slug      string
	Lang      string // the language of the texts below
	Title     []TextPart
	Snippet   []TextPart // the words found in context, from the summary and body
	Published time.Time
}

// TextPart is a piece of text shown to a reader; Found marks the words a
// search found. The text is plain: whoever shows it escapes it.
type TextPart struct {
	Text  string
	Found bool
}

// Fold is text as search matches it: lower case, without diacritics
// ("Prisión" → "prision"), so that readers who type without accents find
// words written with them, in every language.
func Fold(s string) string {
	folded, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		folded = s
	}
	return strings.ToLower(folded)
}

// CutQuery is a search as typed, cut to MaxQueryLength bytes on a
// character boundary and trimmed.
func CutQuery(q string) string {
	q = strings.ToValidUTF8(q, "")
	if len(q) > MaxQueryLength {
		q = q[:MaxQueryLength]
		for !utf8.ValidString(q) {
			q = q[:len(q)-1]
		}
	}
	return strings.Join(strings.Fields(q), " ")
}

// QueryWords are the folded words of a search, each once, at most
// MaxQueryWords of them. A word is a run of letters and digits: every
// other character separates words, so nothing of the query's syntax
// reaches a database's query language.
func QueryWords(q string) []string {
	var words []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(Fold(CutQuery(q)), notWordRune) {
		if seen[w] {
			continue
		}
		seen[w] = true
		words = append(words, w)
		if len(words) == MaxQueryWords {
			break
		}
	}
	return words
}

func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
}

// word is the byte span of a word in a text.
type word struct{ start, end int }

func wordsOf(text string) []word {
	var out []word
	start := -1
	for i, r := range text {
		if notWordRune(r) {
			if start >= 0 {
				out = append(out, word{start, i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, word{start, len(text)})
	}
	return out
}

// found reports whether a word of a text is one a search looks for: each
// search word matches the words it begins, as the databases match it.
func found(w string, search []string) bool {
	f := Fold(w)
	for _, s := range search {
		if strings.HasPrefix(f, s) {
			return true
		}
	}
	return false
}

// parts cuts text[from:to] into parts, the found words marked.
func parts(text string, ws []word, search []string, from, to int) []TextPart {
	var out []TextPart
	add := func(s string, hit bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Found == hit {
			out[n-1].Text += s
			return
		}
		out = append(out, TextPart{Text: s, Found: hit})
	}
	at := from
	for _, w := range ws {
		if w.start < from || w.end > to {
			continue
		}
		if found(text[w.start:w.end], search) {
			add(text[at:w.start], false)
			add(text[w.start:w.end], true)
			at = w.end
		}
	}
	add(text[at:to], false)
	return out
}

// Highlight is a whole text with the words a search looks for marked.
func Highlight(text string, search []string) []TextPart {
	return parts(text, wordsOf(text), search, 0, len(text))
}

// Snippet is up to width words of text around the first word a search
// looks for (from the start when none is there), the found words marked,
// with "…" where the text goes on.
func Snippet(text string, search []string, width int) []TextPart {
	ws := wordsOf(text)
	if len(ws) == 0 {
		return nil
	}
	first := 0
	for i, w := range ws {
		if found(text[w.start:w.end], search) {
			first = i
			break
		}
	}
	begin := max(0, first-width/3)
	end := min(len(ws), begin+width)
	begin = max(0, end-width)
	from, to := ws[begin].start, ws[end-1].end
	if begin == 0 {
		from = 0
	}
	if end == len(ws) {
		to = len(text)
	}
	out := parts(text, ws, search, from, to)
	if begin > 0 {
		out = append([]TextPart{{Text: "… "}}, out...)
	}
	if end < len(ws) {
		out = append(out, TextPart{Text: " …"})
	}
	return out
}

// CaseFilter chooses the published cases a list shows.
type CaseFilter struct {
	Country string     // an ISO 3166-1 alpha-2 code, upper case; "" for any
	Theme   string     // a tag; "" for any
	Status  CaseStatus // "" for any
}

// ValidCaseStatus reports whether s is a case status.
func ValidCaseStatus(s CaseStatus) bool {
	return s == CaseActive || s == CaseMonitoring || s == CaseClosed
}

// ValidCountryCode reports whether s is shaped like an ISO 3166-1 alpha-2
// code (two letters A–Z), whether or not any case names it.
func ValidCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
