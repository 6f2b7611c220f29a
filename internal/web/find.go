package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"vigil/internal/model"
	"vigil/internal/store"
)

// How readers find cases: the list with its filters (/cases) and search
// (/search). Both are plain GET forms and links, so they work without
// JavaScript, and both are cached like other pages (see keyOf).

const (
	casesPerPage   = 12
	searchPerPage  = 10
	maxListPage    = 1000 // a page number past this is not a page
	maxSearchPage  = 20   // search pages beyond this are not offered
	maxThemeLength = 100
	// searchPerMinute is how many searches a client may run a minute
	// (with a burst of a quarter of it) when form limits are on.
	searchPerMinute = 30
)

// filterLink is one choice of a filter: a plain link to the list with it.
type filterLink struct {
	Value   string // "" for "any"
	Href    string
	Current bool
}

type casesData struct {
	Cases     []model.Case
	Filter    model.CaseFilter
	Filtered  bool
	Invalid   bool // a filter's value is not one a filter can take
	Countries []filterLink
	Themes    []filterLink
	Statuses  []filterLink
	PrevHref  string
	NextHref  string
}

// listQuery is the query string of the case list with f at page (1: none).
func listQuery(f model.CaseFilter, page int) string {
	v := url.Values{}
	if f.Country != "" {
		v.Set("country", f.Country)
	}
	if f.Theme != "" {
		v.Set("theme", f.Theme)
	}
	if f.Status != "" {
		v.Set("status", string(f.Status))
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// pageNumber reads ?page=: 1 when absent, 0 when it is not a page.
func pageNumber(r *http.Request, most int) int {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0
	}
	return n
}

// caseFilter reads the list's filters; ok is false when one cannot be a
// filter at all (a malformed country code, an unknown status).
func caseFilter(r *http.Request) (f model.CaseFilter, ok bool) {
	q := r.URL.Query()
	f.Country = strings.ToUpper(strings.TrimSpace(q.Get("country")))
	f.Theme = strings.TrimSpace(q.Get("theme"))
	f.Status = model.CaseStatus(strings.TrimSpace(q.Get("status")))
	ok = (f.Country == "" || model.ValidCountryCode(f.Country)) &&
		(f.Status == "" || model.ValidCaseStatus(f.Status)) &&
		utf8.ValidString(f.Theme) && len(f.Theme) <= maxThemeLength
	if !ok {
		f = model.CaseFilter{}
	}
	return f, ok
}

func (s *Server) casesList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := languageOf(r).Lang
	loc := s.cat.Localizer(lang)
	filter, ok := caseFilter(r)
	pageNo := pageNumber(r, maxListPage)
	status := http.StatusOK
	data := casesData{Filter: filter, Filtered: filter != model.CaseFilter{}}
	if !ok || pageNo == 0 {
		status, data.Invalid, pageNo = http.StatusBadRequest, true, 1
	}
	countries, themes, err := s.store.CaseFilterValues(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prefix := languageOf(r).Prefix + "/cases"
	link := func(f model.CaseFilter, value string, current bool) filterLink {
		return filterLink{Value: value, Href: prefix + listQuery(f, 1), Current: current}
	}
	// Each group: "any", then every value published cases have, the
	// chosen one kept even when no case has it, so the reader sees it.
	if filter.Country != "" && !contains(countries, filter.Country) {
		countries = append(countries, filter.Country)
	}
	if filter.Theme != "" && !contains(themes, filter.Theme) {
		themes = append(themes, filter.Theme)
	}
	f := filter
	f.Country = ""
	data.Countries = append(data.Countries, link(f, "", filter.Country == ""))
	for _, c := range countries {
		f.Country = c
		data.Countries = append(data.Countries, link(f, c, c == filter.Country))
	}
	f = filter
	f.Theme = ""
	data.Themes = append(data.Themes, link(f, "", filter.Theme == ""))
	for _, th := range themes {
		f.Theme = th
		data.Themes = append(data.Themes, link(f, th, th == filter.Theme))
	}
	f = filter
	f.Status = ""
	data.Statuses = append(data.Statuses, link(f, "", filter.Status == ""))
	for _, st := range []model.CaseStatus{model.CaseActive, model.CaseMonitoring, model.CaseClosed} {
		f.Status = st
		data.Statuses = append(data.Statuses, link(f, string(st), st == filter.Status))
	}
	if !data.Invalid {
		// One more than a page tells whether a next page exists.
		cases, err := s.store.CaseList(ctx, filter, (pageNo-1)*casesPerPage, casesPerPage+1)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(cases) == 0 && pageNo > 1 {
			s.notFound(w, r)
			return
		}
		if len(cases) > casesPerPage {
			cases = cases[:casesPerPage]
			data.NextHref = prefix + listQuery(filter, pageNo+1)
		}
		if pageNo > 1 {
			data.PrevHref = prefix + listQuery(filter, pageNo-1)
		}
		data.Cases = casesIn(cases, lang)
	}
	p := s.newPage(r, loc.T("cases.heading"), loc.T("cases.description"))
	if data.Invalid {
		p.Canonical = ""
	} else {
		p.withQuery(listQuery(filter, pageNo), true)
	}
	p.Data = data
	s.render(w, r, status, "cases", p)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

type searchData struct {
	Query    string // as the reader typed it, cut to model.MaxQueryLength
	Cut      bool   // the query was longer and was cut
	Searched bool   // there were words to look for
	Hits     []model.SearchHit
	PrevHref string
	NextHref string
	First    int // the number of the first hit shown
}

func searchQuery(q string, page int) string {
	v := url.Values{}
	v.Set("q", q)
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "?" + v.Encode()
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	rl := languageOf(r)
	loc := s.cat.Localizer(rl.Lang)
	raw := r.URL.Query().Get("q")
	q := model.CutQuery(raw)
	data := searchData{Query: q, Cut: len(strings.TrimSpace(raw)) > model.MaxQueryLength}
	status := http.StatusOK
	pageNo := pageNumber(r, maxSearchPage)
	if pageNo == 0 {
		status, pageNo = http.StatusBadRequest, 1
	}
	if len(model.QueryWords(q)) > 0 && status == http.StatusOK {
		data.Searched = true
		hits, err := s.store.Search(r.Context(), store.SearchQuery{Text: q, Lang: rl.Lang,
			Offset: (pageNo - 1) * searchPerPage, Limit: searchPerPage + 1})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(hits) > searchPerPage {
			hits = hits[:searchPerPage]
			if pageNo < maxSearchPage {
				data.NextHref = rl.Prefix + "/search" + searchQuery(q, pageNo+1)
			}
		}
		if pageNo > 1 {
			data.PrevHref = rl.Prefix + "/search" + searchQuery(q, pageNo-1)
		}
		data.Hits, data.First = hits, (pageNo-1)*searchPerPage+1
	}
	title := loc.T("search.heading")
	if data.Searched {
		title = loc.T("search.title", "Query", q)
	}
	p := s.newPage(r, title, loc.T("search.description"))
	if q != "" {
		// The language links keep the search; the canonical page is the
		// form, since results pages are not pages of their own.
		p.withQuery(searchQuery(q, pageNo), false)
	}
	p.Data = data
	s.render(w, r, status, "search", p)
}

// searchLimited refuses a client who searches faster than searchPerMinute;
// the form alone (no query) is never limited.
func (s *Server) searchLimited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("q") != "" && !s.searches.allowIP(s.clients.IP(r), s.now()) {
			s.tooMany(w, r)
			return
		}
		h(w, r)
	}
}

// searchRate is the search limit per client and minute: none when form
// limits are off (load tests), else searchPerMinute.
func searchRate(formRate int) int {
	if formRate <= 0 {
		return 0
	}
	return searchPerMinute
}
