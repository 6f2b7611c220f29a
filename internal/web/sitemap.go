package web

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

type urlset struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	XHTML   string       `xml:"xmlns:xhtml,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc        string        `xml:"loc"`
	LastMod    string        `xml:"lastmod,omitempty"`
	Alternates []sitemapLink `xml:"xhtml:link"`
}

type sitemapLink struct {
	Rel      string `xml:"rel,attr"`
	HrefLang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

// sitemap lists every public page in every language it is written or
// translated in, each with those language alternates (as its hreflang
// links).
func (s *Server) sitemap(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cases, err := s.store.PublishedCases(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actions, err := s.store.PublishedActions(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	news, err := s.store.LatestNews(ctx, 0, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	set := urlset{XHTML: "http://www.w3.org/1999/xhtml"}
	add := func(path string, mod time.Time, in []string) {
		var langs, alts []sitemapLink
		for _, lang := range s.cat.Languages() {
			if in == nil || slices.Contains(in, lang) {
				langs = append(langs, sitemapLink{Rel: "alternate", HrefLang: lang, Href: s.baseURL + "/" + lang + path})
			}
		}
		alts = append(slices.Clip(langs), sitemapLink{Rel: "alternate", HrefLang: "x-default", Href: s.baseURL + path})
		for _, l := range langs {
			lang := l.HrefLang
			u := sitemapURL{Loc: s.baseURL + "/" + lang + path, Alternates: alts}
			if !mod.IsZero() {
				u.LastMod = mod.UTC().Format("2006-01-02")
			}
			set.URLs = append(set.URLs, u)
		}
	}
	add("/", time.Time{}, nil)
	add("/news", time.Time{}, nil)
	add("/cases", time.Time{}, nil)
	add("/search", time.Time{}, nil)
	for _, c := range cases {
		add("/cases/"+c.Slug, c.Updated, c.Translations.Languages(c.Lang))
	}
	for _, a := range actions {
		add("/actions/"+a.Slug, a.Published, a.Translations.Languages(a.Lang))
	}
	for _, n := range news {
		add("/news/"+n.Slug, n.Published, n.Translations.Languages(n.Lang))
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	if err := xml.NewEncoder(w).Encode(set); err != nil {
		s.log.Error("sitemap", "err", err)
	}
}

func (s *Server) robots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "User-agent: *\nAllow: /\nDisallow: /share/\nDisallow: /admin/\n")
	for _, lang := range s.cat.Languages() {
		fmt.Fprintf(w, "Disallow: /%s/share/\n", lang)
	}
	fmt.Fprintf(w, "\nSitemap: %s/sitemap.xml\n", s.baseURL)
}

func itoa(n int) string { return strconv.Itoa(n) }
