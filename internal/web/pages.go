package web

import (
	"net/http"
	"strconv"

	"vigil/internal/model"
)

// homeData is the home page: actions to take, cases, latest news.
type homeData struct {
	Actions []model.Action
	Cases   []model.Case
	News    []model.NewsArticle
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actions, err := s.store.OpenActions(ctx, s.now(), 6)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cases, err := s.store.PublishedCases(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	news, err := s.store.LatestNews(ctx, 0, 4)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := languageOf(r).Lang
	loc := s.cat.Localizer(lang)
	p := s.newPage(r, "", loc.T("home.lede"))
	actions, cases, news = actionsIn(actions, lang), casesIn(cases, lang), newsIn(news, lang)
	if len(actions) > 0 {
		p.withImage(actions[0].Image)
	}
	p.Feed = "/news.atom"
	p.Data = homeData{Actions: actions, Cases: cases, News: news}
	s.render(w, r, http.StatusOK, "home", p)
}

// caseData is a case page.
type caseData struct {
	Case    model.Case
	Related []model.NewsArticle
	Others  []model.Action
	Share   shareLinks
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.CaseBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderCase(w, r, c)
}

// PreviewCase renders a case, draft or not, as its public page would show
// it, for staff. It is never cached.
func (s *Server) PreviewCase(w http.ResponseWriter, r *http.Request, c model.Case) {
	s.renderCase(w, r, c)
}

// PreviewAction renders an action, draft or not, as its public page would.
func (s *Server) PreviewAction(w http.ResponseWriter, r *http.Request, a model.Action) {
	s.showActionForm(w, r, a, nil, http.StatusOK)
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, c model.Case) {
	ctx := r.Context()
	related, err := s.store.RelatedNews(ctx, c.ID, c.Tags, 0, 4)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	others, err := s.otherActions(r, c.ID, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := languageOf(r).Lang
	langs := c.Translations.Languages(c.Lang)
	c = c.In(lang)
	p := s.newPage(r, c.Title, c.Summary)
	s.existsIn(&p, "case", langs)
	p.OGType = "article"
	p.Feed = "/cases/" + c.Slug + "/updates.atom"
	p.withImage(c.Image)
	p.Data = caseData{Case: c, Related: newsIn(related, lang), Others: others, Share: s.shareLinks(r, p, "case")}
	s.render(w, r, http.StatusOK, "case", p)
}

// otherActions lists open actions outside the case (or other than the
// action) being shown.
func (s *Server) otherActions(r *http.Request, caseID int64, slug string) ([]model.Action, error) {
	open, err := s.store.OpenActions(r.Context(), s.now(), 0)
	if err != nil {
		return nil, err
	}
	var others []model.Action
	for _, a := range open {
		if (caseID != 0 && a.CaseID == caseID) || a.Slug == slug {
			continue
		}
		others = append(others, a.In(languageOf(r).Lang))
		if len(others) == 3 {
			break
		}
	}
	return others, nil
}

// actionData is an action's own page.
type actionData struct {
	Action  model.Action
	Panel   panelArgs
	Related []model.NewsArticle
	Others  []model.Action
	Share   shareLinks
}

func (s *Server) actionPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.ActionBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showActionForm(w, r, a, nil, http.StatusOK)
}

// showActionForm renders an action's page with its form: empty, or as
// submitted with a message beside each field that needs one.
func (s *Server) showActionForm(w http.ResponseWriter, r *http.Request, a model.Action, form *actForm, status int) {
	ctx := r.Context()
	related, err := s.store.RelatedNews(ctx, a.CaseID, a.Tags, 0, 4)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	others, err := s.otherActions(r, 0, a.Slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now()
	rl := languageOf(r)
	langs := a.Translations.Languages(a.Lang)
	a = a.In(rl.Lang)
	form = formToShow(form, a, rl.Lang)
	var languages []languageChoice
	for _, l := range s.cat.Languages() {
		languages = append(languages, languageChoice{Code: l, Name: s.cat.Name(l)})
	}
	p := s.newPage(r, a.Title, a.Summary)
	s.existsIn(&p, "action", langs)
	p.OGType = "article"
	p.withImage(a.Image)
	related = newsIn(related, rl.Lang)
	p.Data = actionData{
		Action: a,
		Panel: panelArgs{Action: a, Prefix: p.Prefix, Now: now, Open: a.IsOpen(now), Full: true,
			Form: form, Source: "/actions/" + a.Slug, Countries: countriesIn(rl.Lang), Languages: languages,
			Rendered: now.UnixMilli()},
		Related: related, Others: others,
		Share: s.shareLinks(r, p, "action"),
	}
	if status != http.StatusOK {
		private(w)
	}
	s.render(w, r, status, "action", p)
}

// formToShow is the form to show on an action's page: the one submitted,
// with its values and messages, or else the empty one (keeping a notice
// such as "closed").
func formToShow(form *actForm, a model.Action, lang string) *actForm {
	if form != nil && (form.Notice == "" || form.Errors != nil) {
		return form
	}
	empty := newActForm(a, lang)
	if form != nil {
		empty.Notice = form.Notice
	}
	return empty
}

// newsPerPage is the length of a page of the news list.
const newsPerPage = 10

type newsListData struct {
	News       []model.NewsArticle
	Prev, Next int // page numbers, 0 when none
}

func (s *Server) newsList(w http.ResponseWriter, r *http.Request) {
	pageNo := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			s.notFound(w, r)
			return
		}
		pageNo = n
	}
	// One more than a page tells whether an older page exists.
	news, err := s.store.LatestNews(r.Context(), (pageNo-1)*newsPerPage, newsPerPage+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(news) == 0 && pageNo > 1 {
		s.notFound(w, r)
		return
	}
	data := newsListData{Prev: pageNo - 1}
	if len(news) > newsPerPage {
		news, data.Next = news[:newsPerPage], pageNo+1
	}
	lang := languageOf(r).Lang
	data.News = newsIn(news, lang)
	loc := s.cat.Localizer(lang)
	p := s.newPage(r, loc.T("news.heading"), loc.T("news.description"))
	if pageNo > 1 {
		p.Canonical += "?page=" + strconv.Itoa(pageNo)
	}
	p.Feed = "/news.atom"
	p.Data = data
	s.render(w, r, http.StatusOK, "news_list", p)
}

// newsData is one article's page.
type newsData struct {
	Article model.NewsArticle
	Cases   []model.Case
	Related []model.NewsArticle
	Others  []model.Action
	Share   shareLinks
}

func (s *Server) newsPage(w http.ResponseWriter, r *http.Request) {
	n, err := s.store.NewsBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderNews(w, r, n)
}

// PreviewNews renders an article, draft or not, as its public page would.
func (s *Server) PreviewNews(w http.ResponseWriter, r *http.Request, n model.NewsArticle) {
	s.renderNews(w, r, n)
}

func (s *Server) renderNews(w http.ResponseWriter, r *http.Request, n model.NewsArticle) {
	ctx := r.Context()
	var caseID int64
	if len(n.CaseIDs) > 0 {
		caseID = n.CaseIDs[0]
	}
	related, err := s.store.RelatedNews(ctx, caseID, n.Tags, n.ID, 4)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var cases []model.Case
	if len(n.CaseIDs) > 0 {
		all, err := s.store.PublishedCases(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range all {
			for _, id := range n.CaseIDs {
				if c.ID == id {
					cases = append(cases, c)
				}
			}
		}
	}
	others, err := s.otherActions(r, 0, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := languageOf(r).Lang
	langs := n.Translations.Languages(n.Lang)
	n = n.In(lang)
	p := s.newPage(r, n.Title, n.Summary)
	s.existsIn(&p, "news", langs)
	p.OGType = "article"
	p.withImage(n.Image)
	p.Data = newsData{Article: n, Cases: casesIn(cases, lang), Related: newsIn(related, lang), Others: others,
		Share: s.shareLinks(r, p, "news")}
	s.render(w, r, http.StatusOK, "news", p)
}
