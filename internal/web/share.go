package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// shareLinks are plain URLs to share a page: no third-party script, cookie
// or pixel. Signal has no share URL, so the copy-link field serves it.
type shareLinks struct {
	ID       string // distinguishes the copy field when a page has several
	URL      string
	Email    string
	WhatsApp string
	Telegram string
	Mastodon string
	X        string
	Facebook string
}

func (s *Server) shareLinks(r *http.Request, p page, id string) shareLinks {
	loc := s.cat.Localizer(p.Lang)
	link := p.Canonical
	text := p.Title
	q := url.QueryEscape
	return shareLinks{
		ID:       id,
		URL:      link,
		Email:    "mailto:?subject=" + mailtoEscape(text) + "&body=" + mailtoEscape(loc.T("share.email.body")+"\n\n"+link),
		WhatsApp: "https://wa.me/?text=" + q(text+" "+link),
		Telegram: "https://t.me/share/url?url=" + q(link) + "&text=" + q(text),
		Mastodon: p.Prefix + "/share/mastodon?text=" + q(text+" "+link) + "&sig=" + s.keys.Sign("share", []byte(text+" "+link)),
		X:        "https://x.com/intent/post?text=" + q(text) + "&url=" + q(link),
		Facebook: "https://www.facebook.com/sharer/sharer.php?u=" + q(link),
	}
}

// mailtoEscape escapes a mailto header value (RFC 6068): spaces as %20,
// not +, and & and = escaped.
func mailtoEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// hostname accepts a bare host name such as mastodon.social.
var hostname = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)

type mastodonData struct {
	Text     string
	Sig      string
	Instance string
	Link     string
	Error    bool
}

// shareMastodon asks which Mastodon server the supporter uses, then links
// to its share page. Mastodon is many servers, so no single URL fits all.
func (s *Server) shareMastodon(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// Only texts this site wrote: otherwise anyone could make our page
	// show their words and a button to their server.
	if !s.keys.Verify("share", []byte(q.Get("text")), q.Get("sig")) {
		s.errorPage(w, r, http.StatusBadRequest, "link.invalid.title", "link.invalid.text")
		return
	}
	data := mastodonData{Text: limit(q.Get("text"), 500), Sig: q.Get("sig")}
	if v := strings.TrimSpace(q.Get("instance")); v != "" {
		v = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(v), "https://"), "http://")
		v = strings.TrimSuffix(v, "/")
		data.Instance = limit(v, 253)
		if hostname.MatchString(data.Instance) {
			data.Link = "https://" + data.Instance + "/share?text=" + url.QueryEscape(data.Text)
		} else {
			data.Error = true
		}
	}
	loc := s.cat.Localizer(languageOf(r).Lang)
	p := s.newPage(r, loc.T("mastodon.heading"), "")
	p.Data = data
	w.Header().Set("X-Robots-Tag", "noindex")
	status := http.StatusOK
	if data.Error {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "mastodon", p)
}

// limit cuts s to at most n bytes on a rune boundary.
func limit(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
