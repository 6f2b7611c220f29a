// Package markdown turns the Markdown that staff write into HTML that is
// safe to put on a public page.
package markdown

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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

// HTML renders src as sanitised HTML in which every element is closed and
// no end tag is left over, so that it cannot reach into the page around it.
func HTML(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors; a bytes.Buffer has none.
		return ""
	}
	return template.HTML(balance(policy.SanitizeBytes(buf.Bytes()))) //nolint:gosec // sanitised above
}

// balance parses sanitised HTML as the content of a <div>, as a browser
// would, tidies what the parser's error recovery leaves, and writes it out
// again.
//
// bluemonday filters tags one at a time: it keeps the start tag of an
// element never closed (an <a> left open in a news body made the page's own
// Share heading a link, as browsers carry open formatting elements on) and
// end tags that close nothing here, such as </main>, which would close the
// page's. The parser closes what is open at the end, drops stray end tags
// and mends misnested ones, and a tree written out is balanced. It adds no
// element the policy would refuse (the tests check), so the result stays
// sanitised.
func balance(sanitised []byte) string {
	nodes, err := xhtml.ParseFragment(bytes.NewReader(sanitised), &xhtml.Node{Type: xhtml.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "" // only a reader error, and a bytes.Reader has none
	}
	root := &xhtml.Node{Type: xhtml.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	tidy(root)
	var b strings.Builder
	for n := range root.ChildNodes() {
		if err := xhtml.Render(&b, n); err != nil {
			return "" // only for trees the parser does not build
		}
	}
	return b.String()
}

// formatting lists the allowed elements that the HTML parser reopens after
// a block ends when they were left open ("active formatting elements").
var formatting = map[atom.Atom]bool{atom.A: true, atom.B: true, atom.Code: true, atom.Em: true, atom.I: true,
	atom.S: true, atom.Strong: true}

// itemsOf lists what each kind of list may hold.
var itemsOf = map[atom.Atom]map[atom.Atom]bool{
	atom.Ul: {atom.Li: true},
	atom.Ol: {atom.Li: true},
	atom.Dl: {atom.Dt: true, atom.Dd: true},
}

// itemFor is the item that wraps other content found in a list.
var itemFor = map[atom.Atom]string{atom.Ul: "li", atom.Ol: "li", atom.Dl: "dd"}

// tidy undoes what the parser's error recovery leaves that a browser would
// read differently in the page, or that assistive technology stumbles on:
// formatting elements it reopened around nothing but white space (an empty
// link), list items outside a list (an <li> would close the page's own list
// item around a timeline event), and anything else held directly by a list.
func tidy(n *xhtml.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		tidy(c)
		if c.Type == xhtml.ElementNode {
			_, inList := itemFor[n.DataAtom]
			switch {
			case formatting[c.DataAtom] && blank(c):
				unwrap(c)
			case (c.DataAtom == atom.Li || c.DataAtom == atom.Dt || c.DataAtom == atom.Dd) && !itemsOf[n.DataAtom][c.DataAtom]:
				unwrap(c)
			case inList && formatting[c.DataAtom]:
				unwrap(c) // its content is tidied below, as the list's
			}
		}
		c = next
	}
	if items, isList := itemsOf[n.DataAtom]; isList {
		// Anything but items and white space goes into an item of its own.
		var item *xhtml.Node
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == xhtml.ElementNode && items[c.DataAtom] || c.Type == xhtml.TextNode && strings.TrimSpace(c.Data) == "" {
				item = nil
			} else {
				if item == nil {
					item = &xhtml.Node{Type: xhtml.ElementNode, Data: itemFor[n.DataAtom], DataAtom: atom.Lookup([]byte(itemFor[n.DataAtom]))}
					n.InsertBefore(item, c)
				}
				n.RemoveChild(c)
				item.AppendChild(c)
			}
			c = next
		}
	}
}

// blank reports whether an element holds nothing but white space.
func blank(n *xhtml.Node) bool {
	for c := range n.ChildNodes() {
		if c.Type != xhtml.TextNode || strings.TrimSpace(c.Data) != "" {
			return false
		}
	}
	return true
}

// unwrap replaces an element by its children.
func unwrap(n *xhtml.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		n.Parent.InsertBefore(c, n)
		c = next
	}
	n.Parent.RemoveChild(n)
}

// PlainText is the words of src as a reader sees them once rendered,
// without markup: what search indexes and quotes. Blocks and line breaks
// become spaces.
func PlainText(src string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(string(HTML(src))))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case xhtml.TextToken:
			b.Write(z.Text())
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			if name, _ := z.TagName(); !inline[string(name)] {
				b.WriteByte(' ')
			}
		}
	}
}

// inline elements run on within a word's line: no space is put for them.
var inline = map[string]bool{"a": true, "strong": true, "em": true, "b": true, "i": true, "del": true, "s": true,
	"sub": true, "sup": true, "code": true, "kbd": true, "abbr": true, "q": true, "cite": true}
