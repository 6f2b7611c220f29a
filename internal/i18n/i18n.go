// Package i18n holds Vigil's interface strings, one embedded JSON catalogue
// per language, and chooses a language for each request.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
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
	keys     map[string]map[string]bool
	// localizers caches one Localizer per language.
	localizers sync.Map
}

// Load reads the embedded catalogues.
func Load() (*Catalogue, error) {
	c := &Catalogue{bundle: i18n.NewBundle(language.English), names: map[string]string{}, keys: map[string]map[string]bool{}}
	c.bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(locales, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := locales.ReadFile(f)
		if err != nil {
			return nil, err
		}
		mf, err := c.bundle.ParseMessageFileBytes(data, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		code := strings.TrimSuffix(path.Base(f), ".json")
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
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
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

// Date writes a calendar date the way the language does ("16 March 2025",
// "16 de marzo de 2025").
func (l *Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return l.T("date.long", "Day", t.Day(), "Month", l.T(fmt.Sprintf("month.%d", int(t.Month()))), "Year", t.Year())
}

// Number writes an integer with the language's thousands separator.
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
