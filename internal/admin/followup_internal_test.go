package admin

import (
	"testing"

	"vigil/internal/i18n"
)

// TestFollowUpTitle: a follow-up is titled in its case's language and
// numbered from the second on.
func TestFollowUpTitle(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, reference, caseTitle string
		n                          int
		want                       string
	}{
		{"en", "UA 28/25", "Men expelled", 1, "UA 28/25 — further information"},
		{"en", "UA 28/25", "Men expelled", 2, "UA 28/25 — further information 2"},
		{"es", "AU 28/25", "Hombres expulsados", 1, "AU 28/25 — información adicional"},
		{"fr", "", "Hommes expulsés", 3, "Hommes expulsés — complément d’information 3"},
		{"ar", "UA 28/25", "", 1, "UA 28/25 — معلومات إضافية"},
	} {
		if got := followUpTitle(cat.Localizer(tc.lang), tc.reference, tc.caseTitle, tc.n); got != tc.want {
			t.Errorf("%s, %q, %q, %d: %q, want %q", tc.lang, tc.reference, tc.caseTitle, tc.n, got, tc.want)
		}
	}
}
