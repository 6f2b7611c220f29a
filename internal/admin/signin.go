package admin

import (
	"errors"
	"net/http"
	"net/netip"

	"vigil/internal/httpx"
)

// clientNetwork is the network a request comes from: its /24 for IPv4,
// its /64 for IPv6 (the block one subscriber usually holds), so changing
// the low bits of an address does not make a new client. Sign-ins are
// admitted per network (httpx.SigninGate), and the per-account lock
// (store.Staff.LoginFailed) is kept per account and network too, so wrong
// passwords from one network never lock the account's owner out of
// another.
func (s *Server) clientNetwork(r *http.Request) netip.Prefix {
	a, err := netip.ParseAddr(s.clients.IP(r))
	if err != nil {
		return netip.Prefix{} // unreadable: all such clients share one
	}
	a = a.Unmap().WithZone("")
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p
}

// networkKey is what the database keeps of a client network: a keyed
// hash, not the network.
func (s *Server) networkKey(network netip.Prefix) []byte {
	return s.keys.HashIP(network.String())
}

// signinRefusal is the status and message for a sign-in that was not
// admitted or found no slot, for the page it came from to say what to do.
func signinRefusal(w http.ResponseWriter, err error) (status int, message msg) {
	switch {
	case errors.Is(err, httpx.ErrSigninsInFlight):
		w.Header().Set("Retry-After", "5")
		return http.StatusTooManyRequests, say("form.signin.in-flight")
	case errors.Is(err, httpx.ErrSigninsTooMany):
		w.Header().Set("Retry-After", "60")
		return http.StatusTooManyRequests, say("form.signin.network-failures")
	default:
		w.Header().Set("Retry-After", "10")
		return http.StatusServiceUnavailable, say("form.signin.busy")
	}
}
