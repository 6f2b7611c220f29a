package notify_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"vigil/internal/delivery"
	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// TestCatalogueKeys fails on a string an email uses that a catalogue
// lacks (web's TestCatalogues reads only the pages' keys).
func TestCatalogueKeys(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("notify.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`"(email\.[a-z0-9._]*)"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) < 20 {
		t.Fatalf("found only %d keys; the scan is broken", len(keys))
	}
	for _, lang := range cat.Languages() {
		have := cat.Keys(lang)
		for _, m := range keys {
			k := m[1]
			found := have[k]
			if strings.HasSuffix(k, ".") { // keys built from a value
				for h := range have {
					found = found || strings.HasPrefix(h, k)
				}
			}
			if !found {
				t.Errorf("%s.json lacks %q, which notify.go uses", lang, k)
			}
		}
	}
}

func composer(t *testing.T) *notify.Composer {
	t.Helper()
	c, err := notify.New(testutil.Keys(t), "https://vigil.example.org", "Vigil <vigil@example.org>", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// opener opens what c composed, failing the test on an error.
func opener(t *testing.T, c *notify.Composer) func(model.OutboxMessage, error) delivery.Message {
	return func(m model.OutboxMessage, err error) delivery.Message {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		msg, err := delivery.Open(c.Keys, m.MessageID, m.Sealed)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
}

// TestUpdateNotes: the update email names the case and tells what
// happened in the supporter's language where each is translated, and a
// note in their language says which language an untranslated text that
// follows is in: one note when both are, in the same language.
func TestUpdateNotes(t *testing.T) {
	c := composer(t)
	open := opener(t, c)
	french := func(texts map[string]string) model.Translations {
		return model.Translations{"fr": {Lang: "fr", Texts: texts}}
	}
	caseFR := french(map[string]string{"title": "Des Vénézuéliens détenus"})
	updateFR := french(map[string]string{"title": "Ils sont rentrés", "body": "Tous les hommes sont rentrés."})
	const (
		caseNote   = "Ce cas n’est pas encore disponible en français\u00a0; le voici en anglais."
		updateNote = "Cette mise à jour n’est pas encore disponible en français\u00a0; la voici en anglais."
	)
	for _, tc := range []struct {
		name               string
		caseTr, updateTr   model.Translations
		want, wantNot      []string
		wantSubjectContain string
	}{
		{"both translated", caseFR, updateFR,
			[]string{"«\u202fDes Vénézuéliens détenus\u202f»", "Ils sont rentrés\n\nTous les hommes sont rentrés."},
			[]string{caseNote, updateNote, "Men held", "They are home"}, "La suite\u00a0: Des Vénézuéliens détenus"},
		{"neither: one note", nil, nil,
			[]string{updateNote + "\n\nVous avez agi pour «\u202fMen held\u202f»", "They are home"},
			[]string{caseNote}, "La suite\u00a0: Men held"},
		{"only the update translated: a note on the case", nil, updateFR,
			[]string{caseNote + "\n\nVous avez agi pour «\u202fMen held\u202f»", "Ils sont rentrés"},
			[]string{updateNote}, "Men held"},
		{"only the case translated: a note above the update", caseFR, nil,
			[]string{"Des Vénézuéliens détenus", "\n\n" + updateNote + "\n\nThey are home\n\nAll the men are home."},
			[]string{caseNote}, "Des Vénézuéliens détenus"},
	} {
		cs := model.Case{Slug: "men-held", Lang: "en", Title: "Men held", Translations: tc.caseTr}
		u := model.Update{ID: 7, Title: "They are home", Body: "All the men are home.", Translations: tc.updateTr}
		sup := model.Supporter{ID: 3, Email: "claire@example.org", Lang: "fr"}
		out, err := c.Update(cs, u, sup, testutil.Now)
		m := open(out, err)
		for _, want := range tc.want {
			if !strings.Contains(m.Text, want) {
				t.Errorf("%s: no %q in\n%s", tc.name, want, m.Text)
			}
		}
		for _, not := range tc.wantNot {
			if strings.Contains(m.Text, not) {
				t.Errorf("%s: %q in\n%s", tc.name, not, m.Text)
			}
		}
		if !strings.Contains(m.Subject, tc.wantSubjectContain) {
			t.Errorf("%s: subject %q, want %q in it", tc.name, m.Subject, tc.wantSubjectContain)
		}
	}
}

// TestTitleIsolatedInArabic: an English title inside an Arabic sentence
// is isolated (FSI … PDI) so it reads whole, left to right, in the
// subject and in the text; an Arabic title is not.
func TestTitleIsolatedInArabic(t *testing.T) {
	c := composer(t)
	open := opener(t, c)
	cs := model.Case{Slug: "men-held", Lang: "en", Title: "Men held"}
	u := model.Update{ID: 7, Title: "They are home", Body: "All the men are home."}
	m := open(c.Update(cs, u, model.Supporter{ID: 3, Email: "a@example.org", Lang: "ar"}, testutil.Now))
	if !strings.Contains(m.Subject, "\u2068Men held\u2069") || !strings.Contains(m.Text, "«\u2068Men held\u2069»") {
		t.Errorf("English title in Arabic not isolated: %q\n%s", m.Subject, m.Text)
	}
	cs.Translations = model.Translations{"ar": {Lang: "ar", Texts: map[string]string{"title": "رجال محتجزون"}}}
	m = open(c.Update(cs, u, model.Supporter{ID: 3, Email: "a@example.org", Lang: "ar"}, testutil.Now))
	if strings.ContainsAny(m.Subject+m.Text, "\u2068\u2069") || !strings.Contains(m.Subject, "رجال محتجزون") {
		t.Errorf("Arabic title in Arabic: %q\n%s", m.Subject, m.Text)
	}
}

// TestDigestInTargetLanguage: a digest to a Spanish-speaking official
// names the action in Spanish and carries each letter as Appeal would
// send it alone: the Spanish model letter for one sent unchanged, the
// supporter's own words for one they changed.
func TestDigestInTargetLanguage(t *testing.T) {
	c := composer(t)
	open := opener(t, c)
	mayorga := model.Target{ID: 1, Name: "Milena Mayorga", Email: "mayorga@example.org", Salutation: "Estimada Embajadora Mayorga:", Lang: "es"}
	a := model.Action{ID: 2, Slug: "free-them", Lang: "en", Kind: model.ActionAppeal, Title: "Free them",
		Translations: model.Translations{"es": {Lang: "es", Texts: map[string]string{"title": "Libérenlos"}}},
		Subject:      "Release the men", Letter: "{{salutation}}\n\nPlease release the men.",
		Letters: map[string]model.Letter{"es": {Subject: "Liberen a los hombres", Text: "{{salutation}}\n\nLe ruego que libere a los hombres."}},
		Targets: []model.Target{mayorga}}
	letters := []store.AppealLetter{
		{Supporter: model.Supporter{Name: "Ana", Country: "DE"}, Participation: model.Participation{Subject: "Release the men", Letter: "Please release the men."}},
		{Supporter: model.Supporter{Name: "Bea", Country: "FR"}, Participation: model.Participation{Subject: "Release the men", Letter: "Please release the men, now."}},
	}
	m := open(c.Digest(a, mayorga, letters, testutil.Now))
	for _, want := range []string{"Estimada Embajadora Mayorga:", "Libérenlos", "Asunto: Liberen a los hombres\n\nLe ruego que libere a los hombres.\n\nAna · Alemania",
		"Asunto: Release the men\n\nPlease release the men, now.\n\nBea · Francia"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("no %q in the digest:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.Subject, "Libérenlos") {
		t.Errorf("digest subject %q", m.Subject)
	}
}
