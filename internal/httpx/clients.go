// Package httpx holds what the public site (web) and the staff pages
// (admin) share in front of their handlers, built once in cli and handed
// to both: who the client is, the security headers, recovery from
// panics, and the sign-in throttle.
package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Clients finds the address a request came from. The connection's peer is
// the client, unless it is one of TrustedProxies: then X-Forwarded-For is
// read from the right, and the first address no trusted proxy holds is
// the client. The zero value trusts no proxy.
type Clients struct {
	TrustedProxies []netip.Prefix
}

// IP is the address the request came from: the connection's peer, or,
// when that peer is a trusted proxy, the last untrusted address in
// X-Forwarded-For.
func (c Clients) IP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if !c.trusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !c.trusted(hop) {
			return hop.String()
		}
		addr = hop
	}
	return addr.String()
}

func (c Clients) trusted(a netip.Addr) bool {
	for _, p := range c.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}
