package web

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"vigil/internal/store"
)

func TestLimiterPerIPAndPerEmail(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := newLimiter(12) // 12 a minute, burst 3
	allowed := 0
	for range 10 {
		if l.allowIP("198.51.100.1", now) {
			allowed++
		}
	}
	if allowed != 3 {
		t.Errorf("%d of 10 allowed at once, want the burst of 3", allowed)
	}
	if !l.allowIP("198.51.100.2", now) {
		t.Error("another address is limited by the first one's use")
	}
	if !l.allowIP("198.51.100.1", now.Add(5*time.Second)) {
		t.Error("no token back after 5 s at 12 a minute")
	}
	for range emailBurst {
		l.allowEmail("ana@example.org", now)
	}
	if l.allowEmail("ana@example.org", now) {
		t.Error("one email address is not limited")
	}
	// One IPv6 /64 is one client.
	v6 := newLimiter(12)
	n := 0
	for i := range 10 {
		if v6.allowIP("2001:db8:1:2::"+strconv.Itoa(i+1), now) {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d of 10 addresses in one /64 allowed, want the burst of 3", n)
	}
	if off := newLimiter(0); !off.allowIP("x", now) || !off.allowEmail("y", now) {
		t.Error("--form-rate 0 still limits")
	}
}

// TestCountAnnouncementsCoalesce: a burst of signatures is announced to
// the other instances a few times a second, and its last one always is.
func TestCountAnnouncementsCoalesce(t *testing.T) {
	var mu sync.Mutex
	var heard []time.Time
	s := &Server{cache: newPageCache(), announcer: announceFunc(func(store.Change) {
		mu.Lock()
		heard = append(heard, time.Now())
		mu.Unlock()
	})}
	start := time.Now()
	var lastChange time.Time
	for i := range 100 {
		if i > 0 {
			time.Sleep(5 * time.Millisecond) // a burst of about half a second
		}
		lastChange = time.Now()
		s.CountsChanged()
	}
	burst := time.Since(start) // longer on a busy machine
	// The end of the burst must be heard: wait for an announcement made
	// after the last change (the trailing one, or the last change's own).
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		heardEnd := len(heard) > 0 && !heard[len(heard)-1].Before(lastChange)
		mu.Unlock()
		if heardEnd {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no announcement after the last change: the end of the burst went unheard")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	// At most one per window, plus the first and the trailing one.
	most := int(time.Since(start)/countsAnnounceEvery) + 2
	if len(heard) < 2 || len(heard) > most {
		t.Fatalf("%d announcements for 100 changes over %v; want 2 to %d", len(heard), burst, most)
	}
}

// announceFunc is an Announcer made of a function.
type announceFunc func(store.Change)

func (f announceFunc) Announce(c store.Change) { f(c) }

// TestCacheKeyIgnoresUnknownQuery: made-up query strings are the same page,
// so nobody can fill the cache with copies of one page.
func TestCacheKeyIgnoresUnknownQuery(t *testing.T) {
	s := &Server{cache: newPageCache(), now: time.Now}
	renders := 0
	h := s.cached(func(w http.ResponseWriter, r *http.Request) {
		renders++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>page " + r.URL.Query().Get("page") + "</p>"))
	})
	for _, q := range []string{"", "?x=1", "?x=2", "?utm_source=a&b=c"} {
		h(httptest.NewRecorder(), httptest.NewRequest("GET", "/news"+q, nil))
	}
	if renders != 1 {
		t.Errorf("%d renders for one page with made-up queries, want 1", renders)
	}
	h(httptest.NewRecorder(), httptest.NewRequest("GET", "/news?page=2", nil))
	h(httptest.NewRecorder(), httptest.NewRequest("GET", "/news?page=2&x=9", nil))
	if renders != 2 {
		t.Errorf("%d renders after page 2 twice, want 2", renders)
	}
	if n := len(s.cache.pages); n != 2 {
		t.Errorf("%d cached pages, want 2", n)
	}
}
