package web

import (
	"encoding/xml"
	"net/http"
	"time"

	"vigil/internal/markdown"
)

// Atom (RFC 4287) documents, only the parts Vigil writes.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Lang      string     `xml:"xml:lang,attr,omitempty"` // when not the feed's
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Link      atomLink   `xml:"link"`
	Summary   string     `xml:"summary,omitempty"`
	Content   atomText   `xml:"content"`
	Category  []atomTerm `xml:"category"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomTerm struct {
	Term string `xml:"term,attr"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, f atomFeed) {
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		s.log.Error("feed", "path", r.URL.Path, "err", err)
	}
}

// newsFeed is the Atom feed of the latest news.
func (s *Server) newsFeed(w http.ResponseWriter, r *http.Request) {
	news, err := s.store.LatestNews(r.Context(), 0, 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rl := languageOf(r)
	loc := s.cat.Localizer(rl.Lang)
	base := s.baseURL + "/" + rl.Lang
	f := atomFeed{
		Lang: rl.Lang, ID: base + "/news.atom", Title: loc.T("site.name") + " · " + loc.T("news.heading"),
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/news.atom"}, {Rel: "alternate", Type: "text/html", Href: base + "/news"}},
		Author: atomAuthor{Name: loc.T("site.name")},
	}
	f.Updated = atomTime(time.Unix(0, 0))
	if len(news) > 0 {
		f.Updated = atomTime(news[0].Published)
	}
	for _, n := range newsIn(news, rl.Lang) {
		link := base + "/news/" + n.Slug
		e := atomEntry{
			Lang: otherThan(n.Lang, rl.Lang),
			ID:   link, Title: n.Title, Updated: atomTime(n.Published), Published: atomTime(n.Published),
			Link: atomLink{Rel: "alternate", Type: "text/html", Href: link}, Summary: n.Summary,
			Content: atomText{Type: "html", Body: string(markdown.HTML(n.Body))},
		}
		for _, t := range n.Tags {
			e.Category = append(e.Category, atomTerm{Term: t})
		}
		f.Entries = append(f.Entries, e)
	}
	s.writeFeed(w, r, f)
}

// caseFeed is the Atom feed of one case's updates, newest first.
func (s *Server) caseFeed(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.CaseBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rl := languageOf(r)
	c = c.In(rl.Lang)
	loc := s.cat.Localizer(rl.Lang)
	page := s.baseURL + "/" + rl.Lang + "/cases/" + c.Slug
	f := atomFeed{
		Lang: rl.Lang, ID: page + "/updates.atom", Title: c.Title + " · " + loc.T("case.updates"),
		Updated: atomTime(c.Updated),
		Links:   []atomLink{{Rel: "self", Type: "application/atom+xml", Href: page + "/updates.atom"}, {Rel: "alternate", Type: "text/html", Href: page}},
		Author:  atomAuthor{Name: loc.T("site.name")},
	}
	for _, u := range c.Updates {
		link := page + "#update-" + itoa(u.Number)
		f.Entries = append(f.Entries, atomEntry{
			Lang: otherThan(u.Lang, rl.Lang),
			ID:   link, Title: u.Title, Updated: atomTime(u.Published), Published: atomTime(u.Published),
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: link},
			Content: atomText{Type: "html", Body: string(markdown.HTML(u.Body))},
		})
	}
	s.writeFeed(w, r, f)
}

// otherThan is lang when it differs from the feed's language, for an
// entry's xml:lang; empty otherwise.
func otherThan(lang, feed string) string {
	if lang == feed {
		return ""
	}
	return lang
}
