package httpx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	c := Clients{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
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
			if got := c.IP(r); got != tc.want {
				t.Errorf("IP = %s, want %s", got, tc.want)
			}
		})
	}
}
