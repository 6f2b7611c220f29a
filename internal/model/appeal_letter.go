package model

import (
	"maps"
	"slices"
	"strings"
)

// LetterTo is what one target receives of a supporter's appeal whose
// subject and letter (without the salutation, as the form gives it) are
// sent: the subject and body to send, and the language they are in ("" for
// the supporter's own words, whose language nobody declared).
//
// A letter the supporter changed, subject or body, is theirs and goes as
// they wrote it, to every target. A model letter sent unchanged, in any of
// the action's languages, is the organisation's words signed by the
// supporter: each target receives the action's letter in the target's
// language when the action has it there (its own or one of Letters), and
// the version the supporter sent otherwise.
func LetterTo(a Action, t Target, subject, letter string) (Letter, string) {
	sent := Letter{Subject: subject, Text: StripSalutation(letter, a.Targets)}
	shown, ok := a.modelLetterLang(sent)
	if !ok {
		return sent, ""
	}
	if t.Lang == "" || t.Lang == shown {
		return sent, shown
	}
	if l, ok := a.letterOwnOrTranslated(t.Lang); ok {
		return Letter{Subject: strings.TrimSpace(l.Subject), Text: StripSalutation(LetterBody(l.Text), a.Targets)}, t.Lang
	}
	return sent, shown
}

// letterOwnOrTranslated is the action's model letter in lang: its own when
// lang is the action's language, a whole translation (subject and text)
// otherwise.
func (a Action) letterOwnOrTranslated(lang string) (Letter, bool) {
	if lang == a.Lang {
		return Letter{Subject: a.Subject, Text: a.Letter}, strings.TrimSpace(a.Letter) != ""
	}
	l, ok := a.Letters[lang]
	return l, ok && strings.TrimSpace(l.Subject) != "" && strings.TrimSpace(l.Text) != ""
}

// modelLetterLang reports the language of the model letter sent is, when
// it is one of the action's, unchanged: the same subject and the same body
// as the form offered it, but for line endings and spaces at the ends of
// lines.
func (a Action) modelLetterLang(sent Letter) (string, bool) {
	same := func(l Letter) bool {
		return strings.TrimSpace(l.Subject) == strings.TrimSpace(sent.Subject) &&
			sameLines(StripSalutation(LetterBody(l.Text), a.Targets), sent.Text)
	}
	if strings.TrimSpace(a.Letter) != "" && same(Letter{Subject: a.Subject, Text: a.Letter}) {
		return a.Lang, true
	}
	for _, lang := range slices.Sorted(maps.Keys(a.Letters)) {
		if l := a.Letters[lang]; strings.TrimSpace(l.Text) != "" && same(l) {
			return lang, true
		}
	}
	return "", false
}

// sameLines compares two texts line by line, ignoring line endings and
// the spaces a browser's textarea or a copy may add at the ends of lines.
func sameLines(x, y string) bool {
	norm := func(s string) string {
		lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t")
		}
		return strings.TrimSpace(strings.Join(lines, "\n"))
	}
	return norm(x) == norm(y)
}
