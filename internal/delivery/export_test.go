package delivery

import (
	"context"
	"crypto/x509"
	"net"
)

// SetNetwork makes s dial with dial instead of the network, and trust
// roots instead of the system's certificate authorities: a test points a
// sender for mail.example.org at a mailpit on loopback, with a
// certificate it made.
func SetNetwork(s *SMTPSender, dial func(ctx context.Context, network, addr string) (net.Conn, error), roots *x509.CertPool) {
	s.dial, s.rootCAs = dial, roots
}
