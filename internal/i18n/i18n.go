// Package i18n holds Vigil's interface strings, one embedded JSON catalogue
// per language, and chooses a language for each request.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

//go:embed locales/*.json
var locales embed.FS

// Default is the language used when nothing else matches.
const Default = "en"

// Catalogue is every language's strings.
type Catalogue struct {
	bundle   *i18n.Bundle
	langs    []string // Default first, then alphabetical
	matcher  language.Matcher
	matched  sync.Map          // Accept-Language value -> language code (Match)
	nMatched atomic.Int64      // values offered to matched
	names    map[string]string // language code -> its own name ("Español")
	dirs     map[string]string // language code -> "ltr" or "rtl"
	keys     map[string]map[string]bool
	// localizers caches one Localizer per language.
	localizers sync.Map
}

// Load reads the embedded catalogues of the languages a site offers: every
// one when offer is empty, else those named, which must include Default.
// A language named without a catalogue is refused, with the ones there are.
func Load(offer ...string) (*Catalogue, error) {
	wanted := map[string]bool{}
	for _, l := range offer {
		wanted[l] = true
	}
	if len(offer) > 0 {
		var unknown []string
		for _, l := range offer {
			if !slices.Contains(Available(), l) {
				unknown = append(unknown, l)
			}
		}
		if len(unknown) > 0 {
			return nil, fmt.Errorf("i18n: no catalogue for %s (there are %s); a language is offered once internal/i18n/locales/CODE.json exists",
				strings.Join(unknown, ", "), strings.Join(Available(), ", "))
		}
		if !wanted[Default] {
			return nil, fmt.Errorf("i18n: the languages offered must include %s, which fills any string another catalogue lacks", Default)
		}
	}
	return parse(locales, "locales/*.json", wanted)
}

//go:embed staff/*.json
var staffLocales embed.FS

// LoadStaff reads every catalogue of the staff pages (internal/i18n/staff);
// each staff member reads the admin in one of them, whatever languages the
// public site offers. They are apart from the public ones so that the
// site's catalogues need not carry the admin's strings, and a staff
// language can be added on its own. English fills any string another
// lacks.
func LoadStaff() (*Catalogue, error) {
	c, err := parse(staffLocales, "staff/*.json", nil)
	if err != nil {
		return nil, err
	}
	if !c.Has(Default) {
		return nil, fmt.Errorf("i18n: staff/%s.json is missing; it fills any string another staff catalogue lacks", Default)
	}
	return c, nil
}

// parse reads the catalogues that pattern finds in fsys: those wanted, or
// every one when wanted is empty.
func parse(fsys embed.FS, pattern string, wanted map[string]bool) (*Catalogue, error) {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	c := &Catalogue{bundle: i18n.NewBundle(language.English), names: map[string]string{}, dirs: map[string]string{}, keys: map[string]map[string]bool{}}
	c.bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, f := range files {
		code := strings.TrimSuffix(path.Base(f), ".json")
		if len(wanted) > 0 && !wanted[code] {
			continue
		}
		data, err := fsys.ReadFile(f)
		if err != nil {
			return nil, err
		}
		mf, err := c.bundle.ParseMessageFileBytes(data, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		keys := map[string]bool{}
		for _, m := range mf.Messages {
			keys[m.ID] = true
		}
		c.keys[code] = keys
		c.langs = append(c.langs, code)
	}
	sort.Slice(c.langs, func(i, j int) bool {
		if (c.langs[i] == Default) != (c.langs[j] == Default) {
			return c.langs[i] == Default
		}
		return c.langs[i] < c.langs[j]
	})
	tags := make([]language.Tag, len(c.langs))
	for i, l := range c.langs {
		tags[i] = language.Make(l)
		c.names[l] = c.Localizer(l).T("language.name")
		// Templates read the direction from the catalogue ({{t
		// "language.dir"}}); it must agree with the language's script, so
		// a catalogue copied from another cannot set Arabic left to right.
		dir := c.Localizer(l).T("language.dir")
		if want := scriptDir(tags[i]); dir != want {
			return nil, fmt.Errorf("i18n: %s: language.dir is %q, but %s is written %s", path.Join(path.Dir(pattern), l+".json"), dir, l, want)
		}
		c.dirs[l] = dir
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Available lists the language codes that have an embedded catalogue, in
// alphabetical order.
func Available() []string {
	files, _ := fs.Glob(locales, "locales/*.json")
	codes := make([]string, len(files))
	for i, f := range files {
		codes[i] = strings.TrimSuffix(path.Base(f), ".json")
	}
	return codes
}

// rightToLeft are the scripts written from right to left that a language
// Vigil might one day offer is likely to use.
var rightToLeft = map[string]bool{"Adlm": true, "Arab": true, "Hebr": true, "Mand": true, "Nkoo": true, "Rohg": true, "Samr": true, "Syrc": true, "Thaa": true}

// scriptDir is "rtl" for a language usually written in a right-to-left
// script (ar, fa, he, ur…), else "ltr".
func scriptDir(tag language.Tag) string {
	script, _ := tag.Script()
	if rightToLeft[script.String()] {
		return "rtl"
	}
	return "ltr"
}

// Languages lists the language codes that have a catalogue, Default first.
func (c *Catalogue) Languages() []string { return c.langs }

// Has reports whether lang has a catalogue.
func (c *Catalogue) Has(lang string) bool {
	_, ok := c.keys[lang]
	return ok
}

// Keys returns the message IDs of one language's catalogue.
func (c *Catalogue) Keys(lang string) map[string]bool { return c.keys[lang] }

// Name is a language's name in itself ("English", "Español").
func (c *Catalogue) Name(lang string) string { return c.names[lang] }

// Dir is the direction a language is written in, "ltr" or "rtl", as the
// HTML dir attribute wants it.
func (c *Catalogue) Dir(lang string) string {
	if d, ok := c.dirs[lang]; ok {
		return d
	}
	return "ltr"
}

// Match picks the best language for an Accept-Language header. Browsers
// send a few distinct values, and matching one costs microseconds, so the
// answers for up to maxMatched values of sensible length are remembered.
func (c *Catalogue) Match(acceptLanguage string) string {
	if acceptLanguage == "" {
		return Default
	}
	if l, ok := c.matched.Load(acceptLanguage); ok {
		return l.(string)
	}
	l := c.match(acceptLanguage)
	if len(acceptLanguage) <= 128 && c.nMatched.Add(1) <= maxMatched {
		c.matched.Store(acceptLanguage, l)
	}
	return l
}

// maxMatched bounds the Accept-Language values Match remembers: the header
// is the client's to choose.
const maxMatched = 1000

func (c *Catalogue) match(acceptLanguage string) string {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return Default
	}
	_, index, conf := c.matcher.Match(prefs...)
	if conf == language.No {
		return Default
	}
	return c.langs[index]
}

// Localizer gives one language's strings.
type Localizer struct {
	Lang  string
	loc   *i18n.Localizer
	plain *sync.Map // key -> string, for messages looked up without arguments
}

// Localizer returns the strings of lang, falling back to Default for any
// missing key. Localizers of one language share their cache.
func (c *Catalogue) Localizer(lang string) *Localizer {
	if l, ok := c.localizers.Load(lang); ok {
		return l.(*Localizer)
	}
	l := &Localizer{Lang: lang, loc: i18n.NewLocalizer(c.bundle, lang, Default), plain: &sync.Map{}}
	actual, _ := c.localizers.LoadOrStore(lang, l)
	return actual.(*Localizer)
}

// T translates key. args are name/value pairs for the message's template:
// T("count.people", "Count", 252). Messages without arguments are looked
// up once.
func (l *Localizer) T(key string, args ...any) string {
	if len(args) == 0 {
		if v, ok := l.plain.Load(key); ok {
			return v.(string)
		}
		v := l.localize(key, nil, nil)
		l.plain.Store(key, v)
		return v
	}
	return l.localize(key, nil, args)
}

// N translates key in the plural form that fits count; the message sees
// count as {{.Count}}.
func (l *Localizer) N(key string, count int, args ...any) string {
	return l.localize(key, count, append([]any{"Count", count}, args...))
}

func (l *Localizer) localize(key string, count any, args []any) string {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = args[i+1]
		}
	}
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if err != nil {
		// A missing key is caught by the catalogue tests; show the key
		// rather than nothing.
		return key
	}
	return s
}

// LanguageName is the name of a language in this localizer's language
// ("anglais" in French, "inglés" in Spanish), its code when unknown.
func (l *Localizer) LanguageName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := display.Languages(language.Make(l.Lang)).Name(tag); n != "" {
		return n
	}
	return code
}

// Date writes a calendar date the way the language does ("16 March 2025",
// "16 de marzo de 2025", "1er mars 2025", "16 مارس 2025"): the catalogue's
// date.long arranges Day, Month (its month.N) and Year.
//
// Every language writes its digits 0-9, Arabic included. CLDR's ar
// prefers Arabic-Indic digits (١٦), but ar-MA, ar-DZ and ar-TN use these,
// and one page mixes numbers from many sources: counts formatted here, and
// figures in stories, letters, places and percentages written by editors or
// passed straight to a message's template. Only one digit system can make
// them all agree, and it is the one editors type.
func (l *Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return l.T("date.long", "Day", t.Day(), "Month", l.T(fmt.Sprintf("month.%d", int(t.Month()))), "Year", t.Year())
}

// Number writes an integer with the language's thousands separator
// (number.thousands: "," in English and Arabic, "." in Spanish, a narrow
// no-break space in French), in the digits Date uses.
func (l *Localizer) Number(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + l.Number(-n)
	}
	sep := l.T("number.thousands")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Money writes an amount in minor units of a currency (a lower-case ISO
// 4217 code with two decimals) as the language writes money
// (money.format arranges Symbol and Amount; number.decimal separates the
// cents, shown only when there are some): "€25", "25,50 €".
func (l *Localizer) Money(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	amount := l.Number(int(minor / 100))
	if cents := minor % 100; cents != 0 {
		amount += l.T("number.decimal") + fmt.Sprintf("%02d", cents)
	}
	symbol := l.T("currency." + strings.ToLower(currency))
	if symbol == "currency."+strings.ToLower(currency) {
		symbol = strings.ToUpper(currency)
	}
	return sign + l.T("money.format", "Symbol", symbol, "Amount", amount)
}
