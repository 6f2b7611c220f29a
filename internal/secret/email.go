package secret

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// ErrBadEmail is returned (wrapped with the reason) by NormaliseEmail for
// anything that is not one plausible address. The reason never quotes the
// address, because error messages reach logs and an address is personal data.
var ErrBadEmail = errors.New("not a valid email address")

const (
	maxLocalLen = 64  // RFC 5321 section 4.5.3.1.1
	maxEmailLen = 254 // RFC 5321 path limit (256) minus the angle brackets
	maxLabelLen = 63
	maxInputLen = 1024 // reject early, before any Unicode work on huge input
)

// NormaliseEmail returns the one canonical form of an email address, so that
// the same supporter always gets the same blind index however they type it.
//
// It trims surrounding space, lowercases the local part and the domain
// (treating addresses as case-insensitive, which is what supporters expect),
// puts the local part in Unicode NFC (RFC 6532 section 3.1, so that "é"
// typed as one or two code points matches), and converts an internationalised
// domain to its ASCII (punycode) form with the IDNA Lookup profile.
//
// It returns ErrBadEmail for anything that is not one plausible address:
// exactly one '@'; a local part of 1 to 64 bytes made of dot-separated atoms
// (RFC 5322 atext, or any printable non-ASCII character: RFC 6531 addresses
// are accepted as valid UTF-8); total at most 254 bytes; no spaces, control
// or invisible formatting characters, CR/LF, double quotes, angle brackets,
// commas or other specials; a domain with at least two valid labels and a
// top-level label of two or more characters, not all digits.
//
// Quoted local parts, comments and address literals ("[192.0.2.1]") are
// refused even though RFC 5322 allows them: supporters don't have them, and
// they are where header-injection tricks live. The apostrophe is allowed
// (it is atext, and real names such as o'brien@ need it).
func NormaliseEmail(s string) (string, error) {
	bad := func(reason string) (string, error) {
		return "", fmt.Errorf("%w: %s", ErrBadEmail, reason)
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return bad("empty")
	case len(s) > maxInputLen:
		return bad("too long")
	case !utf8.ValidString(s):
		return bad("not valid UTF-8")
	}
	at := strings.IndexByte(s, '@')
	switch {
	case at < 0:
		return bad("no @")
	case strings.IndexByte(s[at+1:], '@') >= 0:
		return bad("more than one @")
	}
	local, domain := s[:at], s[at+1:]

	local = norm.NFC.String(strings.ToLower(local))
	if reason := checkLocal(local); reason != "" {
		return bad(reason)
	}

	// Check for characters the IDNA mapping would otherwise fold away or
	// treat specially, so the rules are the same on both sides of the '@'.
	for _, r := range domain {
		if forbiddenRune(r) {
			return bad("forbidden character in domain")
		}
	}
	if domain == "" {
		return bad("empty domain")
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return bad("invalid domain")
	}
	ascii = strings.ToLower(ascii) // Lookup already maps case; this is belt and braces
	if reason := checkDomain(ascii); reason != "" {
		return bad(reason)
	}

	out := local + "@" + ascii
	if len(out) > maxEmailLen {
		return bad("longer than 254 bytes")
	}
	return out, nil
}

// checkLocal returns why a normalised local part is unacceptable, or "".
func checkLocal(local string) string {
	switch {
	case local == "":
		return "empty local part"
	case len(local) > maxLocalLen:
		return "local part longer than 64 bytes"
	case local[0] == '.' || local[len(local)-1] == '.':
		return "local part starts or ends with a dot"
	case strings.Contains(local, ".."):
		return "local part has two dots in a row"
	}
	for _, r := range local {
		if r < utf8.RuneSelf {
			if !isAtext(byte(r)) && r != '.' {
				return "forbidden character in local part"
			}
			continue
		}
		if forbiddenRune(r) {
			return "forbidden character in local part"
		}
	}
	return ""
}

// isAtext reports whether c is RFC 5322 atext: what may appear unquoted in a
// local part, besides dots.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// forbiddenRune reports non-ASCII characters no plausible address contains:
// anything not graphic (controls including C1 and the Unicode line
// separators, format characters such as bidi overrides that disguise text
// on a moderator's screen, private use, unassigned) and any space. ZWNJ and
// ZWJ are kept because some scripts need them to spell words. For ASCII it
// rejects controls, space and DEL.
func forbiddenRune(r rune) bool {
	if r == '\u200c' || r == '\u200d' {
		return false
	}
	return !unicode.IsGraphic(r) || unicode.IsSpace(r)
}

// checkDomain returns why an ASCII (punycode) domain is unacceptable, or "".
func checkDomain(d string) string {
	if len(d) > 253 {
		return "domain too long"
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "domain has no dot"
	}
	for _, l := range labels {
		if l == "" {
			return "domain has an empty label"
		}
		if len(l) > maxLabelLen {
			return "domain label longer than 63 bytes"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "domain label starts or ends with a hyphen"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return "forbidden character in domain"
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return "top-level domain too short"
	}
	if strings.Trim(tld, "0123456789") == "" {
		return "top-level domain is all digits"
	}
	return ""
}

// BlindIndex is HMAC-SHA256 of the normalised email under the index key: it
// lets the database find a supporter by email without holding the email.
// Pass the output of NormaliseEmail; other spellings of the same address give
// other indexes. The result is 32 bytes.
func (k *Keys) BlindIndex(normalisedEmail string) []byte {
	return k.indexMAC.sum(nil, []byte(normalisedEmail))
}

// HashIP is a keyed hash of a client IP (HMAC-SHA256 under a key derived from
// the index key with a distinct label, truncated to 16 bytes), for moderation
// without storing addresses. 16 bytes is ample for matching and keeps rows
// small; the key stops anyone with only the database from hashing all 2^32
// IPv4 addresses to reverse it.
//
// An address that parses (optionally with a port) is canonicalised first, so
// "::ffff:192.0.2.1", "192.0.2.1" and "192.0.2.1:4711" hash alike, as do the
// many ways of writing one IPv6 address; anything else is hashed as given.
func (k *Keys) HashIP(ip string) []byte {
	s := strings.TrimSpace(ip)
	if a, err := netip.ParseAddr(s); err == nil {
		s = a.WithZone("").Unmap().String()
	} else if ap, err := netip.ParseAddrPort(s); err == nil {
		s = ap.Addr().WithZone("").Unmap().String()
	}
	return k.ipMAC.sum(nil, []byte(s))[:16]
}
