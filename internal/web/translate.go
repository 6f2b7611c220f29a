package web

import (
	"html/template"
	"slices"

	"vigil/internal/i18n"
	"vigil/internal/model"
)

// Content is shown in the reader's language where it is translated, and
// in its original, marked with its language, where it is not: model's In
// methods choose, field by field. These apply them to lists.

func actionsIn(as []model.Action, lang string) []model.Action {
	out := make([]model.Action, len(as))
	for i, a := range as {
		out[i] = a.In(lang)
	}
	return out
}

func casesIn(cs []model.Case, lang string) []model.Case {
	out := make([]model.Case, len(cs))
	for i, c := range cs {
		out[i] = c.In(lang)
	}
	return out
}

func newsIn(ns []model.NewsArticle, lang string) []model.NewsArticle {
	out := make([]model.NewsArticle, len(ns))
	for i, n := range ns {
		out[i] = n.In(lang)
	}
	return out
}

// langAttr marks an element whose text is in another language than the
// page's: lang, and dir where the direction differs too. Text in the
// page's language needs nothing.
func langAttr(cat *i18n.Catalogue, pageLang string) func(string) template.HTMLAttr {
	return func(lang string) template.HTMLAttr {
		if lang == "" || lang == pageLang {
			return ""
		}
		attr := `lang="` + template.HTMLEscapeString(lang) + `"`
		if d := cat.Dir(lang); d != cat.Dir(pageLang) {
			attr += ` dir="` + d + `"`
		}
		return template.HTMLAttr(attr)
	}
}

// fallback is the note above a record shown in its original because it is
// not translated into the reader's language.
type fallback struct {
	Kind     string // "case", "action", "news": which note
	Language string // the reader's language, named in it
	Original string // the language shown, named in the reader's
	Lang     string // its code
}

// existsIn limits the page's language alternates (hreflang, not the
// language switcher) to the languages its content is written or
// translated in, and notes when the reader's is not one of them.
func (s *Server) existsIn(p *page, kind string, langs []string) {
	for i := range p.Alternates {
		a := &p.Alternates[i]
		a.Missing = a.Lang != "x-default" && !slices.Contains(langs, a.Lang)
	}
	if !slices.Contains(langs, p.Lang) && len(langs) > 0 {
		loc := s.cat.Localizer(p.Lang)
		p.Fallback = &fallback{Kind: kind, Language: loc.LanguageName(p.Lang), Original: loc.LanguageName(langs[0]), Lang: langs[0]}
	}
}
