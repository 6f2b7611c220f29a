package web

import (
	"net/http"
	"slices"
	"strings"

	"vigil/internal/httpx"
	"vigil/internal/model"
)

// Partner sites show an action's form in a frame: /embed/actions/{slug}
// is the form alone, in the reader's language (/es/embed/…), without
// script, posting to this site. Its answers (the form again with its
// messages, the thank-you page, the error pages) stay under /embed/, so
// that they may be framed too; every other page keeps frame-ancestors
// 'none'. Links that leave the form open the full site in a new tab, so
// the partner's page stays where it is.

// embedSource is the source recorded for a participation taken in a frame
// whose partner site is unknown (no Referer) or not allowed to frame.
const embedSource = "embed"

// isEmbedPath reports whether a path (without its language prefix) is one
// of the pages partner sites may frame.
func isEmbedPath(path string) bool { return strings.HasPrefix(path, "/embed/") }

// embedHeaders are the site's headers with a CSP that lets origins (any
// https origin when none) frame the page.
func embedHeaders(site []httpx.Header, origins []string) []httpx.Header {
	policy := httpx.EmbedPolicy(origins)
	out := make([]httpx.Header, len(site))
	for i, h := range site {
		if h.Key == policy.Key {
			h = policy
		}
		out[i] = h
	}
	return out
}

// embedFraming lets the allowed origins frame every answer under /embed/,
// errors included, so that nothing a supporter meets in the frame is
// blocked there. Such a page also varies with the Referer, which names the
// partner (see embedder).
func (s *Server) embedFraming(next http.Handler) http.Handler {
	policy := httpx.EmbedPolicy(s.embedOrigins)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isEmbedPath(r.URL.Path) {
			h := w.Header()
			h[policy.Key] = policy.Value
			addVary(h, "Referer")
		}
		next.ServeHTTP(w, r)
	})
}

// embedder returns the origin of the site that frames an embed page, from
// a URL naming it (the Referer of the frame's first request, which
// browsers send with the partner's origin at least, or the form's source
// field carrying that origin), when that origin may frame the page;
// otherwise "". Only the origin is kept: the partner's page path is none
// of our business.
func (s *Server) embedder(u string) string {
	origin := httpx.OriginOf(u)
	switch {
	case origin == "":
		return ""
	case s.embedOrigins == nil && strings.HasPrefix(origin, "https://"):
		return origin
	case slices.Contains(s.embedOrigins, origin):
		return origin
	}
	return ""
}

// embedData is an action's form in a frame.
type embedData struct {
	Action model.Action
	Panel  panelArgs
}

// embedPage is the form alone, for a partner site's frame. It is kept in
// memory per partner (pageKey.source), since the form carries the
// partner's origin back to us.
func (s *Server) embedPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.ActionBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showEmbedForm(w, r, a, nil, http.StatusOK, s.embedder(r.Referer()))
}

// showEmbedForm renders the form in a frame: empty, or as submitted with
// its messages. embedder is the partner's origin, or "" when unknown.
func (s *Server) showEmbedForm(w http.ResponseWriter, r *http.Request, a model.Action, form *actForm, status int, embedder string) {
	now := s.now()
	rl := languageOf(r)
	langs := a.Translations.Languages(a.Lang)
	a = a.In(rl.Lang)
	p := s.newPage(r, a.Title, a.Summary)
	s.existsIn(&p, "action", langs)
	p.Data = embedData{
		Action: a,
		Panel: panelArgs{Action: a, Prefix: p.Prefix, Now: now, Open: a.IsOpen(now), Full: true, Embed: true,
			Form: formToShow(form, a, rl.Lang), Source: embedder, Countries: countriesIn(rl.Lang),
			Languages: s.languageChoices(), Rendered: now.UnixMilli()},
	}
	if status != http.StatusOK {
		private(w)
	}
	s.render(w, r, status, "embed", p)
}

// embedThanks is the thank-you page in the frame: check your email, the
// count, and a way to the full action page to share it.
func (s *Server) embedThanks(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.ActionBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := languageOf(r).Lang
	a = a.In(lang)
	p := s.newPage(r, s.cat.Localizer(lang).T("thanks.title"), "")
	p.Data = thanksData{Action: a}
	private(w)
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, http.StatusOK, "embed_thanks", p)
}
