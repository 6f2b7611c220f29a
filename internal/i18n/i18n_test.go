package i18n

import (
	"fmt"
	"testing"
)

func TestMatchChoosesTheReadersLanguage(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ header, want string }{
		{"", "en"},
		{"es-MX,es;q=0.9,en;q=0.8", "es"},
		{"es", "es"},
		{"en-GB,en;q=0.9", "en"},
		{"fr-FR,fr;q=0.9", "fr"},
		{"ar-EG,ar;q=0.9,en;q=0.5", "ar"},
		{"de-DE,fr;q=0.9,es;q=0.5", "fr"}, // the first language there is
		{"pt-BR,pt;q=0.9", "en"},          // none offered: the default
		{"de;q=0.9,en;q=0.1", "en"},       // English, though the reader prefers German
		{"\x00not a header;;;q=x", "en"},  // nonsense: the default
	}
	for range 2 { // the second time, from what Match remembered
		for _, tc := range tests {
			if got := c.Match(tc.header); got != tc.want {
				t.Errorf("Match(%q) = %q, want %q", tc.header, got, tc.want)
			}
		}
	}

	// Values without end (the header is the client's to choose) are
	// answered, but no more than maxMatched of them are kept.
	for i := range 3 * maxMatched {
		if got := c.Match(fmt.Sprintf("x-%d,es;q=0.5", i)); got != "es" {
			t.Fatalf("Match of value %d = %q, want es", i, got)
		}
	}
	kept := 0
	c.matched.Range(func(_, _ any) bool { kept++; return true })
	if kept > maxMatched {
		t.Errorf("%d values kept, want at most %d", kept, maxMatched)
	}
	if c.Match(fmt.Sprintf("x-%d,es;q=0.5", 3*maxMatched-1)) != "es" {
		t.Error("a value not kept is not matched again")
	}
}

// TestLoadStaff: the staff catalogues load apart from the public ones,
// English first, each language whole, and a language's own name and
// direction are read from it.
func TestLoadStaff(t *testing.T) {
	staff, err := LoadStaff()
	if err != nil {
		t.Fatal(err)
	}
	if langs := staff.Languages(); len(langs) < 2 || langs[0] != Default || !staff.Has("es") {
		t.Fatalf("staff languages %v, want en first, and es", langs)
	}
	if staff.Name("es") != "Español" || staff.Dir("es") != "ltr" {
		t.Errorf("es: %q, %q", staff.Name("es"), staff.Dir("es"))
	}
	if got := staff.Localizer("es").T("nav.dashboard"); got != "Panel" {
		t.Errorf("nav.dashboard in Spanish: %q", got)
	}
	if got := staff.Match("es-MX,es;q=0.9"); got != "es" {
		t.Errorf("Match(es-MX) = %q", got)
	}
	public, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if public.Keys(Default)["nav.dashboard"] || staff.Keys(Default)["home.heading"] {
		t.Error("the staff and public catalogues share strings")
	}
}
