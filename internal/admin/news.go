package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"vigil/internal/model"
)

type newsListData struct {
	News []model.NewsArticle
}

func (s *Server) newsListPage(w http.ResponseWriter, r *http.Request) {
	news, err := s.store.AllNews(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "news_list", "title.news", newsListData{News: news})
}

type newsEdit struct {
	News      model.NewsArticle
	F         *form
	Cases     []model.Case
	Languages []string
	Preview   *model.NewsArticle
	Conflict  []difference
	CanWrite  bool
	// Translations shows the article's state in each language it can be
	// translated into; nil for a new article.
	Translations *translationGrid
}

func (s *Server) newNewsPage(w http.ResponseWriter, r *http.Request) {
	n := model.NewsArticle{Lang: "en"}
	s.renderNews(w, r, http.StatusOK, n, newsForm(n), nil, nil)
}

func (s *Server) newsPage(w http.ResponseWriter, r *http.Request) {
	n, ok := fromPath(s, w, r, s.store.NewsByID)
	if !ok {
		return
	}
	s.renderNews(w, r, http.StatusOK, n, newsForm(n), nil, nil)
}

func (s *Server) renderNews(w http.ResponseWriter, r *http.Request, status int, n model.NewsArticle, f *form, preview *model.NewsArticle, conflict []difference) {
	cases, err := s.store.AllCases(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	title := say("title.new-article")
	if n.ID != 0 {
		title = say("title.named", "Title", n.Title)
	}
	s.render(w, r, status, "news", title, newsEdit{News: n, F: f, Cases: cases, Languages: s.languages(), Preview: preview,
		Conflict: conflict, CanWrite: allowed(sessionOf(r).User.Role, permContentWrite), Translations: s.newsGrid(r, n)})
}

func newsForm(n model.NewsArticle) *form {
	v := url.Values{}
	v.Set("version", strconv.Itoa(n.Version))
	v.Set("slug", n.Slug)
	v.Set("lang", n.Lang)
	v.Set("title", n.Title)
	v.Set("summary", n.Summary)
	v.Set("body", n.Body)
	v.Set("tags", strings.Join(n.Tags, ", "))
	for _, id := range n.CaseIDs {
		v.Add("case", strconv.FormatInt(id, 10))
	}
	if n.Image != nil {
		v.Set("image_id", strconv.FormatInt(n.Image.ID, 10))
		v.Set("image_alt", n.Image.Alt)
		v.Set("image_credit", n.Image.Credit)
	}
	return newForm(v)
}

func (s *Server) saveNews(w http.ResponseWriter, r *http.Request) {
	var stored model.NewsArticle
	if r.PathValue("id") != "" {
		var ok bool
		if stored, ok = fromPath(s, w, r, s.store.NewsByID); !ok {
			return
		}
	}
	f := newForm(r.PostForm)
	n := stored
	n.Version = f.number("version", 0, 1<<30)
	n.Slug = f.slug("slug")
	n.Lang = f.lang("lang", s.languages())
	n.Title = f.line("title", 200, true)
	n.Summary = f.text("summary", 600, false)
	n.Body = f.text("body", 50_000, true)
	n.Tags = f.list("tags", 20, 60)
	n.CaseIDs = nil
	for _, v := range f.Values("case") {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f.fail("case", "form.news.cases")
			continue
		}
		n.CaseIDs = append(n.CaseIDs, id)
	}
	n.Image = s.picture(r, f, n.Image)
	if !f.OK() {
		s.renderNews(w, r, http.StatusBadRequest, stored, f, nil, nil)
		return
	}
	if f.Value("do") == "preview" {
		s.renderNews(w, r, http.StatusOK, stored, f, &n, nil)
		return
	}
	err := s.store.SaveNews(r.Context(), &n)
	switch {
	case errors.Is(err, model.ErrStale):
		theirs, err := s.store.NewsByID(r.Context(), n.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.values.Set("version", strconv.Itoa(theirs.Version))
		diffs := differences("label.news-changed", difference{"label.field.title", theirs.Title, n.Title},
			difference{"label.field.summary", theirs.Summary, n.Summary}, difference{"label.field.text", theirs.Body, n.Body})
		s.renderNews(w, r, http.StatusConflict, theirs, f, nil, diffs)
		return
	case errors.Is(err, model.ErrConflict):
		f.fail("slug", "form.news.slug-taken")
		s.renderNews(w, r, http.StatusConflict, stored, f, nil, nil)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	s.redirectDone(w, r, fmt.Sprintf("/admin/news/%d", n.ID), say("flash.saved"))
}

func (s *Server) previewNews(w http.ResponseWriter, r *http.Request) {
	n, ok := fromPath(s, w, r, s.store.NewsByID)
	if !ok {
		return
	}
	if lang := r.URL.Query().Get("lang"); s.offered(lang) {
		n = newsOnlyIn(n, lang)
	}
	s.site.PreviewNews(w, r, n)
}
