package web

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps per-IP and per-email token buckets for public forms, and
// forgets the idle ones.
type limiter struct {
	mu       sync.Mutex
	perIP    rate.Limit // tokens per second; 0: no limit
	ipBurst  int
	ips      map[string]*bucket
	emails   map[string]*bucket
	lastSwep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxBuckets bounds each limiter map.
const maxBuckets = 100_000

// Per email address: a few submissions an hour are plenty for a person.
const (
	emailPerHour = 10
	emailBurst   = 5
)

// newLimiter allows perMinute form submissions per client IP (0: no limit).
func newLimiter(perMinute int) *limiter {
	l := &limiter{ips: map[string]*bucket{}, emails: map[string]*bucket{}}
	if perMinute > 0 {
		l.perIP = rate.Limit(float64(perMinute) / 60)
		l.ipBurst = max(3, perMinute/4)
	}
	return l
}

func (l *limiter) allow(m map[string]*bucket, key string, r rate.Limit, burst int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSwep) > 10*time.Minute {
		for _, mm := range []map[string]*bucket{l.ips, l.emails} {
			for k, b := range mm {
				if now.Sub(b.seen) > time.Hour {
					delete(mm, k)
				}
			}
		}
		l.lastSwep = now
	}
	b, ok := m[key]
	if !ok {
		if len(m) >= maxBuckets {
			// Bounded memory: under a flood of new keys, start afresh
			// rather than grow without end.
			clear(m)
		}
		b = &bucket{lim: rate.NewLimiter(r, burst)}
		m[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

func (l *limiter) allowIP(ip string, now time.Time) bool {
	if l.perIP == 0 {
		return true
	}
	return l.allow(l.ips, clientKey(ip), l.perIP, l.ipBurst, now)
}

// exhausted reports, without spending a token, whether a client has none
// left: a limit that only failures spend asks it before doing the work.
func (l *limiter) exhausted(ip string, now time.Time) bool {
	if l.perIP == 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.ips[clientKey(ip)]
	return ok && b.lim.TokensAt(now) < 1
}

// clientKey groups IPv6 addresses by /64, the block one subscriber usually
// holds, so a client cannot dodge its limit by changing the low bits.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

func (l *limiter) allowEmail(email string, now time.Time) bool {
	if l.perIP == 0 {
		return true // limits off (load tests)
	}
	return l.allow(l.emails, email, rate.Limit(float64(emailPerHour)/3600), emailBurst, now)
}

// blockedDomain reports whether a normalised email is at a refused domain
// (disposable addresses), including its subdomains.
func (s *Server) blockedDomain(email string) bool {
	_, domain, _ := strings.Cut(email, "@")
	for d := domain; d != ""; {
		if s.blocked[d] {
			return true
		}
		_, rest, ok := strings.Cut(d, ".")
		if !ok {
			break
		}
		d = rest
	}
	return false
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "60")
	s.errorPage(w, r, http.StatusTooManyRequests, "error.toomany.title", "error.toomany.text")
}
