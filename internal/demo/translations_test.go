package demo

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"vigil/internal/model"
)

// record names what a translation translates, whatever its language.
func record(tr Translated) string {
	switch tr.Kind {
	case model.KindUpdate:
		return fmt.Sprintf("update %d of %s", tr.Update, tr.Slug)
	case model.KindImage:
		return "picture " + tr.Scene
	}
	return tr.Kind + " " + tr.Slug
}

func TestTranslationsNameRealFields(t *testing.T) {
	c := Load(fixedNow)
	if len(c.Translations) == 0 {
		t.Fatal("no translations")
	}
	seen := map[string]bool{}
	for _, tr := range c.Translations {
		name := record(tr) + " in " + tr.Translation.Lang
		if seen[name] {
			t.Errorf("%s: translated twice", name)
		}
		seen[name] = true
		if !slices.Contains([]string{"es", "fr", "ar"}, tr.Translation.Lang) {
			t.Errorf("%s: language %q", name, tr.Translation.Lang)
		}
		original, ok := c.OriginalTexts(tr)
		if !ok {
			t.Errorf("%s: no such record", name)
			continue
		}
		if tr.Translation.Source == "" || tr.Translation.Version != 0 || !tr.Translation.Saved.IsZero() {
			t.Errorf("%s: source %q, version %d, saved %v; want a source only", name, tr.Translation.Source, tr.Translation.Version, tr.Translation.Saved)
		}
		for field, text := range tr.Translation.Texts {
			if _, ok := original[field]; !ok {
				t.Errorf("%s: %q is not a field of the record (it has %v)", name, field, slices.Sorted(maps.Keys(original)))
			}
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s: %q is empty", name, field)
			}
		}
		for field := range tr.Earlier {
			if _, ok := original[field]; !ok {
				t.Errorf("%s: earlier wording of %q, which the record does not have", name, field)
			}
		}
	}
}

// TestTranslationsCover checks that the reference case reads entirely in
// Spanish, French and Arabic, and every other record in Spanish.
func TestTranslationsCover(t *testing.T) {
	c := Load(fixedNow)
	have := map[string]Translated{}
	for _, tr := range c.Translations {
		have[record(tr)+" in "+tr.Translation.Lang] = tr
	}
	everywhere := []string{"es", "fr", "ar"}
	want := map[string][]string{} // record -> languages
	for _, k := range c.Cases {
		want[record(Translated{Kind: model.KindCase, Slug: k.Slug})] = everywhere
		for _, u := range k.Updates {
			want[record(Translated{Kind: model.KindUpdate, Slug: k.Slug, Update: u.Number})] = everywhere
		}
	}
	for _, a := range c.Actions {
		langs := []string{"es"}
		if a.CaseSlug == CaseSlug {
			langs = everywhere
		}
		want[record(Translated{Kind: model.KindAction, Slug: a.Slug})] = langs
	}
	for _, n := range c.News {
		want[record(Translated{Kind: model.KindNews, Slug: n.Article.Slug})] = []string{"es"}
	}
	for _, scene := range SceneNames {
		langs := []string{"es"}
		if scene == c.Scenes[CaseSlug] {
			langs = everywhere // the reference case's picture
		}
		want[record(Translated{Kind: model.KindImage, Scene: scene})] = langs
	}
	if len(want) < 19 {
		t.Fatalf("only %d records to check", len(want))
	}
	for name, langs := range want {
		for _, lang := range langs {
			tr, ok := have[name+" in "+lang]
			if !ok {
				t.Errorf("%s has no translation in %s", name, lang)
				continue
			}
			original, _ := c.OriginalTexts(tr)
			for field, text := range original {
				if text != "" && tr.Translation.Texts[field] == "" {
					t.Errorf("%s in %s: %q is not translated", name, lang, field)
				}
			}
		}
	}
}

var number = regexp.MustCompile(`[0-9]+`)

// TestTranslationsKeepFacts checks what a translation must not change: the
// numbers (dates, counts, years, laws) and the shape of the Markdown
// (headings, list items, links).
func TestTranslationsKeepFacts(t *testing.T) {
	c := Load(fixedNow)
	shape := func(text string) (headings, items, links int) {
		for line := range strings.Lines(text) {
			switch {
			case strings.HasPrefix(line, "## "):
				headings++
			case strings.HasPrefix(line, "- "):
				items++
			}
		}
		return headings, items, strings.Count(text, "](")
	}
	numbers := func(text string) []string {
		return slices.Compact(slices.Sorted(slices.Values(number.FindAllString(text, -1))))
	}
	check := func(name, original, translated string) {
		t.Helper()
		if o, tr := numbers(original), numbers(translated); !slices.Equal(o, tr) {
			t.Errorf("%s: numbers %v, the original has %v", name, tr, o)
		}
		oh, oi, ol := shape(original)
		th, ti, tl := shape(translated)
		if oh != th || oi != ti || ol != tl {
			t.Errorf("%s: %d headings, %d list items, %d links; the original has %d, %d, %d", name, th, ti, tl, oh, oi, ol)
		}
	}
	for _, tr := range c.Translations {
		original, _ := c.OriginalTexts(tr)
		maps.Copy(original, tr.Earlier)
		for field, text := range tr.Translation.Texts {
			check(record(tr)+" in "+tr.Translation.Lang+", "+field, original[field], text)
		}
	}
	appeal := findAction(t, c, CaseAppealSlug)
	for _, lang := range []string{"es", "fr", "ar"} {
		l, ok := appeal.Letters[lang]
		if !ok {
			t.Errorf("the case's appeal has no model letter in %s", lang)
			continue
		}
		if l.Subject == "" {
			t.Errorf("%s letter: no subject", lang)
		}
		if first, _, _ := strings.Cut(l.Text, "\n"); first != model.SalutationPlaceholder {
			t.Errorf("%s letter opens with %q, want the salutation", lang, first)
		}
		check(lang+" letter", appeal.Letter, l.Text)
	}
}

// TestOneTranslationOutdated checks the one translation made from an
// earlier wording, there so that an editor sees what "outdated" means.
func TestOneTranslationOutdated(t *testing.T) {
	c := Load(fixedNow)
	var outdated []string
	for _, tr := range c.Translations {
		original, _ := c.OriginalTexts(tr)
		current := tr.Translation.Source == model.Fingerprint(original)
		if current != (tr.Earlier == nil) {
			t.Errorf("%s in %s: current %v with earlier wording %v", record(tr), tr.Translation.Lang, current, tr.Earlier)
		}
		if !current {
			outdated = append(outdated, record(tr)+" in "+tr.Translation.Lang)
		}
		for field, before := range tr.Earlier {
			if before == original[field] {
				t.Errorf("%s in %s: the earlier %q is today's", record(tr), tr.Translation.Lang, field)
			}
		}
	}
	if want := []string{"update 0 of " + CaseSlug + " in fr"}; !slices.Equal(outdated, want) {
		t.Errorf("outdated translations %v, want %v", outdated, want)
	}
}
