// Package secret holds Vigil's key material and everything that uses it:
// sealing (encrypting) personal data before it reaches the database, blind
// indexes and IP hashes that let the database match supporters without
// holding their addresses, and signed tokens for links in emails.
//
// The point is that a stolen database file reveals no supporter: everything
// identifying is either sealed or a keyed hash, and the keys live in a
// separate file that is never stored in the database.
//
// Three keys have three separate roles and nothing is derived across roles:
// the index key (blind indexes, and through a labelled derivation, IP
// hashes), the token key (link tokens), and the seal keys (encryption only).
// Keeping them apart means rotating seal keys never disturbs lookups or
// links, and a flaw in one use cannot leak another key's output.
package secret

import (
	"bytes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the length in bytes of every key in the key file.
const KeySize = 32

// ipHashInfo labels the derivation of the IP-hash key from the index key, so
// that an IP hash can never equal a blind index of the same string. Changing
// it changes every IP hash.
const ipHashInfo = "vigil ip-hash v1"

// ErrKeyFile is wrapped by every error Parse returns, so callers can tell a
// broken key file (an operator must fix it) from an I/O failure.
var ErrKeyFile = errors.New("invalid key file")

// ParseError reports what is wrong with a key file and where. It never holds
// key material, so it is safe to log.
type ParseError struct {
	// Line is the 1-based line number, or 0 when the problem concerns the
	// whole file (for example a required line that is missing).
	Line int
	// Reason says what is wrong, in words meant for an operator.
	Reason string
}

// Error formats the problem with its line number when there is one.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("key file line %d: %s", e.Line, e.Reason)
	}
	return "key file: " + e.Reason
}

// Unwrap lets errors.Is(err, ErrKeyFile) recognise every ParseError.
func (e *ParseError) Unwrap() error { return ErrKeyFile }

// Keys are the secrets derived from the key file. Obtain them from Parse or
// LoadOrCreate; the zero value is not usable. A *Keys is safe for concurrent
// use because it is never modified after Parse.
type Keys struct {
	index []byte // blind-index HMAC key
	ipKey []byte // derived from index with ipHashInfo; only for HashIP
	token []byte // link-token HMAC key

	seal    map[byte]cipher.AEAD // every seal key, by id; all can open
	current byte                 // highest id; seals new values

	// HMAC states under index, ipKey and token, reused.
	indexMAC, ipMAC, tokenMAC *macPool
}

// macPool hands out HMAC-SHA256 states under one key for reuse: a fresh
// one costs two hash states and their buffers, and one signature needs
// five MACs (its blind index, its address hash, three links).
type macPool struct {
	key  []byte
	pool sync.Pool
}

func newMACPool(key []byte) *macPool { return &macPool{key: key} }

// sum appends the MAC of the concatenated parts to dst.
func (p *macPool) sum(dst []byte, parts ...[]byte) []byte {
	m, _ := p.pool.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, p.key)
	} else {
		m.Reset()
	}
	for _, b := range parts {
		m.Write(b)
	}
	dst = m.Sum(dst)
	p.pool.Put(m)
	return dst
}

// Format prints a placeholder for every verb, because fmt would otherwise
// print the unexported key bytes if a Keys ended up in a log line.
func (Keys) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "secret.Keys{redacted}") }

// Generate makes a new key file's content (random keys), for first start.
// The file has an index key, a token key and seal key 1, with comments that
// tell an operator how to look after it.
func Generate() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`# Vigil key file. Keep it secret, and back it up apart from the database:
# without it sealed data can never be read again; with it, a stolen
# database can be read.
#
# index: finds supporters by email. To change it, stop every instance,
#        replace the key, run vigil reseal (it re-indexes), start again.
# token: signs links in emails. Changing it breaks every link already sent.
# seal:  encrypts personal data. To rotate, add a seal line with a higher id
#        (1..255), restart, run vigil reseal, then remove the old line.
# See docs/operations.md, "Rotating keys".
`)
	line := func(prefix string) error {
		key := make([]byte, KeySize)
		// crypto/rand.Read never fails on supported platforms (it crashes the
		// program instead), but the signature lets us say so honestly.
		if _, err := rand.Read(key); err != nil {
			return err
		}
		b.WriteString(prefix)
		b.WriteString(base64.RawURLEncoding.EncodeToString(key))
		b.WriteByte('\n')
		return nil
	}
	for _, p := range []string{"index ", "token ", "seal 1 "} {
		if err := line(p); err != nil {
			return nil, fmt.Errorf("generating keys: %w", err)
		}
	}
	return b.Bytes(), nil
}

// Parse reads a key file. Format, one item per line, '#' comments and blank
// lines ignored:
//
//	index <base64url 32 bytes>              exactly one; the blind-index HMAC key; changed only with Vigil stopped, then vigil reseal re-indexes
//	token <base64url 32 bytes>              exactly one; signs tokens in links
//	seal <id 1..255> <base64url 32 bytes>   one or more; the highest id seals new values; all open
//
// Keys may be written with or without '=' padding. The same key may not
// appear twice (in any roles), since reusing a key would join roles that
// must stay apart. Errors are *ParseError (wrapping ErrKeyFile), name the line
// number and what is wrong, and never echo key material: the file is secret
// and error messages end up in logs.
func Parse(data []byte) (*Keys, error) {
	k := &Keys{seal: make(map[byte]cipher.AEAD)}
	var (
		indexLine, tokenLine int
		sealLines            = map[byte]int{}
		seen                 []seenKey
	)
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // editors on Windows add a BOM
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		text := raw
		if c := strings.IndexByte(text, '#'); c >= 0 {
			text = text[:c] // '#' is not in the base64url alphabet, so this never cuts a key
		}
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		fail := func(format string, args ...any) (*Keys, error) {
			return nil, &ParseError{Line: n, Reason: fmt.Sprintf(format, args...)}
		}
		var (
			keyField string
			sealID   byte
		)
		switch fields[0] {
		case "index", "token":
			if len(fields) != 2 {
				return fail("%s takes exactly one key, found %d fields after it", fields[0], len(fields)-1)
			}
			first := &indexLine
			if fields[0] == "token" {
				first = &tokenLine
			}
			if *first != 0 {
				return fail("second %s line (the first is line %d); there must be exactly one", fields[0], *first)
			}
			*first = n
			keyField = fields[1]
		case "seal":
			if len(fields) != 3 {
				return fail("seal takes an id and a key, found %d fields after it", len(fields)-1)
			}
			id, err := strconv.ParseUint(fields[1], 10, 8)
			if err != nil || id == 0 {
				return fail("seal id must be a whole number from 1 to 255")
			}
			sealID = byte(id)
			if prev, dup := sealLines[sealID]; dup {
				return fail("seal id %d is already used on line %d", id, prev)
			}
			sealLines[sealID] = n
			keyField = fields[2]
		default:
			// The word is not echoed: a stray key pasted alone on a line
			// would land here.
			return fail("unknown item; expected index, token or seal")
		}

		key, err := decodeKey(keyField)
		if err != nil {
			return fail("%s key %v", fields[0], err)
		}
		for _, s := range seen {
			if hmac.Equal(s.key, key) {
				return fail("this key is the same as the one on line %d; every key must be different", s.line)
			}
		}
		seen = append(seen, seenKey{n, key})

		switch fields[0] {
		case "index":
			k.index = key
		case "token":
			k.token = key
		case "seal":
			aead, err := chacha20poly1305.NewX(key)
			if err != nil { // unreachable: key length checked above
				return fail("seal key unusable: %v", err)
			}
			k.seal[sealID] = aead
			k.current = max(k.current, sealID)
		}
	}
	switch {
	case indexLine == 0:
		return nil, &ParseError{Reason: "no index line; exactly one is required"}
	case tokenLine == 0:
		return nil, &ParseError{Reason: "no token line; exactly one is required"}
	case len(k.seal) == 0:
		return nil, &ParseError{Reason: "no seal line; at least one is required"}
	}
	ipKey, err := hkdf.Key(sha256.New, k.index, nil, ipHashInfo, KeySize)
	if err != nil { // unreachable for SHA-256 and 32 bytes
		return nil, fmt.Errorf("deriving IP-hash key: %w", err)
	}
	k.ipKey = ipKey
	k.indexMAC, k.ipMAC, k.tokenMAC = newMACPool(k.index), newMACPool(k.ipKey), newMACPool(k.token)
	return k, nil
}

type seenKey struct {
	line int
	key  []byte
}

// decodeKey decodes a base64url key of KeySize bytes. Its errors describe the
// problem without quoting the input.
func decodeKey(s string) ([]byte, error) {
	key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errors.New("is not valid base64url")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("must be %d bytes, found %d", KeySize, len(key))
	}
	return key, nil
}

// LoadOrCreate reads the key file at path, or creates it with Generate when it
// does not exist, returning created=true. The folder is created 0700 and the
// file 0600, written atomically (temp file, fsync, then linked into place and
// the folder fsynced) so that a crash never leaves a half-written key file.
//
// The file is linked rather than renamed into place because link refuses to
// replace an existing file: if two processes start at once, one wins and the
// other loads the winner's keys, instead of one silently replacing keys the
// other may already have used to seal data. Where the file system has no hard
// links it falls back to rename.
//
// A key file its group or others may read (or write) is refused, whoever
// made it: anyone who can read it can read every sealed value.
func LoadOrCreate(path string) (k *Keys, created bool, err error) {
	data, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = Generate()
		if err != nil {
			return nil, false, err
		}
		err = createFile(path, data)
		switch {
		case err == nil:
			created = true
		case errors.Is(err, fs.ErrExist):
			// Another process created it between our read and our link.
			data, err = readKeyFile(path)
		}
	}
	if err != nil {
		return nil, false, err
	}
	k, err = Parse(data)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return k, created, nil
}

// ErrKeyFileExposed is wrapped by LoadOrCreate's error for a key file its
// group or others may read or write.
var ErrKeyFileExposed = errors.New("key file readable or writable by its group or others")

// readKeyFile reads the key file, refusing it when its mode lets anyone but
// its owner in. The mode checked is the one of the file read, not of a
// name that could be swapped in between.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("%s has mode %04o: %w; make it its owner's alone: chmod 600 %s",
			path, perm, ErrKeyFileExposed, path)
	}
	return io.ReadAll(f)
}

// createFile writes data to a new file at path without ever replacing an
// existing one; see LoadOrCreate.
func createFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // CreateTemp uses mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		// After a successful link the temp name is a second link to the same
		// file; after a rename it no longer exists. Either way remove it.
		if rmErr := os.Remove(tmp); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) && err == nil {
			err = rmErr
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// No hard links here (some network and FUSE file systems). Rename
		// replaces silently, so check first; the remaining race is tiny.
		if _, statErr := os.Lstat(path); statErr == nil {
			return fmt.Errorf("%s: %w", path, fs.ErrExist)
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// syncDir makes a new directory entry durable, so that after a power cut the
// key file still exists if any value sealed with it does.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be fsynced there; NTFS journals entries
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
