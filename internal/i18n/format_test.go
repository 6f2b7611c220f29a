package i18n

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
)

func TestDatesAndNumbersPerLanguage(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	march16 := time.Date(2025, time.March, 16, 23, 0, 0, 0, time.UTC)
	may1 := time.Date(2025, time.May, 1, 0, 0, 0, 0, time.UTC)
	december31 := time.Date(2024, time.December, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		lang       string
		date       time.Time
		wantDate   string
		number     int
		wantNumber string
	}{
		{"en", march16, "16 March 2025", 1234567, "1,234,567"},
		{"en", may1, "1 May 2025", 999, "999"},
		{"es", march16, "16 de marzo de 2025", 1234567, "1.234.567"},
		{"es", december31, "31 de diciembre de 2024", 1000, "1.000"},
		{"fr", march16, "16 mars 2025", 1234567, "1\u202f234\u202f567"},
		{"fr", may1, "1er mai 2025", 1000, "1\u202f000"},
		{"fr", december31, "31 décembre 2024", -25000, "-25\u202f000"},
		{"ar", march16, "16 مارس 2025", 1234567, "1,234,567"},
		{"ar", may1, "1 مايو 2025", 252, "252"},
		{"ar", december31, "31 ديسمبر 2024", 10000, "10,000"},
	}
	for _, tc := range tests {
		l := c.Localizer(tc.lang)
		if got := l.Date(tc.date); got != tc.wantDate {
			t.Errorf("%s: Date(%s) = %q, want %q", tc.lang, tc.date.Format(time.DateOnly), got, tc.wantDate)
		}
		if got := l.Number(tc.number); got != tc.wantNumber {
			t.Errorf("%s: Number(%d) = %q, want %q", tc.lang, tc.number, got, tc.wantNumber)
		}
	}
	for _, lang := range c.Languages() {
		if got := c.Localizer(lang).Date(time.Time{}); got != "" {
			t.Errorf("%s: the zero date is written %q, want nothing", lang, got)
		}
	}
}

// TestDigitsAgree keeps one digit system on a page: what Number, Date and
// a plural message's {{.Count}} write are all ASCII digits, in Arabic too.
func TestDigitsAgree(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range c.Languages() {
		l := c.Localizer(lang)
		for _, s := range []string{l.Number(1234567), l.Date(time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC)), l.N("action.deadline.days", 17)} {
			for _, r := range s {
				if (r >= '٠' && r <= '٩') || (r >= '۰' && r <= '۹') {
					t.Errorf("%s: %q has Arabic-Indic digits; pages write 0-9", lang, s)
					break
				}
			}
		}
		if s := l.N("action.deadline.days", 17); !strings.Contains(s, "17") {
			t.Errorf("%s: 17 days left is %q", lang, s)
		}
	}
}

// TestPluralForms asks every plural message of every catalogue for the
// counts that reach each CLDR form (French one/many/other; Arabic zero,
// one, two, few, many, other): go-i18n fails on a form the catalogue
// lacks, and T shows the key instead.
func TestPluralForms(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := locales.ReadFile("locales/en.json")
	if err != nil {
		t.Fatal(err)
	}
	var messages map[string]json.RawMessage
	if err := json.Unmarshal(raw, &messages); err != nil {
		t.Fatal(err)
	}
	var plural []string
	for key, m := range messages {
		if strings.HasPrefix(string(m), "{") {
			plural = append(plural, key)
		}
	}
	if len(plural) < 5 {
		t.Fatalf("found %d plural messages in en.json; the scan is broken", len(plural))
	}
	counts := []int{0, 1, 2, 3, 5, 10, 11, 42, 99, 100, 101, 102, 252, 1000, 1000000}
	for _, lang := range c.Languages() {
		l := c.Localizer(lang)
		for _, key := range plural {
			for _, n := range counts {
				if got := l.N(key, n, "People", n, "Title", "T"); got == key {
					t.Errorf("%s: %s has no form for %d", lang, key, n)
				}
			}
		}
	}
	tests := []struct {
		lang  string
		count int
		want  string
	}{
		{"fr", 0, "Il reste 0 jour"},
		{"fr", 1, "Il reste 1 jour"},
		{"fr", 2, "Il reste 2 jours"},
		{"fr", 1000000, "Il reste 1000000 de jours"},
		{"ar", 1, "يبقى يوم واحد"},
		{"ar", 2, "يبقى يومان"},
		{"ar", 3, "تبقى 3 أيام"},
		{"ar", 11, "يبقى 11 يومًا"},
		{"ar", 100, "يبقى 100 يوم"},
		{"ar", 103, "تبقى 103 أيام"},
	}
	for _, tc := range tests {
		if got := c.Localizer(tc.lang).N("action.deadline.days", tc.count); got != tc.want {
			t.Errorf("%s: %d days left = %q, want %q", tc.lang, tc.count, got, tc.want)
		}
	}
}

func TestDirection(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": "ltr", "es": "ltr", "fr": "ltr", "ar": "rtl", "xx": "ltr"} {
		if got := c.Dir(lang); got != want {
			t.Errorf("Dir(%q) = %q, want %q", lang, got, want)
		}
	}
	for tag, want := range map[string]string{"ar": "rtl", "fa": "rtl", "he": "rtl", "ur": "rtl", "fr": "ltr", "zh": "ltr", "az-Arab": "rtl"} {
		if got := scriptDir(languageTag(tag)); got != want {
			t.Errorf("scriptDir(%s) = %q, want %q", tag, got, want)
		}
	}
}

func TestLoadOffersTheLanguagesConfigured(t *testing.T) {
	c, err := Load("en", "ar")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Languages(), ","); got != "en,ar" {
		t.Errorf("languages %s, want en,ar", got)
	}
	if c.Has("fr") || c.Match("fr-FR,fr;q=0.9") != "en" {
		t.Error("French is offered though not configured")
	}
	if c.Match("ar-EG,ar;q=0.9") != "ar" {
		t.Error("Arabic is configured but not matched")
	}

	all, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(all.Languages(), ","), "en,ar,es,fr"; got != want {
		t.Errorf("every catalogue: %s, want %s", got, want)
	}

	_, err = Load("en", "de", "fr")
	if err == nil || !strings.Contains(err.Error(), "no catalogue for de") || !strings.Contains(err.Error(), "ar, en, es, fr") {
		t.Errorf("a language without a catalogue: %v", err)
	}
	if _, err = Load("es", "fr"); err == nil || !strings.Contains(err.Error(), "must include en") {
		t.Errorf("languages without the default: %v", err)
	}
}

func languageTag(s string) language.Tag { return language.Make(s) }

func TestLanguageName(t *testing.T) {
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ in, code, want string }{
		{"en", "fr", "French"},
		{"fr", "en", "anglais"},
		{"fr", "fr", "français"},
		{"es", "en", "inglés"},
		{"ar", "en", "الإنجليزية"},
		{"en", "zz-not-a-language!", "zz-not-a-language!"},
	} {
		if got := cat.Localizer(tt.in).LanguageName(tt.code); got != tt.want {
			t.Errorf("%s in %s: %q, want %q", tt.code, tt.in, got, tt.want)
		}
	}
}
