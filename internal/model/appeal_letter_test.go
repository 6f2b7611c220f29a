package model

import "testing"

func TestLetterTo(t *testing.T) {
	noem := Target{Name: "Kristi Noem", Salutation: "Dear Secretary Noem,", Lang: "en"}
	mayorga := Target{Name: "Milena Mayorga", Salutation: "Estimada Embajadora Mayorga:", Lang: "es"}
	dupont := Target{Name: "Claire Dupont", Lang: "fr"} // no letter in French
	nobody := Target{Name: "Someone", Lang: ""}         // language unknown
	marie := Target{Name: "Marie Curie", Lang: "es"}    // Spanish letter only half there: see halfSpanish
	a := Action{Lang: "en", Subject: "Free them", Letter: "{{salutation}}\n\nPlease free them.\n\nYours,",
		Letters: map[string]Letter{
			"es": {Subject: "Libérenlos", Text: "{{salutation}}\n\nLe ruego que los libere.\n\nAtentamente,"},
			"ar": {Subject: "أطلقوا سراحهم", Text: "{{salutation}}\n\nأرجو إطلاق سراحهم.\n\nمع التقدير،"},
		},
		Targets: []Target{noem, mayorga, dupont}}
	halfSpanish := a
	halfSpanish.Letters = map[string]Letter{"es": {Subject: "", Text: "{{salutation}}\n\nLe ruego que los libere."}}
	english := Letter{Subject: "Free them", Text: "Please free them.\n\nYours,"}
	spanish := Letter{Subject: "Libérenlos", Text: "Le ruego que los libere.\n\nAtentamente,"}
	arabic := Letter{Subject: "أطلقوا سراحهم", Text: "أرجو إطلاق سراحهم.\n\nمع التقدير،"}
	for _, tc := range []struct {
		name            string
		a               Action
		to              Target
		subject, letter string
		want            Letter
		wantLang        string
	}{
		{"English model letter unchanged, to a Spanish-speaking official: the Spanish letter", a, mayorga,
			english.Subject, english.Text, spanish, "es"},
		{"Arabic model letter unchanged, to a Spanish-speaking official: the Spanish letter", a, mayorga,
			arabic.Subject, arabic.Text, spanish, "es"},
		{"Spanish model letter unchanged, to an English-speaking official: the action's own", a, noem,
			spanish.Subject, spanish.Text, english, "en"},
		{"unchanged but for a textarea's line endings and trailing spaces", a, mayorga,
			" Free them ", "Please free them.  \r\n\r\nYours,\r\n", spanish, "es"},
		{"unchanged, with an old letter's salutation line: still the model", a, mayorga,
			english.Subject, "Dear Secretary Noem,\n\n" + english.Text, spanish, "es"},
		{"unchanged, in the official's own language already", a, mayorga,
			spanish.Subject, spanish.Text, spanish, "es"},
		{"unchanged, no letter in the official's language: as sent", a, dupont,
			arabic.Subject, arabic.Text, arabic, "ar"},
		{"unchanged, the official's language unknown: as sent", a, nobody,
			english.Subject, english.Text, english, "en"},
		{"unchanged, the translation lacks a subject: as sent", halfSpanish, marie,
			english.Subject, english.Text, english, "en"},
		{"body changed: the supporter's words, to everyone", a, mayorga,
			english.Subject, "Please free them now.\n\nYours,", Letter{Subject: "Free them", Text: "Please free them now.\n\nYours,"}, ""},
		{"only the subject changed: the supporter's words", a, mayorga,
			"Free them today", english.Text, Letter{Subject: "Free them today", Text: english.Text}, ""},
		{"a word added at the end: the supporter's words", a, mayorga,
			english.Subject, english.Text + "\nAna", Letter{Subject: "Free them", Text: english.Text + "\nAna"}, ""},
		{"the Spanish subject on the English body: changed", a, mayorga,
			spanish.Subject, english.Text, Letter{Subject: spanish.Subject, Text: english.Text}, ""},
	} {
		got, lang := LetterTo(tc.a, tc.to, tc.subject, tc.letter)
		if got != tc.want || lang != tc.wantLang {
			t.Errorf("%s:\ngot  %q (%q)\nwant %q (%q)", tc.name, got, lang, tc.want, tc.wantLang)
		}
	}
}
