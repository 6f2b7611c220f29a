package httpx

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ParseOrigin reads a web origin, scheme://host[:port] with an http or
// https scheme and nothing after the host but an optional "/", and
// returns it the way browsers send it in an Origin header: lower case,
// without a default port (https://Partner.example:443/ is
// https://partner.example).
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not an origin: %w", s, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q is not an origin: want http:// or https://", s)
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("%q is not an origin: want scheme://host[:port] and nothing more", s)
	case strings.Contains(u.Host, "*"):
		return "", fmt.Errorf("%q is not an origin: wildcards are not supported", s)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535) {
		return "", fmt.Errorf("%q is not an origin: port %s", s, port)
	}
	if port == "" || (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 address
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host, nil
}

// OriginOf returns the origin of an absolute URL (a Referer), or "" when
// it has none.
func OriginOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	origin, err := ParseOrigin(u.Scheme + "://" + u.Host)
	if err != nil {
		return ""
	}
	return origin
}

// EmbedPolicy is the site's Content-Security-Policy for pages other sites
// may show in a frame: the same, but with frame-ancestors listing the
// origins allowed to frame them, or "https:" (any https origin) when the
// list is empty. origins must have been read by ParseOrigin.
func EmbedPolicy(origins []string) Header {
	ancestors := "https:"
	if len(origins) > 0 {
		ancestors = strings.Join(origins, " ")
	}
	return Header{"Content-Security-Policy", []string{policyWithoutFraming + "; frame-ancestors " + ancestors}}
}
