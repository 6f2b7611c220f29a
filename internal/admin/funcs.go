package admin

import (
	"fmt"
	"html/template"
	"time"

	"vigil/internal/markdown"
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
	"markdown": markdown.HTML,
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
	"percent": func(n, of int) int {
		if of <= 0 {
			return 0
		}
		return min(100, n*100/of)
	},
}
