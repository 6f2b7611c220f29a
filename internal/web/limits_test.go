package web

import (
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"vigil/internal/store"
)

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	s := &Server{trustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	for _, tc := range []struct {
		name, remote, forwarded, want string
	}{
		{"direct client", "203.0.113.7:5000", "", "203.0.113.7"},
		{"direct client lying about its address", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"behind a trusted proxy", "10.1.2.3:443", "198.51.100.1", "198.51.100.1"},
		{"spoofed hop before the real one", "10.1.2.3:443", "1.2.3.4, 198.51.100.1", "198.51.100.1"},
		{"through two trusted proxies", "10.1.2.3:443", "198.51.100.1, 10.9.9.9", "198.51.100.1"},
		{"garbage in the header", "10.1.2.3:443", "not-an-ip", "10.1.2.3"},
		{"IPv6 proxy", "[::1]:443", "2001:db8::5", "2001:db8::5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.forwarded != "" {
				r.Header.Set("X-Forwarded-For", tc.forwarded)
			}
			if got := s.clientIP(r); got != tc.want {
				t.Errorf("clientIP = %s, want %s", got, tc.want)
			}
		})
	}
}

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
	if off := newLimiter(0); !off.allowIP("x", now) || !off.allowEmail("y", now) {
		t.Error("--form-rate 0 still limits")
	}
}

// TestCountAnnouncementsCoalesce: a burst of signatures is announced to
// the other instances a few times a second, and its last one always is.
func TestCountAnnouncementsCoalesce(t *testing.T) {
	var mu sync.Mutex
	var heard []time.Time
	s := &Server{cache: newPageCache(), announce: func(store.Change) {
		mu.Lock()
		heard = append(heard, time.Now())
		mu.Unlock()
	}}
	start := time.Now()
	for range 100 {
		s.CountsChanged()
		time.Sleep(5 * time.Millisecond) // a burst of about half a second
	}
	burst := time.Since(start) // longer on a busy machine
	lastChange := time.Now()
	time.Sleep(2 * countsAnnounceEvery)
	mu.Lock()
	defer mu.Unlock()
	// At most one per window, plus the first and the trailing one.
	most := int(burst/countsAnnounceEvery) + 2
	if len(heard) < 2 || len(heard) > most {
		t.Fatalf("%d announcements for 100 changes over %v; want 2 to %d", len(heard), burst, most)
	}
	if last := heard[len(heard)-1]; last.Before(lastChange) {
		t.Errorf("the last announcement came before the last change: the end of the burst went unheard")
	}
}
