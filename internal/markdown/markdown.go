// Package markdown turns the Markdown that staff write into HTML that is
// safe to put on a public page.
package markdown

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

var (
	// Raw HTML passes goldmark so that the policy below, and only the
	// policy, decides what stays: one gate, tested on its own.
	md = goldmark.New(
		goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.Table),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	policy = newPolicy()
)

// newPolicy allows the formatting staff use and nothing that runs or loads:
// no script, style, event handler, iframe, form or image (pictures come
// through the media library, with alt text); links only to http, https and
// mailto, with rel="nofollow noreferrer".
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").OnElements("abbr", "a")
	p.AllowElements("p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s", "sub", "sup",
		"blockquote", "q", "cite", "ul", "ol", "li", "dl", "dt", "dd", "code", "pre", "kbd", "abbr",
		"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "figure", "figcaption")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("align").Matching(bluemonday.CellAlign).OnElements("th", "td")
	return p
}

// HTML renders src as sanitised HTML.
func HTML(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors; a bytes.Buffer has none.
		return ""
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised above
}
