package web

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestFilteredPagesAreBounded: each search or filtered list is a page of
// its own, but made-up ones cannot fill the cache: past maxFilteredPages
// they are rendered for each request, and the site's other pages stay.
func TestFilteredPagesAreBounded(t *testing.T) {
	s := &Server{cache: newPageCache(), now: time.Now}
	renders := map[string]int{}
	h := s.cached(func(w http.ResponseWriter, r *http.Request) {
		renders[r.URL.String()]++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>" + r.URL.Query().Get("q") + "</p>"))
	})
	get := func(url string) { h(httptest.NewRecorder(), httptest.NewRequest("GET", url, nil)) }

	get("/news")
	get("/search?q=a&utm=1")
	get("/search?q=a")
	get("/search?q=b")
	get("/cases?country=VE")
	get("/cases?country=VE&x=1")
	get("/cases?country=VE&page=2")
	get("/cases?theme=detention")
	if n := renders["/search?q=a&utm=1"] + renders["/search?q=a"]; n != 1 {
		t.Errorf("one search, %d renders", n)
	}
	if n := renders["/cases?country=VE"] + renders["/cases?country=VE&x=1"]; n != 1 {
		t.Errorf("one filtered list, %d renders", n)
	}
	if len(s.cache.pages) != 6 {
		t.Errorf("%d pages kept, want 6", len(s.cache.pages))
	}

	for i := range maxFilteredPages + 50 {
		get("/search?q=made-up-" + strconv.Itoa(i))
	}
	if s.cache.filteredPages != maxFilteredPages {
		t.Errorf("%d filtered pages kept, want the bound %d", s.cache.filteredPages, maxFilteredPages)
	}
	beyond := "/search?q=made-up-" + strconv.Itoa(maxFilteredPages+10)
	get(beyond)
	if renders[beyond] != 2 {
		t.Errorf("a search past the bound rendered %d times for 2 requests, want each", renders[beyond])
	}
	get("/news")
	get("/search?q=b")
	if renders["/news"] != 1 || renders["/search?q=b"] != 1 {
		t.Errorf("kept pages rendered again: news %d, search b %d", renders["/news"], renders["/search?q=b"])
	}
}
