package secret

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrOpen is returned by Open for any value it cannot open: wrong associated
// data, tampering, truncation, or a key id not in the key file. The causes
// are deliberately not told apart (except an unknown key id, which is an
// operator problem rather than an attack) so that errors give an attacker
// nothing to probe with.
var ErrOpen = errors.New("cannot open sealed value")

// Overhead is how many bytes Seal adds to a plaintext: key id, nonce and tag.
const Overhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// AD builds associated data binding a sealed value to its place: table,
// column and row, e.g. AD("supporters", "name", 42) -> "supporters.name:42".
// row may be an int64 or a string (other integer types are accepted too, so
// callers need not convert). A value sealed for one place then fails to open
// anywhere else, so someone with write access to the database cannot move an
// email into another supporter's row or into a column that gets displayed.
//
// The integer 42 and the string "42" give the same AD on purpose: both name
// row 42. AD panics if table or column is empty or contains '.' or ':' (which
// would make two different places give the same AD), or if row has another
// type: these are programming errors, always hit by the first test.
func AD(table, column string, row any) string {
	if table == "" || column == "" || strings.ContainsAny(table, ".:") || strings.ContainsAny(column, ".:") {
		panic(fmt.Sprintf("secret.AD: table and column must be non-empty without '.' or ':', got %q, %q", table, column))
	}
	var r string
	switch v := row.(type) {
	case int64:
		r = strconv.FormatInt(v, 10)
	case int:
		r = strconv.FormatInt(int64(v), 10)
	case int32:
		r = strconv.FormatInt(int64(v), 10)
	case uint64:
		r = strconv.FormatUint(v, 10)
	case uint32:
		r = strconv.FormatUint(uint64(v), 10)
	case string:
		r = v
	default:
		panic(fmt.Sprintf("secret.AD: row must be an integer or a string, got %T", row))
	}
	return table + "." + column + ":" + r
}

// Seal encrypts plaintext with XChaCha20-Poly1305 under the current (highest
// id) seal key, with a random 24-byte nonce and ad as associated data.
// Output: 1 byte key id || nonce || ciphertext+tag, Overhead bytes longer than
// plaintext. XChaCha's 192-bit nonce makes random nonces safe for any number
// of values, so no counter has to be stored.
func (k *Keys) Seal(plaintext []byte, ad string) []byte {
	aead := k.seal[k.current]
	out := make([]byte, 1+chacha20poly1305.NonceSizeX, len(plaintext)+Overhead)
	out[0] = k.current
	nonce := out[1:]
	// crypto/rand.Read never returns an error (it crashes the program if the
	// system's randomness fails), so there is nothing to handle here.
	_, _ = rand.Read(nonce)
	return aead.Seal(out, nonce, plaintext, []byte(ad))
}

// Open reverses Seal using the key id in front. A wrong ad, a tampered or
// truncated value, or an unknown key id is an error: ErrOpen, wrapped with
// the key id when the id is unknown.
func (k *Keys) Open(sealed []byte, ad string) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, ErrOpen
	}
	id := sealed[0]
	aead, ok := k.seal[id]
	if !ok {
		return nil, fmt.Errorf("%w: unknown seal key id %d", ErrOpen, id)
	}
	nonce := sealed[1 : 1+chacha20poly1305.NonceSizeX]
	plain, err := aead.Open(nil, nonce, sealed[1+chacha20poly1305.NonceSizeX:], []byte(ad))
	if err != nil {
		return nil, ErrOpen
	}
	if plain == nil {
		plain = []byte{} // an empty plaintext opened fine; don't look like a failure
	}
	return plain, nil
}

// SealString is Seal for a string.
func (k *Keys) SealString(s, ad string) []byte {
	return k.Seal([]byte(s), ad)
}

// OpenString is Open returning a string.
func (k *Keys) OpenString(sealed []byte, ad string) (string, error) {
	b, err := k.Open(sealed, ad)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// CurrentSealID is the id of the seal key that seals new values: the
// highest id in the key file.
func (k *Keys) CurrentSealID() byte { return k.current }

// SealKeyIDs lists the ids of the key file's seal keys, lowest first.
func (k *Keys) SealKeyIDs() []byte {
	ids := make([]byte, 0, len(k.seal))
	for id := range k.seal {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Reseal returns a value sealed under another key sealed again, under the
// current one, with true; a value the current key sealed comes back as it
// is, with false, without being opened. A value that does not open is an
// error wrapping ErrOpen (saying so when its key is not in the key file).
func (k *Keys) Reseal(sealed []byte, ad string) ([]byte, bool, error) {
	if !k.NeedsResealing(sealed) {
		return sealed, false, nil
	}
	plain, err := k.Open(sealed, ad)
	if err != nil {
		return nil, false, err
	}
	return k.Seal(plain, ad), true, nil
}

// NeedsResealing reports whether a value was sealed with a key other than
// the current one, for rotation jobs: open it and seal it again. It looks
// only at the key id byte and does not authenticate the value; an empty value
// reports true, so a rotation job tries it and surfaces the error from Open.
func (k *Keys) NeedsResealing(sealed []byte) bool {
	return len(sealed) == 0 || sealed[0] != k.current
}
