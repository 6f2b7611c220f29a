package admin

import (
	"fmt"
	"html/template"
	"time"

	"vigil/internal/markdown"
	"vigil/internal/model"
)

// funcs are the functions admin templates call.
var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	// eventDate writes an event's date as precisely as it is known:
	// 2025-07-18, 2025-07, 2025; "" when undated.
	"eventDate": func(e model.RecordEvent) string {
		switch e.Precision {
		case model.PrecisionDay:
			return e.Date.Format("2006-01-02")
		case model.PrecisionMonth:
			return e.Date.Format("2006-01")
		case model.PrecisionYear:
			return e.Date.Format("2006")
		}
		return ""
	},
	"markdown": markdown.HTML,
	"amount":   model.FormatAmount,
	"inc":      func(i int) int { return i + 1 },
	"people": func(n int) string {
		if n == 1 {
			return "1 person"
		}
		return fmt.Sprintf("%d people", n)
	},
	// index1 is the i-th value of a repeated form field, "" past the end.
	"index1": func(f *form, name string, i int) string {
		if vs := f.Values(name); i < len(vs) {
			return vs[i]
		}
		return ""
	},
	// stateLabel and stateLink give keys here; each language's
	// templates say them (languageFuncs).
	"stateLabel": stateLabel,
	"stateLink":  stateLink,
	"percent": func(n, of int) int {
		if of <= 0 {
			return 0
		}
		return min(100, n*100/of)
	},
}

// stateLabel names a translation's state for staff: a key of the staff
// catalogues.
func stateLabel(st model.TranslationState) string {
	switch st {
	case model.TranslationMissing:
		return "label.state.missing"
	case model.TranslationOutdated:
		return "label.state.outdated"
	case model.TranslationCurrent:
		return "label.state.current"
	}
	return "label.state.original"
}

// stateLink is what a link to a translation does, for staff who may
// write (and those who may only read): a key of the staff catalogues.
func stateLink(st model.TranslationState, canWrite bool) string {
	switch {
	case !canWrite && st == model.TranslationMissing:
		return "label.link.open"
	case !canWrite:
		return "label.link.read"
	case st == model.TranslationMissing:
		return "label.link.translate"
	case st == model.TranslationOutdated:
		return "label.link.update"
	}
	return "label.link.edit"
}
