package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

var (
	// ErrTokenInvalid is returned by CheckToken for a token that is
	// malformed, forged, altered, or made for another purpose. The cases are
	// not told apart: to a visitor they all mean "this link is broken".
	ErrTokenInvalid = errors.New("invalid token")

	// ErrTokenExpired is returned by CheckToken, together with the id, for a
	// genuine token past its expiry, so the caller can offer to send a fresh
	// link to that subject.
	ErrTokenExpired = errors.New("token expired")
)

const (
	tokenTagLen = 16 // 128-bit tag: forgery is hopeless, and links stay short
	// maxTokenLen bounds what CheckToken will decode: two maximal varints
	// (10 bytes each) plus the tag is 36 bytes, 48 base64 characters.
	maxTokenLen = 48
	minTokenLen = 2 + tokenTagLen // two one-byte varints and a tag, in bytes
)

// Token signs a link token for purpose (e.g. "confirm", "unsubscribe",
// "not-me"), a subject id and an expiry (to the second, rounded down).
//
// The token is base64url without padding of: id as a signed varint, expiry as
// Unix seconds in a signed varint, then HMAC-SHA256 under the token key over
// len(purpose) || purpose || those two varints, truncated to 16 bytes. The
// purpose is bound by the MAC but not written in the token, so tokens stay
// short (about 32 characters for realistic ids, 48 at most) and an
// unsubscribe link cannot be replayed as a confirm link. Its length is
// prefixed so that no two (purpose, payload) pairs give the same MAC input.
func (k *Keys) Token(purpose string, id int64, expires time.Time) string {
	b := make([]byte, 0, 2*binary.MaxVarintLen64+tokenTagLen)
	b = binary.AppendVarint(b, id)
	b = binary.AppendVarint(b, expires.Unix())
	b = append(b, k.tokenTag(purpose, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CheckToken verifies a token made by Token for purpose and returns its id.
// It returns ErrTokenInvalid for anything malformed, forged or made for
// another purpose, and ErrTokenExpired, still returning the id, when the
// token is genuine but now is at or past its expiry. The MAC is compared in
// constant time, and checked before the payload is parsed so that nothing
// unauthenticated is interpreted.
func (k *Keys) CheckToken(token, purpose string, now time.Time) (int64, error) {
	if len(token) > maxTokenLen {
		return 0, ErrTokenInvalid
	}
	// Go's base64 decoder skips CR and LF even in strict mode; refuse them
	// (and anything else outside the alphabet) so each token has one spelling.
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return 0, ErrTokenInvalid
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) < minTokenLen {
		return 0, ErrTokenInvalid
	}
	payload, tag := b[:len(b)-tokenTagLen], b[len(b)-tokenTagLen:]
	if !hmac.Equal(tag, k.tokenTag(purpose, payload)) {
		return 0, ErrTokenInvalid
	}
	id, n := binary.Varint(payload)
	if n <= 0 {
		return 0, ErrTokenInvalid
	}
	exp, m := binary.Varint(payload[n:])
	if m <= 0 || n+m != len(payload) {
		return 0, ErrTokenInvalid
	}
	if !now.Before(time.Unix(exp, 0)) {
		return id, ErrTokenExpired
	}
	return id, nil
}

// tokenTag is the truncated MAC binding purpose and payload.
func (k *Keys) tokenTag(purpose string, payload []byte) []byte {
	var n [binary.MaxVarintLen64]byte
	var sum [sha256.Size]byte
	return k.tokenMAC.sum(sum[:0], binary.AppendUvarint(n[:0], uint64(len(purpose))), []byte(purpose), payload)[:tokenTagLen]
}

// Sign returns a URL-safe signature of data for purpose, so a link can carry
// a value the site wrote (a share text) that nobody else can change.
func (k *Keys) Sign(purpose string, data []byte) string {
	return base64.RawURLEncoding.EncodeToString(k.tokenTag("sign:"+purpose, data))
}

// Verify reports whether sig is Sign's signature of data for purpose.
func (k *Keys) Verify(purpose string, data []byte, sig string) bool {
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, k.tokenTag("sign:"+purpose, data))
}
