package web

import (
	"net/http"

	"vigil/internal/notify"
)

// routes lists every public route. Each is served with and without a
// language prefix (/es/cases/…): see withLanguage.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	// Public pages marked cached are served from memory (see cache.go).
	mux.HandleFunc("GET /{$}", s.cached(s.home))
	mux.HandleFunc("GET /cases", s.cached(s.casesList))
	mux.HandleFunc("GET /cases/{slug}", s.cached(s.casePage))
	mux.HandleFunc("GET /cases/{slug}/updates.atom", s.cached(s.caseFeed))
	mux.HandleFunc("GET /actions/{slug}", s.cached(s.actionPage))
	mux.HandleFunc("POST /actions/{slug}", s.act)
	mux.HandleFunc("GET /actions/{slug}/thanks", s.thanks)
	// The form alone, for partner sites to show in a frame (embed.go).
	mux.HandleFunc("GET /embed/actions/{slug}", s.cached(s.embedPage))
	mux.HandleFunc("POST /embed/actions/{slug}", s.actEmbedded)
	mux.HandleFunc("GET /embed/actions/{slug}/thanks", s.embedThanks)
	for _, purpose := range []string{notify.PurposeConfirm, notify.PurposeSubscribe, notify.PurposeNotMe, notify.PurposeUnsubscribe} {
		mux.HandleFunc("GET /"+purpose+"/{token}", s.emailLink(purpose))
		mux.HandleFunc("POST /"+purpose+"/{token}", s.emailLink(purpose))
	}
	// Giving through Stripe's hosted Checkout (donate.go): recorded from
	// the signed webhook alone.
	mux.HandleFunc("GET /donate", s.donatePage)
	mux.HandleFunc("POST /donate", s.donate)
	mux.HandleFunc("GET /donate/thanks", s.donateThanks)
	mux.HandleFunc("GET /donate/stop/{token}", s.stopGift)
	mux.HandleFunc("POST /donate/stop/{token}", s.stopGift)
	mux.HandleFunc("POST /webhooks/stripe", s.stripeWebhook)
	// A supporter's own data (privacy.go): the page and its two forms,
	// the links they send, the choice of emails.
	mux.HandleFunc("GET /privacy", s.privacyPage)
	for _, what := range []string{"send", "delete"} {
		mux.HandleFunc("POST /privacy/"+what, s.privacyRequest(what))
		mux.HandleFunc("GET /privacy/"+what+"/{token}", s.privacyLink(what))
		mux.HandleFunc("POST /privacy/"+what+"/{token}", s.privacyLink(what))
	}
	mux.HandleFunc("POST /privacy/send/{token}/json", s.privacyDownload)
	mux.HandleFunc("GET /"+notify.PurposePreferences+"/{token}", s.preferences)
	mux.HandleFunc("POST /"+notify.PurposePreferences+"/{token}", s.preferences)
	mux.HandleFunc("GET /subscribe", s.subscribePage)
	mux.HandleFunc("POST /subscribe", s.subscribe)
	mux.HandleFunc("GET /search", s.searchLimited(s.cached(s.search)))
	mux.HandleFunc("GET /news", s.cached(s.newsList))
	mux.HandleFunc("GET /news/{slug}", s.cached(s.newsPage))
	mux.HandleFunc("GET /news.atom", s.cached(s.newsFeed))
	mux.HandleFunc("GET /share/mastodon", s.shareMastodon)
	mux.HandleFunc("GET /sitemap.xml", s.cached(s.sitemap))
	mux.HandleFunc("GET /robots.txt", s.cached(s.robots))
	mux.HandleFunc("GET /media/{id}/{file}", s.media)
	mux.HandleFunc("GET /static/{file}", s.static)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /metrics", s.metricsPage)
	return mux
}
