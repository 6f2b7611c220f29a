package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// Staff sign in with a second factor: time-based one-time codes (TOTP,
// RFC 6238) from any authenticator app. We use the parameters every app
// supports, HMAC-SHA1, 6 digits and a 30-second step, and write them into
// the enrolment URI too, so no app falls back to a different guess. SHA-1 is
// fine here: HOTP relies only on HMAC being a PRF, which SHA-1 still gives.
const (
	// TOTPSecretSize is the length of secrets from NewTOTPSecret: 160 bits,
	// the size RFC 4226 recommends and the output size of HMAC-SHA1.
	TOTPSecretSize = 20
	// minTOTPSecretLen is the shortest secret CheckTOTP accepts (RFC 4226
	// requires at least 128 bits), so that an empty or truncated secret read
	// from a damaged row can never accept a code anyone could compute.
	minTOTPSecretLen = 16

	totpDigits = 6
	totpPeriod = 30 // seconds
	// totpSkew is how many steps before and after the current one are
	// accepted, for clocks that drift and codes typed near a step's end.
	totpSkew = 1
)

// totpText is the base32 alphabet authenticator apps expect, unpadded.
var totpText = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a fresh random TOTP secret of TOTPSecretSize bytes.
// Store it sealed: whoever reads it can make codes.
func NewTOTPSecret() []byte {
	secret := make([]byte, TOTPSecretSize)
	// crypto/rand.Read never returns an error (it crashes the program if the
	// system's randomness fails), so there is nothing to handle here.
	_, _ = rand.Read(secret)
	return secret
}

// TOTPSecretText is secret as unpadded base32, for typing into an
// authenticator app when scanning a QR code is not possible.
func TOTPSecretText(secret []byte) string {
	return totpText.EncodeToString(secret)
}

// TOTPURI returns the otpauth:// URI that a QR code carries for enrolment,
// in the Key Uri Format that authenticator apps read:
//
//	otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
//
// issuer and account are percent-encoded, a colon inside either included,
// and spaces become %20 rather than '+', which some apps show literally. An
// empty issuer is left out of both label and query.
func TOTPURI(issuer, account string, secret []byte) string {
	label := escapeTOTP(account)
	if issuer != "" {
		label = escapeTOTP(issuer) + ":" + label
	}
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(label)
	b.WriteString("?secret=")
	b.WriteString(TOTPSecretText(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escapeTOTP(issuer))
	}
	fmt.Fprintf(&b, "&algorithm=SHA1&digits=%d&period=%d", totpDigits, totpPeriod)
	return b.String()
}

// escapeTOTP percent-encodes s for both the label and a query value.
// QueryEscape encodes every reserved character, ':' '&' '=' '/' '?' '#' '+'
// included; it writes a space as '+', which is then made %20 (a literal
// '+' was already encoded as %2B, so nothing else is changed).
func escapeTOTP(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// TOTPCode returns the 6-digit code for secret at time t.
func TOTPCode(secret []byte, t time.Time) string {
	return hotp(secret, totpStep(t), totpDigits)
}

// CheckTOTP reports whether code is valid for secret at now, and returns the
// time step it belongs to. The caller must store that step after a success
// and pass it back as lastUsedStep next time (0 before the first use): a code
// for a step at or before lastUsedStep is refused, so a code seen over a
// shoulder or in a log cannot be used again.
//
// Codes of the current step and of totpSkew steps either side are accepted.
// Spaces (and other white space) in code are ignored, so "123 456" works as
// apps show it; anything other than 6 ASCII digits then fails. Each candidate
// is compared in constant time, and all are computed whatever matches. If
// several steps match (a coincidence with odds near 1 in 10⁶) the latest is
// returned, so the same code cannot be accepted again for another step.
//
// step is meaningful only when ok is true. A secret shorter than 16 bytes
// never validates.
func CheckTOTP(secret []byte, code string, now time.Time, lastUsedStep int64) (step int64, ok bool) {
	if len(secret) < minTOTPSecretLen {
		return 0, false
	}
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) != totpDigits {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	current := totpStep(now)
	for candidate := current - totpSkew; candidate <= current+totpSkew; candidate++ {
		match := subtle.ConstantTimeCompare([]byte(hotp(secret, candidate, totpDigits)), []byte(code)) == 1
		if match && candidate > lastUsedStep {
			step, ok = candidate, true
		}
	}
	return step, ok
}

// totpStep is the number of whole periods since the Unix epoch at t, rounded
// down (also before 1970, where Go's division would round towards zero).
func totpStep(t time.Time) int64 {
	seconds := t.Unix()
	step := seconds / totpPeriod
	if seconds%totpPeriod < 0 {
		step--
	}
	return step
}

// hotp is the HOTP value of RFC 4226 section 5.3 for counter step, as a
// decimal string of the given number of digits (1..9), zero-padded. The
// step is taken as an unsigned 64-bit counter, as the RFC defines it.
func hotp(secret []byte, step int64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(step))
	mac.Write(counter[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	value := binary.BigEndian.Uint32(sum[offset:offset+4]) & 0x7fffffff
	modulus := uint32(1)
	for range digits {
		modulus *= 10
	}
	return fmt.Sprintf("%0*d", digits, value%modulus)
}
