package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"vigil/internal/i18n"
	"vigil/internal/markdown"
	"vigil/internal/model"
)

//go:embed templates
var templateFS embed.FS

// views holds every page's template: one set per language, parsed once at
// start, with that language's functions bound.
type views struct {
	sets map[string]*template.Template // lang -> layout, partials and pages
}

// parseViews parses templates/layout.html, templates/partials/*.html and
// every page of templates/pages into one set per language. A page file
// defines "page:NAME"; the layout places it with {{content .}}. One set
// keeps a single parse of the layout and the partials, which every page
// shares: they are most of the templates, and live for as long as the
// server, so the garbage collector walks them on every cycle.
func parseViews(cat *i18n.Catalogue, a *assets) (*views, error) {
	v := &views{sets: map[string]*template.Template{}}
	for _, lang := range cat.Languages() {
		funcs := templateFuncs(cat.Localizer(lang), a)
		for k, f := range partialFuncs(lang, cat) {
			funcs[k] = f
		}
		var set *template.Template
		funcs["content"] = func(p page) (template.HTML, error) {
			var b strings.Builder
			err := set.ExecuteTemplate(&b, "page:"+p.view, p)
			return template.HTML(b.String()), err
		}
		set, err := template.New("layout").Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/embed_layout.html", "templates/partials/*.html", "templates/pages/*.html")
		if err != nil {
			return nil, fmt.Errorf("templates (%s): %w", lang, err)
		}
		v.sets[lang] = set
	}
	return v, nil
}

// templateFuncs are the functions templates call; the text ones speak the
// localizer's language.
func templateFuncs(l *i18n.Localizer, a *assets) template.FuncMap {
	return template.FuncMap{
		"t":      l.T,
		"n":      l.N,
		"date":   l.Date,
		"number": l.Number,
		// minFigureGroup is the smallest group a public figure counts.
		"minFigureGroup": func() int { return model.MinFigureGroup },
		"isodate": func(t time.Time) string {
			return t.UTC().Format("2006-01-02")
		},
		"country": func(code string) string {
			region, err := language.ParseRegion(code)
			if err != nil {
				return code
			}
			if name := display.Regions(language.Make(l.Lang)).Name(region); name != "" {
				return name
			}
			return code
		},
		"static": a.url,
		// lines splits text typed in a textarea (an address) into lines.
		"lines": func(s string) []string {
			var out []string
			for line := range strings.Lines(s) {
				if line = strings.TrimSpace(line); line != "" {
					out = append(out, line)
				}
			}
			return out
		},
		"markdown": markdown.HTML,
		"srcset":   srcset,
		"imgsrc":   imageURL,
		"deadline": func(t time.Time, now time.Time) string {
			days := int(t.Sub(now).Hours() / 24)
			if days < 1 {
				return l.T("action.deadline.today")
			}
			return l.N("action.deadline.days", days)
		},
		"add": func(a, b int) int { return a + b },
	}
}

// imageURL is the URL of one variant of an image; width 0 asks for the
// largest.
func imageURL(img *model.Image, width int) string {
	if img == nil || len(img.Widths) == 0 {
		return ""
	}
	if width == 0 {
		width = img.Widths[len(img.Widths)-1]
	}
	// The smallest variant at least as wide as asked for.
	chosen := img.Widths[len(img.Widths)-1]
	for _, w := range img.Widths {
		if w >= width {
			chosen = w
			break
		}
	}
	return "/media/" + img.PublicID + "/" + strconv.Itoa(chosen) + "." + img.Format
}

// srcset lists every variant of an image with its width.
func srcset(img *model.Image) string {
	if img == nil {
		return ""
	}
	parts := make([]string, len(img.Widths))
	for i, w := range img.Widths {
		parts[i] = fmt.Sprintf("/media/%s/%d.%s %dw", img.PublicID, w, img.Format, w)
	}
	return strings.Join(parts, ", ")
}

// page is what the layout needs; Data is the page's own content.
type page struct {
	Lang        string
	Prefix      string // language prefix for links: "" or "/es"
	Path        string // the path without prefix
	Title       string // without the site name
	Description string
	Canonical   string // absolute URL in this language
	OGType      string
	Image       *model.Image
	ImageURL    string // absolute
	Feed        string // an Atom feed to announce, path without prefix
	Alternates  []alternate
	Fallback    *fallback // the content is not in the reader's language
	Now         time.Time
	BaseURL     string
	Embed       bool   // in a partner's frame (/embed/…): the embed layout, links out open a new tab
	Donate      string // where the header's Donate link goes; "": no link
	Data        any
	view        string // the page's template ("case" for page:case), set by render
}

// alternate is a language version of the page.
type alternate struct {
	Lang    string // hreflang; "x-default" for the unprefixed URL
	Name    string // the language's own name
	URL     string // absolute
	Href    string // relative, for the language switcher
	Current bool
	Missing bool // the page's content is not in this language
}

// newPage fills what every page shares from the request.
func (s *Server) newPage(r *http.Request, title, description string) page {
	rl := languageOf(r)
	p := page{
		Lang: rl.Lang, Prefix: rl.Prefix, Path: r.URL.Path,
		Title: title, Description: description, OGType: "website",
		Now: s.now(), BaseURL: s.baseURL, Embed: isEmbedPath(r.URL.Path), Donate: s.donateLink(rl.Prefix),
	}
	for _, lang := range s.cat.Languages() {
		href := "/" + lang + p.Path
		p.Alternates = append(p.Alternates, alternate{
			Lang: lang, Name: s.cat.Name(lang), URL: s.baseURL + href, Href: href, Current: lang == rl.Lang,
		})
		if lang == rl.Lang {
			p.Canonical = s.baseURL + href
		}
	}
	p.Alternates = append(p.Alternates, alternate{Lang: "x-default", URL: s.baseURL + p.Path})
	return p
}

// withQuery adds a query string (with its "?") to the page's language
// links, and to its canonical URL and hreflang links when canonical is
// set: a filtered list is a page of its own, a search's results are not.
func (p *page) withQuery(query string, canonical bool) {
	if query == "" {
		return
	}
	for i := range p.Alternates {
		a := &p.Alternates[i]
		if a.Href != "" {
			a.Href += query
		}
		if canonical {
			a.URL += query
		}
	}
	if canonical && p.Canonical != "" {
		p.Canonical += query
	}
}

// withImage sets the page's preview image for link previews.
func (p *page) withImage(img *model.Image) {
	if img == nil {
		return
	}
	p.Image = img
	p.ImageURL = p.BaseURL + imageURL(img, 1200)
}

// render writes a page with the given status. Rendering goes to a buffer
// first so a template error becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.views.sets[p.Lang]
	if !ok || t.Lookup("page:"+name) == nil {
		s.serverError(w, r, fmt.Errorf("no template %q", name))
		return
	}
	p.view = name
	layout := "layout"
	if p.Embed {
		layout = "embed_layout"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layout, p); err != nil {
		s.log.Error("render", "page", name, "err", err)
		if name != "error" {
			s.serverError(w, r, err)
		} else {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the content of the 404, 405 and 500 pages.
type errorPage struct {
	Status  int
	Heading string
	Message string
	Back    string // in a frame: the form to go back to, if any
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, headingKey, messageKey string) {
	loc := s.cat.Localizer(languageOf(r).Lang)
	p := s.newPage(r, loc.T(headingKey), "")
	// An error page is no page of its own: no canonical URL, no
	// language versions to announce; the switcher still works.
	p.Canonical = ""
	data := errorPage{Status: status, Heading: loc.T(headingKey), Message: loc.T(messageKey)}
	// In a frame, a refused or failed form leads back to itself, since
	// the site's other pages may not be framed.
	if rest, ok := strings.CutPrefix(p.Path, "/embed/actions/"); ok && status != http.StatusNotFound {
		if slug, _, _ := strings.Cut(rest, "/"); slug != "" {
			data.Back = p.Prefix + "/embed/actions/" + slug
		}
	}
	p.Data = data
	private(w)
	s.render(w, r, status, "error", p)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "error.notfound.title", "error.notfound.text")
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusMethodNotAllowed, "error.method.title", "error.method.text")
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("server error", "method", r.Method, "path", r.URL.Path, "err", err)
	s.errorPage(w, r, http.StatusInternalServerError, "error.server.title", "error.server.text")
}
