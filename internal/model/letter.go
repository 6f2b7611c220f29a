package model

import "strings"

// SalutationPlaceholder marks, in a model letter, where the salutation
// goes. A supporter edits the letter without it: each target's copy opens
// with that target's own salutation (see Addressed), so one letter never
// greets a second official by the first one's name.
const SalutationPlaceholder = "{{salutation}}"

// LetterBody is a model letter as a supporter sees and edits it: the
// salutation placeholder and the blank lines after it taken out.
func LetterBody(text string) string {
	var kept []string
	for line := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == SalutationPlaceholder {
			continue
		}
		kept = append(kept, strings.ReplaceAll(line, SalutationPlaceholder, ""))
	}
	return strings.Trim(strings.Join(kept, "\n"), "\n")
}

// Addressed is a supporter's letter as one target receives it: the
// target's salutation (generic when the target has none), a blank line,
// then the body. A body that still opens with the salutation of one of
// the action's targets (a letter stored before salutations were added per
// target) loses that line first, so nobody is greeted twice or by another
// official's name.
func Addressed(t Target, targets []Target, body, generic string) string {
	return SalutationOf(t, generic) + "\n\n" + StripSalutation(body, targets)
}

// SalutationOf is how a letter to t opens: its own salutation, or generic
// when it has none.
func SalutationOf(t Target, generic string) string {
	if s := strings.TrimSpace(t.Salutation); s != "" {
		return s
	}
	return generic
}

// StripSalutation takes out of a letter a first line that is one of the
// targets' salutations, and the space around the body.
func StripSalutation(body string, targets []Target) string {
	body = strings.TrimSpace(body)
	first, rest, _ := strings.Cut(body, "\n")
	for _, t := range targets {
		if s := strings.TrimSpace(t.Salutation); s != "" && strings.TrimSpace(first) == s {
			return strings.TrimSpace(rest)
		}
	}
	return body
}
