package admin

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vigil/internal/i18n"
)

// TestStaffCatalogues fails on a string a staff page or the admin's Go
// code uses that a staff catalogue lacks, and on a staff catalogue that
// lacks a key another has: every staff language ships whole.
func TestStaffCatalogues(t *testing.T) {
	cat, err := i18n.LoadStaff()
	if err != nil {
		t.Fatal(err)
	}
	if langs := cat.Languages(); len(langs) < 2 || langs[0] != "en" || !cat.Has("es") {
		t.Fatalf("staff languages %v, want en first, and es", langs)
	}
	used := map[string]string{}     // key -> where
	prefixes := map[string]string{} // start of keys built from a value -> where
	keyInTemplate := regexp.MustCompile(`\b(?:t|n|th) "([a-z][a-z0-9._-]*[a-z0-9])"`)
	prefixInTemplate := regexp.MustCompile(`print "([a-z][a-z0-9._-]*\.)" `)
	err = fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range keyInTemplate.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = p
		}
		for _, m := range prefixInTemplate.FindAllStringSubmatch(string(b), -1) {
			prefixes[m[1]] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// In Go, every string literal shaped like a staff key: whole
	// ("flash.saved") or the start of keys built from a value
	// ("label.state.").
	keyInGo := regexp.MustCompile(`"((?:error|flash|form|label|nav|role|title)\.[a-z0-9._-]*)"` +
		// and whatever a message is made of, whatever its prefix
		`|\bsay\("([a-z][a-z0-9._-]*)"|\.fail\([^,()]+, "([a-z][a-z0-9._-]*)"`)
	goFiles, _ := filepath.Glob("*.go")
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
				switch {
				case k == "":
				case strings.HasSuffix(k, "."):
					prefixes[k] = f
				default:
					used[k] = f
				}
			}
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; the scan is broken", len(used))
	}
	en := cat.Keys("en")
	for _, lang := range cat.Languages() {
		keys := cat.Keys(lang)
		for k, where := range used {
			if !keys[k] {
				t.Errorf("staff/%s.json lacks %q (used in %s)", lang, k, where)
			}
		}
		for p, where := range prefixes {
			found := false
			for k := range keys {
				found = found || strings.HasPrefix(k, p)
			}
			if !found {
				t.Errorf("staff/%s.json has no key starting %q (built in %s)", lang, p, where)
			}
		}
		for k := range en {
			if !keys[k] {
				t.Errorf("staff/%s.json lacks %q, which en.json has", lang, k)
			}
		}
		for k := range keys {
			if !en[k] {
				t.Errorf("staff/%s.json has %q, which en.json lacks", lang, k)
			}
		}
	}
	// Every role and error status a page may name has its words.
	for _, k := range []string{"role.admin", "role.editor", "role.researcher", "role.viewer"} {
		if !en[k] {
			t.Errorf("staff/en.json lacks %q", k)
		}
	}
}
