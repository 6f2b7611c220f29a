package model

import "testing"

func TestTranslationState(t *testing.T) {
	original := map[string]string{"title": "Men expelled", "body": "Body"}
	changed := map[string]string{"title": "Men expelled to El Salvador", "body": "Body"}
	ts := Translations{"es": {Lang: "es", Texts: map[string]string{"title": "Hombres"}, Source: Fingerprint(original)}}
	for _, tt := range []struct {
		name       string
		lang, want string
		texts      map[string]string
		state      TranslationState
	}{
		{"the original's own language", "en", "en", original, TranslationOriginal},
		{"translated from the original as it is", "en", "es", original, TranslationCurrent},
		{"the original changed since", "en", "es", changed, TranslationOutdated},
		{"nobody translated it", "en", "fr", original, TranslationMissing},
		{"written in Spanish, read in Spanish", "es", "es", original, TranslationOriginal},
	} {
		if got := ts.StateIn(tt.lang, tt.texts, tt.want); got != tt.state {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.state)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a := Fingerprint(map[string]string{"title": "A", "body": "B"})
	if a != Fingerprint(map[string]string{"body": "B", "title": "A"}) {
		t.Error("the same texts have different fingerprints")
	}
	for _, other := range []map[string]string{
		{"title": "A", "body": "B "},
		{"title": "AB", "body": ""},
		{"title": "A", "body": "B", "demand.0": ""},
	} {
		if Fingerprint(other) == a {
			t.Errorf("%v has the fingerprint of other texts", other)
		}
	}
}

func TestCaseIn(t *testing.T) {
	c := Case{Lang: "en", Title: "Men expelled", Summary: "Summary",
		Timeline: []TimelineEvent{{Title: "Flown out", Place: "Texas"}, {Title: "Returned", Place: "Caracas"}},
		Demands:  []Demand{{Text: "Release them"}},
		Updates:  []Update{{Title: "Closed", Translations: Translations{"fr": {Texts: map[string]string{"title": "Clos"}}}}},
		Actions:  []Action{{Lang: "en", Title: "Sign", Translations: Translations{"es": {Texts: map[string]string{"title": "Firma"}}}}},
		Image:    &Image{Alt: "A yard", Translations: Translations{"es": {Texts: map[string]string{"alt": "Un patio"}}}},
		Translations: Translations{"es": {Texts: map[string]string{
			"title": "Hombres expulsados", "timeline.1.place": "Caracas (Venezuela)", "demand.0": "Libérenlos"}}},
	}
	es := c.In("es")
	if es.Lang != "es" || es.Title != "Hombres expulsados" || es.Summary != "Summary" {
		t.Errorf("case in es: %q %q %q", es.Lang, es.Title, es.Summary)
	}
	if es.Timeline[0].Place != "Texas" || es.Timeline[1].Place != "Caracas (Venezuela)" || es.Demands[0].Text != "Libérenlos" {
		t.Errorf("parts in es: %+v %+v", es.Timeline, es.Demands)
	}
	if es.Updates[0].Lang != "en" || es.Updates[0].Title != "Closed" || es.Actions[0].Title != "Firma" || es.Image.Alt != "Un patio" {
		t.Errorf("update %+v, action %+v, picture %q in es", es.Updates[0], es.Actions[0], es.Image.Alt)
	}
	if c.Timeline[1].Place != "Caracas" || c.Image.Alt != "A yard" || c.Actions[0].Title != "Sign" {
		t.Error("In changed the original")
	}
	fr := c.In("fr")
	if fr.Lang != "en" || fr.Title != "Men expelled" || fr.Updates[0].Lang != "fr" || fr.Updates[0].Title != "Clos" {
		t.Errorf("case in fr: %q %q, update %+v", fr.Lang, fr.Title, fr.Updates[0])
	}
	if got := c.Translations.Languages(c.Lang); len(got) != 2 || got[0] != "en" || got[1] != "es" {
		t.Errorf("languages %v", got)
	}
}
