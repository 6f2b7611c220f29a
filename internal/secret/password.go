package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Staff passwords are stored as argon2id hashes in the PHC string format
// that the reference implementation and most other libraries read and write:
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>
//
// with salt and key in standard base64 without padding. The parameters live
// in the string, so they can be raised later without breaking old hashes:
// CheckPassword reports when a stored hash is weaker than the current default,
// and the caller stores a fresh hash while it still has the password.

// PasswordParams are the argon2id cost parameters and lengths.
type PasswordParams struct {
	// Memory is the memory cost in KiB: each hash or check allocates this
	// much, so concurrent logins multiply it.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the parallelism (lanes). It changes the result, so a hash
	// is always checked with the threads it was made with.
	Threads uint8
	// SaltLen is the length of the random salt in bytes.
	SaltLen uint32
	// KeyLen is the length of the derived key in bytes.
	KeyLen uint32
}

// DefaultPasswordParams are used by HashPassword, and hashes weaker than them
// are reported for rehashing by CheckPassword. 64 MiB and 3 passes follow the
// second recommendation of RFC 9106 (section 4), with 2 lanes for our small
// servers: a hash keeps both cores busy for a moment, affordable at a
// sign-in and costly to an attacker guessing (see BENCHMARKS.md, "Password
// hash").
var DefaultPasswordParams = PasswordParams{
	Memory:  64 * 1024,
	Time:    3,
	Threads: 2,
	SaltLen: 16,
	KeyLen:  32,
}

// Bounds on parameters, checked when hashing and, above all, when parsing a
// stored hash: a corrupt or planted row must not make a login attempt
// allocate gigabytes or run for minutes. The lower bounds are argon2's own
// (memory of at least 8 KiB per lane) or plain sanity for salts and keys.
const (
	maxPasswordMemory  = 1 << 20 // KiB, i.e. 1 GiB
	maxPasswordTime    = 10
	maxPasswordThreads = 16
	minPasswordSaltLen = 8
	maxPasswordSaltLen = 64
	minPasswordKeyLen  = 16
	maxPasswordKeyLen  = 64
	// maxPasswordHashLen bounds the stored string before any parsing; the
	// longest valid one (every field at its maximum) is about 210 bytes.
	maxPasswordHashLen = 256
)

const (
	// MinPasswordLength is the fewest characters (Unicode code points) a
	// staff password may have.
	MinPasswordLength = 12
	// MaxPasswordBytes is the longest password accepted, in bytes of UTF-8.
	// Longer ones are refused by the policy and by HashPassword, and never
	// match in CheckPassword, so nobody can make the server hash megabytes.
	MaxPasswordBytes = 1024
)

var (
	// ErrPasswordHash is wrapped by every error CheckPassword returns for a
	// stored hash it cannot read. Such an error means a damaged or foreign
	// row, an operator problem, and never depends on the password typed.
	// The wrapped detail names the faulty field and holds no key material.
	ErrPasswordHash = errors.New("invalid password hash")

	// ErrPasswordParams is returned by HashPasswordWith for parameters
	// outside the bounds CheckPassword accepts, so that no hash is written
	// that could not be checked later.
	ErrPasswordParams = errors.New("password hash parameters out of bounds")

	// The policy errors below are returned by CheckPasswordPolicy (the long
	// one also by HashPassword). Their messages are meant to be shown to the
	// staff member choosing a password; handlers that translate can match
	// them with errors.Is.

	// ErrPasswordTooShort: fewer than MinPasswordLength characters.
	ErrPasswordTooShort = errors.New("the password must have at least 12 characters")
	// ErrPasswordTooLong: more than MaxPasswordBytes bytes.
	ErrPasswordTooLong = errors.New("the password is too long (at most 1024 bytes)")
	// ErrPasswordRepeated: the same character over and over.
	ErrPasswordRepeated = errors.New("the password must not be one character repeated")
	// ErrPasswordEncoding: not valid UTF-8, so it could not be typed again.
	ErrPasswordEncoding = errors.New("the password contains characters that cannot be read")
)

// HashPassword hashes password with DefaultPasswordParams and a fresh random
// salt, returning a PHC string to store. It does not apply the policy (call
// CheckPasswordPolicy for a password a person chose) but refuses passwords
// longer than MaxPasswordBytes with ErrPasswordTooLong.
func HashPassword(password string) (string, error) {
	return HashPasswordWith(DefaultPasswordParams, password)
}

// HashPasswordWith is HashPassword with explicit parameters, for tests (which
// lower them to stay fast) and for tuning. Parameters outside the bounds that
// CheckPassword accepts give ErrPasswordParams.
func HashPasswordWith(params PasswordParams, password string) (string, error) {
	if err := params.check(); err != nil {
		return "", fmt.Errorf("%w: %v", ErrPasswordParams, err)
	}
	if len(password) > MaxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	salt := make([]byte, params.SaltLen)
	// crypto/rand.Read never returns an error (it crashes the program if the
	// system's randomness fails), so there is nothing to handle here.
	_, _ = rand.Read(salt)
	key := argon2.IDKey(passwordBytes(password), salt, params.Time, params.Memory, params.Threads, params.KeyLen)
	return encodePasswordHash(params, salt, key), nil
}

// CheckPassword reports whether password matches encoded, a hash made by
// HashPassword (or any argon2id v19 PHC string within our bounds).
//
// A wrong password is ok == false with a nil error. An error, wrapping
// ErrPasswordHash, means encoded itself is unreadable: another algorithm,
// another version, parameters out of bounds, or any deviation from the
// canonical form. rehash is true only when ok is true and the stored hash is
// weaker than DefaultPasswordParams (less memory, fewer passes, shorter salt
// or key); the caller should then store HashPassword(password). Threads are
// not compared: they change the result but not what a guess costs.
//
// The key is compared in constant time. Checking costs as much memory and
// time as hashing, so callers should rate-limit login attempts and bound how
// many run at once.
func CheckPassword(encoded, password string) (ok bool, rehash bool, err error) {
	stored, err := parsePasswordHash(encoded)
	if err != nil {
		return false, false, err
	}
	if !matchPassword(stored.params, stored.salt, stored.key, password) {
		return false, false, nil
	}
	return true, stored.params.weakerThan(DefaultPasswordParams), nil
}

// weakerThan reports whether hashes made with p are weaker than with def:
// less memory, fewer passes, or a shorter salt or key. Threads only spread
// the work, so they do not count.
func (p PasswordParams) weakerThan(def PasswordParams) bool {
	return p.Memory < def.Memory || p.Time < def.Time ||
		p.SaltLen < def.SaltLen || p.KeyLen < def.KeyLen
}

// BurnPasswordTime does the work of CheckPassword against a hash with
// DefaultPasswordParams that no password matches. Call it when a login names
// an account that does not exist (or has no password), so the answer takes as
// long as for a real account and timing does not reveal which staff
// addresses exist.
func BurnPasswordTime(password string) {
	params := DefaultPasswordParams
	salt := make([]byte, params.SaltLen)
	key := make([]byte, params.KeyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key) // a random key: matching it means breaking argon2id
	matchPassword(params, salt, key, password)
}

// matchPassword is the part of a check that costs time, shared by
// CheckPassword and BurnPasswordTime so both take the same path.
func matchPassword(params PasswordParams, salt, key []byte, password string) bool {
	if len(password) > MaxPasswordBytes {
		return false // never hashed (HashPassword refuses it), so never matches
	}
	got := argon2.IDKey(passwordBytes(password), salt, params.Time, params.Memory, params.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// passwordBytes is what is hashed: the password in Unicode NFC, so that
// "é" typed as one code point or as e plus an accent (macOS and Windows
// keyboards differ) is the same password.
func passwordBytes(password string) []byte { return []byte(norm.NFC.String(password)) }

// CheckPasswordPolicy returns nil if pw is acceptable as a new staff
// password, or one of the ErrPassword* policy errors, whose message can be
// shown as it is. The rules are few on purpose (length rather than character
// classes, as NIST SP 800-63B advises): at least MinPasswordLength
// characters, at most MaxPasswordBytes bytes, valid UTF-8, and not a single
// character repeated.
func CheckPasswordPolicy(pw string) error {
	if len(pw) > MaxPasswordBytes {
		return ErrPasswordTooLong
	}
	if !utf8.ValidString(pw) {
		return ErrPasswordEncoding
	}
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return ErrPasswordTooShort
	}
	first, _ := utf8.DecodeRuneInString(pw)
	if strings.Trim(pw, string(first)) == "" {
		return ErrPasswordRepeated
	}
	return nil
}

// check reports parameters outside the bounds parsePasswordHash accepts.
func (p PasswordParams) check() error {
	switch {
	case p.Memory > maxPasswordMemory:
		return fmt.Errorf("memory %d KiB above %d", p.Memory, maxPasswordMemory)
	case p.Time < 1 || p.Time > maxPasswordTime:
		return fmt.Errorf("time %d not in 1..%d", p.Time, maxPasswordTime)
	case p.Threads < 1 || p.Threads > maxPasswordThreads:
		return fmt.Errorf("threads %d not in 1..%d", p.Threads, maxPasswordThreads)
	case p.Memory < 8*uint32(p.Threads):
		return fmt.Errorf("memory %d KiB below 8 KiB per thread", p.Memory)
	case p.SaltLen < minPasswordSaltLen || p.SaltLen > maxPasswordSaltLen:
		return fmt.Errorf("salt length %d not in %d..%d", p.SaltLen, minPasswordSaltLen, maxPasswordSaltLen)
	case p.KeyLen < minPasswordKeyLen || p.KeyLen > maxPasswordKeyLen:
		return fmt.Errorf("key length %d not in %d..%d", p.KeyLen, minPasswordKeyLen, maxPasswordKeyLen)
	}
	return nil
}

// encodePasswordHash writes the PHC string; parsePasswordHash reads it.
func encodePasswordHash(p PasswordParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// storedPassword is a parsed PHC string.
type storedPassword struct {
	params    PasswordParams
	salt, key []byte
}

// parsePasswordHash reads a PHC string strictly: argon2id, version 19, the
// three parameters in order, and nothing else. Bounds are checked before
// anything is allocated from them. Finally the string must equal what
// encodePasswordHash writes for the values read, so that leading zeros,
// line breaks inside base64 (which Go's decoder skips) or any other second
// spelling are refused.
func parsePasswordHash(encoded string) (storedPassword, error) {
	if len(encoded) > maxPasswordHashLen {
		return storedPassword{}, badPasswordHash("%d bytes long", len(encoded))
	}
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		return storedPassword{}, badPasswordHash("not a PHC string")
	}
	// Quote identifiers cut short: the column might hold anything at all.
	if fields[1] != "argon2id" {
		return storedPassword{}, badPasswordHash("algorithm %.20q, want argon2id", fields[1])
	}
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return storedPassword{}, badPasswordHash("version %.20q, want v=%d", fields[2], argon2.Version)
	}
	parts := strings.Split(fields[3], ",")
	if len(parts) != 3 {
		return storedPassword{}, badPasswordHash("parameters %.40q, want m=…,t=…,p=…", fields[3])
	}
	var values [3]uint32
	for i, name := range []string{"m", "t", "p"} {
		text, found := strings.CutPrefix(parts[i], name+"=")
		if !found {
			return storedPassword{}, badPasswordHash("parameters %.40q, want m=…,t=…,p=…", fields[3])
		}
		n, err := strconv.ParseUint(text, 10, 32)
		if err != nil {
			return storedPassword{}, badPasswordHash("parameter %s is not a number", name)
		}
		values[i] = uint32(n)
	}
	if values[2] > maxPasswordThreads { // before it is narrowed to a uint8
		return storedPassword{}, badPasswordHash("threads %d not in 1..%d", values[2], maxPasswordThreads)
	}
	// Bound the base64 before decoding it: 64 bytes are 86 characters.
	if len(fields[4]) > 86 || len(fields[5]) > 86 {
		return storedPassword{}, badPasswordHash("salt or key too long")
	}
	salt, saltErr := base64.RawStdEncoding.Strict().DecodeString(fields[4])
	key, keyErr := base64.RawStdEncoding.Strict().DecodeString(fields[5])
	if saltErr != nil || keyErr != nil {
		return storedPassword{}, badPasswordHash("salt or key is not base64")
	}
	params := PasswordParams{
		Memory:  values[0],
		Time:    values[1],
		Threads: uint8(values[2]),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	if err := params.check(); err != nil {
		return storedPassword{}, badPasswordHash("%v", err)
	}
	if encodePasswordHash(params, salt, key) != encoded {
		return storedPassword{}, badPasswordHash("not in canonical form")
	}
	return storedPassword{params: params, salt: salt, key: key}, nil
}

// badPasswordHash builds an error wrapping ErrPasswordHash.
func badPasswordHash(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPasswordHash, fmt.Sprintf(format, args...))
}

// RandomPassword returns a password of 26 random base32 characters (130
// bits), for accounts made by a program.
func RandomPassword() string { return rand.Text() }
