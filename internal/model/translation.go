package model

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Kinds of record that can be translated; each is the kind column of a
// translation row.
const (
	KindCase   = "case"
	KindUpdate = "update"
	KindAction = "action"
	KindNews   = "news"
	KindImage  = "image"
)

// Translation is a record's reader-facing texts in another language than
// its own. Everything else (dates, numbers, countries, counts, targets,
// pictures, the slug) is the original's, shared by every language.
type Translation struct {
	Lang string
	// Texts are the translated texts by field name, the same names as the
	// record's Texts ("title", "timeline.0.place", "demand.2", …).
	Texts map[string]string
	// Source is the Fingerprint of the original's texts this translation
	// was made from: when the original changes, the translation is
	// outdated until a translator saves it again.
	Source  string
	Version int // raised by every save; a save of an older version is a conflict
	Saved   time.Time
}

// Translations are a record's translations by language.
type Translations map[string]Translation

// Fingerprint identifies a set of texts: equal texts, equal fingerprints.
func Fingerprint(texts map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(texts)) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(texts[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// TranslationState is how a record stands in one language.
type TranslationState string

// The states of a translation.
const (
	TranslationOriginal TranslationState = "original" // the record is written in it
	TranslationMissing  TranslationState = "missing"  // nobody has translated it
	TranslationOutdated TranslationState = "outdated" // the original changed after the translation was saved
	TranslationCurrent  TranslationState = "current"  // made from the original as it is
)

// StateIn is how a record written in lang with the given texts stands in
// language want.
func (ts Translations) StateIn(lang string, texts map[string]string, want string) TranslationState {
	if want == lang {
		return TranslationOriginal
	}
	t, ok := ts[want]
	if !ok {
		return TranslationMissing
	}
	if t.Source != Fingerprint(texts) {
		return TranslationOutdated
	}
	return TranslationCurrent
}

// pick returns the language to show a record written in lang to a reader
// of want, and its translation there (nil for the original).
func (ts Translations) pick(lang, want string) (string, map[string]string) {
	if want == lang {
		return lang, nil
	}
	if t, ok := ts[want]; ok {
		return want, t.Texts
	}
	return lang, nil
}

// Languages are the languages a record written in lang can be read in: its
// own first, then its translations in alphabetical order.
func (ts Translations) Languages(lang string) []string {
	out := []string{lang}
	for _, l := range slices.Sorted(maps.Keys(ts)) {
		if l != lang {
			out = append(out, l)
		}
	}
	return out
}

// or returns the translated text of a field when there is one, the
// original otherwise: a field added after the translation was made shows
// in the original until a translator catches up.
func or(texts map[string]string, field, original string) string {
	if t := texts[field]; t != "" {
		return t
	}
	return original
}

func timelineField(i int, name string) string { return "timeline." + strconv.Itoa(i) + "." + name }
func demandField(i int) string                { return "demand." + strconv.Itoa(i) }
func consentField(key string) string          { return "consent." + key }

// Texts are a case's own texts by field name: title, summary, body, each
// timeline event's title, body and place (by position, oldest first) and
// each demand (by position). Updates, actions and pictures are translated
// on their own.
func (c Case) Texts() map[string]string {
	t := map[string]string{"title": c.Title, "summary": c.Summary, "body": c.Body}
	for i, e := range c.Timeline {
		t[timelineField(i, "title")] = e.Title
		t[timelineField(i, "body")] = e.Body
		t[timelineField(i, "place")] = e.Place
	}
	for i, d := range c.Demands {
		t[demandField(i)] = d.Text
	}
	// Only when written: a case without figures keeps the fingerprint
	// its translations were made from.
	if c.FiguresIntro != "" {
		t["figures_intro"] = c.FiguresIntro
	}
	return t
}

// In is the case as a reader of lang sees it: its texts, its updates',
// actions' and picture's in lang where translated, the original's where
// not. Lang, of the case and of each update and action, is the language
// its texts are then in.
func (c Case) In(lang string) Case {
	shown, texts := c.Translations.pick(c.Lang, lang)
	out := c
	out.Lang = shown
	if texts != nil {
		out.Title = or(texts, "title", c.Title)
		out.Summary = or(texts, "summary", c.Summary)
		out.Body = or(texts, "body", c.Body)
		out.FiguresIntro = or(texts, "figures_intro", c.FiguresIntro)
		out.Timeline = slices.Clone(c.Timeline)
		for i := range out.Timeline {
			e := &out.Timeline[i]
			e.Title = or(texts, timelineField(i, "title"), e.Title)
			e.Body = or(texts, timelineField(i, "body"), e.Body)
			e.Place = or(texts, timelineField(i, "place"), e.Place)
		}
		out.Demands = slices.Clone(c.Demands)
		for i := range out.Demands {
			out.Demands[i].Text = or(texts, demandField(i), out.Demands[i].Text)
		}
	}
	if c.Updates != nil {
		out.Updates = make([]Update, len(c.Updates))
		for i, u := range c.Updates {
			if u.Lang == "" {
				u.Lang = c.Lang
			}
			out.Updates[i] = u.In(lang)
		}
	}
	if c.Actions != nil {
		out.Actions = make([]Action, len(c.Actions))
		for i, a := range c.Actions {
			out.Actions[i] = a.In(lang)
		}
	}
	out.Image = c.Image.In(lang)
	return out
}

// Texts are an update's texts by field name: title and body.
func (u Update) Texts() map[string]string {
	return map[string]string{"title": u.Title, "body": u.Body}
}

// In is the update as a reader of lang sees it; Lang is the language of
// its texts then.
func (u Update) In(lang string) Update {
	shown, texts := u.Translations.pick(u.Lang, lang)
	u.Lang = shown
	if texts != nil {
		u.Title = or(texts, "title", u.Title)
		u.Body = or(texts, "body", u.Body)
	}
	return u
}

// Texts are an action's texts by field name: title, summary, body, the
// closing text and each consent request's text ("consent.updates"). The
// model letter is translated on its own (Letters).
func (a Action) Texts() map[string]string {
	t := map[string]string{"title": a.Title, "summary": a.Summary, "body": a.Body, "closing": a.ClosingText}
	for _, c := range a.Consents {
		t[consentField(c.Key)] = c.Text
	}
	return t
}

// In is the action as a reader of lang sees it; Lang is the language of
// its texts then. Its letter stays as it is: LetterIn chooses it.
func (a Action) In(lang string) Action {
	shown, texts := a.Translations.pick(a.Lang, lang)
	out := a
	out.Lang = shown
	if texts != nil {
		out.Title = or(texts, "title", a.Title)
		out.Summary = or(texts, "summary", a.Summary)
		out.Body = or(texts, "body", a.Body)
		out.ClosingText = or(texts, "closing", a.ClosingText)
		out.Consents = slices.Clone(a.Consents)
		for i := range out.Consents {
			c := &out.Consents[i]
			c.Text = or(texts, consentField(c.Key), c.Text)
		}
	}
	out.Image = a.Image.In(lang)
	return out
}

// Texts are an article's texts by field name: title, summary and body.
func (n NewsArticle) Texts() map[string]string {
	return map[string]string{"title": n.Title, "summary": n.Summary, "body": n.Body}
}

// In is the article as a reader of lang sees it; Lang is the language of
// its texts then.
func (n NewsArticle) In(lang string) NewsArticle {
	shown, texts := n.Translations.pick(n.Lang, lang)
	n.Lang = shown
	if texts != nil {
		n.Title = or(texts, "title", n.Title)
		n.Summary = or(texts, "summary", n.Summary)
		n.Body = or(texts, "body", n.Body)
	}
	n.Image = n.Image.In(lang)
	return n
}

// Texts are a picture's texts by field name: its description ("alt").
func (img *Image) Texts() map[string]string {
	return map[string]string{"alt": img.Alt}
}

// In is the picture with its description in lang where translated. A
// picture has no language of its own: its description is read as the
// record it illustrates.
func (img *Image) In(lang string) *Image {
	if img == nil {
		return nil
	}
	t, ok := img.Translations[lang]
	if !ok || t.Texts["alt"] == "" {
		return img
	}
	out := *img
	out.Alt = t.Texts["alt"]
	return &out
}
