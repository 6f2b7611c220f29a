package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vigil/internal/i18n"
)

// TestCatalogues fails on a string a page uses that a catalogue lacks, and
// on a catalogue that lacks a key another has: every language ships whole.
// English, Spanish, French and Arabic are all checked.
func TestCatalogues(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if langs := cat.Languages(); len(langs) < 4 || langs[0] != "en" || !cat.Has("es") || !cat.Has("fr") || !cat.Has("ar") {
		t.Fatalf("languages %v, want en first, and es, fr, ar", langs)
	}
	used := map[string]string{} // key -> where
	keyInTemplate := regexp.MustCompile(`\b[tn] "([a-z][a-z0-9._]*[a-z0-9])"`)
	prefixInTemplate := regexp.MustCompile(`print "([a-z][a-z0-9._]*\.)" `)
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range keyInTemplate.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = p
		}
		for _, m := range prefixInTemplate.FindAllStringSubmatch(string(b), -1) {
			// Keys built from a value: the catalogue must have some.
			found := false
			for k := range cat.Keys("en") {
				if strings.HasPrefix(k, m[1]) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s builds keys %s… but no catalogue has one", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Any string literal shaped like a catalogue key, whole ("form.lang")
	// or as the start of keys built from a value ("form.error.required.").
	keyInGo := regexp.MustCompile(`"((?:action|case|email|error|footer|form|home|language|link|mastodon|nav|news|share|site|subscribe|thanks)\.[a-z0-9._-]*)"`)
	goFiles, _ := filepath.Glob("*.go")
	goFiles = append(goFiles, "../i18n/i18n.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyInGo.FindAllStringSubmatch(string(b), -1) {
			for _, k := range m[1:] {
				if k != "" {
					used[k] = f
				}
			}
		}
	}
	for _, k := range []string{"action.kind.petition", "action.kind.appeal", "case.status.active", "case.status.monitoring", "case.status.closed"} {
		used[k] = "model values"
	}
	for m := 1; m <= 12; m++ {
		used["month."+itoa(m)] = "i18n.Date"
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use; the scan is broken", len(used))
	}
	for _, lang := range cat.Languages() {
		keys := cat.Keys(lang)
		for k, where := range used {
			if strings.HasSuffix(k, ".") {
				found := false
				for have := range keys {
					found = found || strings.HasPrefix(have, k)
				}
				if !found {
					t.Errorf("%s.json has no key starting %q (built in %s)", lang, k, where)
				}
				continue
			}
			if !keys[k] {
				t.Errorf("%s.json lacks %q (used in %s)", lang, k, where)
			}
		}
		for k := range cat.Keys("en") {
			if !keys[k] {
				t.Errorf("%s.json lacks %q, which en.json has", lang, k)
			}
		}
		for k := range keys {
			if !cat.Keys("en")[k] {
				t.Errorf("%s.json has %q, which en.json lacks", lang, k)
			}
		}
	}
}
