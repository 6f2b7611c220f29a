package secret

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// keyLine returns a base64url key whose bytes are all b, so tests can build
// key files with distinct, recognisable keys.
func keyLine(b byte) string {
	return base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{b}, KeySize))
}

func mustParse(t *testing.T, file string) *Keys {
	t.Helper()
	k, err := Parse([]byte(file))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return k
}

func newKeys(t *testing.T) *Keys {
	t.Helper()
	data, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, string(data))
}

func TestSealRoundTrip(t *testing.T) {
	k := newKeys(t)
	ad := AD("supporters", "name", int64(42))
	for _, s := range []string{"", "Ana", "José Müller-Lüdenscheidt", strings.Repeat("x", 10000)} {
		sealed := k.SealString(s, ad)
		if len(sealed) != len(s)+Overhead {
			t.Errorf("sealed length %d, want %d", len(sealed), len(s)+Overhead)
		}
		if bytes.Contains(sealed, []byte(s)) && s != "" {
			t.Errorf("sealed value contains the plaintext")
		}
		got, err := k.OpenString(sealed, ad)
		if err != nil || got != s {
			t.Errorf("OpenString = %q, %v; want %q", got, err, s)
		}
	}
	// Sealing twice gives different values (random nonce), so equal names
	// are not visible as equal ciphertexts.
	if bytes.Equal(k.SealString("Ana", ad), k.SealString("Ana", ad)) {
		t.Error("two seals of the same value are equal")
	}
	b, err := k.Open(k.Seal(nil, ad), ad)
	if err != nil || b == nil || len(b) != 0 {
		t.Errorf("Open of sealed empty = %v, %v; want empty non-nil", b, err)
	}
}

func TestAD(t *testing.T) {
	if got := AD("supporters", "name", int64(42)); got != "supporters.name:42" {
		t.Errorf("AD = %q", got)
	}
	if got := AD("supporters", "name", "abc"); got != "supporters.name:abc" {
		t.Errorf("AD = %q", got)
	}
	if AD("t", "c", 7) != AD("t", "c", int64(7)) {
		t.Error("int and int64 rows differ")
	}
	for _, tc := range []struct {
		table, column string
		row           any
	}{{"a.b", "c", 1}, {"a", "b:c", 1}, {"", "c", 1}, {"a", "c", 1.5}, {"a", "c", nil}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AD(%q, %q, %v) did not panic", tc.table, tc.column, tc.row)
				}
			}()
			AD(tc.table, tc.column, tc.row)
		}()
	}
}

func TestOpenWithOtherADFails(t *testing.T) {
	k := newKeys(t)
	sealed := k.SealString("ana@example.org", AD("supporters", "email", int64(1)))
	for _, ad := range []string{
		AD("supporters", "email", int64(2)), // another row
		AD("supporters", "name", int64(1)),  // another column
		AD("signatures", "email", int64(1)), // another table
		"",
	} {
		if _, err := k.Open(sealed, ad); !errors.Is(err, ErrOpen) {
			t.Errorf("Open with AD %q: err = %v, want ErrOpen", ad, err)
		}
	}
}

func TestTamperingFails(t *testing.T) {
	k := newKeys(t)
	ad := AD("supporters", "name", int64(1))
	sealed := k.SealString("Ana", ad)
	for i := range sealed {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[i] ^= bit
			if _, err := k.Open(bad, ad); !errors.Is(err, ErrOpen) {
				t.Errorf("byte %d ^ %#x: err = %v, want ErrOpen", i, bit, err)
			}
		}
	}
	for n := range len(sealed) {
		if _, err := k.Open(sealed[:n], ad); !errors.Is(err, ErrOpen) {
			t.Errorf("truncated to %d: err = %v, want ErrOpen", n, err)
		}
	}
	if _, err := k.Open(append(bytes.Clone(sealed), 0), ad); !errors.Is(err, ErrOpen) {
		t.Errorf("extended: err = %v, want ErrOpen", err)
	}
}

func TestRotation(t *testing.T) {
	base := "index " + keyLine(1) + "\ntoken " + keyLine(2) + "\n"
	old := mustParse(t, base+"seal 1 "+keyLine(3)+"\n")
	ad := AD("supporters", "name", int64(7))
	sealedOld := old.SealString("Ana", ad)
	if sealedOld[0] != 1 {
		t.Fatalf("sealed under key id %d, want 1", sealedOld[0])
	}
	if old.NeedsResealing(sealedOld) {
		t.Error("NeedsResealing true under the key that sealed it")
	}

	rotated := mustParse(t, base+"seal 1 "+keyLine(3)+"\nseal 2 "+keyLine(4)+"\n")
	if got, err := rotated.OpenString(sealedOld, ad); err != nil || got != "Ana" {
		t.Errorf("old value after rotation: %q, %v", got, err)
	}
	if !rotated.NeedsResealing(sealedOld) {
		t.Error("NeedsResealing false for a value sealed under key 1")
	}
	sealedNew := rotated.SealString("Ana", ad)
	if sealedNew[0] != 2 {
		t.Errorf("new value sealed under key id %d, want 2", sealedNew[0])
	}
	if rotated.NeedsResealing(sealedNew) {
		t.Error("NeedsResealing true for a value sealed under the current key")
	}

	// The old key file cannot open values sealed under key 2, and says which
	// key it lacks.
	_, err := old.Open(sealedNew, ad)
	if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "2") {
		t.Errorf("old keys opening new value: err = %v, want ErrOpen naming key 2", err)
	}

	// Order in the file does not matter: the highest id seals.
	reordered := mustParse(t, "seal 2 "+keyLine(4)+"\n"+base+"seal 1 "+keyLine(3)+"\n")
	if reordered.SealString("x", ad)[0] != 2 {
		t.Error("highest id does not seal when listed first")
	}
}

func TestReseal(t *testing.T) {
	base := "index " + keyLine(1) + "\ntoken " + keyLine(2) + "\n"
	old := mustParse(t, base+"seal 1 "+keyLine(3)+"\n")
	both := mustParse(t, base+"seal 1 "+keyLine(3)+"\nseal 7 "+keyLine(4)+"\n")
	retired := mustParse(t, base+"seal 7 "+keyLine(4)+"\n")
	if both.CurrentSealID() != 7 || !bytes.Equal(both.SealKeyIDs(), []byte{1, 7}) {
		t.Fatalf("current %d, ids %v", both.CurrentSealID(), both.SealKeyIDs())
	}
	ad := AD("supporters", "name", int64(7))
	sealed := old.SealString("Ana", ad)
	again, changed, err := both.Reseal(sealed, ad)
	if err != nil || !changed || again[0] != 7 {
		t.Fatalf("Reseal: changed %v, key %d, %v", changed, again[0], err)
	}
	if got, err := retired.OpenString(again, ad); err != nil || got != "Ana" {
		t.Errorf("resealed value without the old key: %q, %v", got, err)
	}
	if same, changed, err := both.Reseal(again, ad); err != nil || changed || !bytes.Equal(same, again) {
		t.Errorf("resealing a current value: changed %v, %v", changed, err)
	}
	if _, _, err := both.Reseal(sealed, AD("supporters", "name", int64(8))); !errors.Is(err, ErrOpen) {
		t.Errorf("a value moved to another row: %v, want ErrOpen", err)
	}
	if _, _, err := retired.Reseal(sealed, ad); !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "1") {
		t.Errorf("a value under a key no longer in the file: %v, want ErrOpen naming key 1", err)
	}
}

func TestParseAccepts(t *testing.T) {
	file := "\xef\xbb\xbf# comment\r\n\r\n  index   " + keyLine(1) + "   # trailing comment\r\n" +
		"token " + keyLine(2) + "==\n" + // padding tolerated
		"seal 255 " + keyLine(3) + "\n"
	k := mustParse(t, file)
	if k.current != 255 {
		t.Errorf("current = %d", k.current)
	}
}

func TestParseRejects(t *testing.T) {
	idx, tok, s1, s2 := "index "+keyLine(1)+"\n", "token "+keyLine(2)+"\n", "seal 1 "+keyLine(3)+"\n", "seal 2 "+keyLine(4)+"\n"
	short := base64.RawURLEncoding.EncodeToString(make([]byte, 16))
	tests := []struct {
		name, file string
		line       int    // 0: whole-file problem
		want       string // in the message
	}{
		{"missing index", "# keys\n" + tok + s1, 0, "no index line"},
		{"missing token", idx + s1, 0, "no token line"},
		{"missing seal", idx + tok, 0, "no seal line"},
		{"empty", "", 0, "no index line"},
		{"short index key", "# keys\nindex " + short + "\n" + tok + s1, 2, "must be 32 bytes, found 16"},
		{"short seal key", idx + tok + "seal 1 " + short + "\n", 3, "must be 32 bytes"},
		{"duplicate seal id", idx + tok + s1 + "\nseal 1 " + keyLine(9) + "\n", 5, "seal id 1 is already used on line 3"},
		{"duplicate index", idx + tok + s1 + "index " + keyLine(9) + "\n", 4, "second index line (the first is line 1)"},
		{"same key twice", idx + tok + "seal 1 " + keyLine(1) + "\n", 3, "same as the one on line 1"},
		{"seal id 0", idx + tok + "seal 0 " + keyLine(3) + "\n", 3, "1 to 255"},
		{"seal id 256", idx + tok + "seal 256 " + keyLine(3) + "\n", 3, "1 to 255"},
		{"seal id not a number", idx + tok + "seal x " + keyLine(3) + "\n", 3, "1 to 255"},
		{"seal without id", idx + tok + "seal " + keyLine(3) + "\n", 3, "an id and a key"},
		{"bad base64", idx + tok + "seal 1 " + strings.Repeat("!", 43) + "\n", 3, "not valid base64url"},
		{"unknown item", idx + tok + s1 + keyLine(9) + "\n", 4, "unknown item"},
		{"extra field", "index " + keyLine(1) + " extra\n" + tok + s1, 1, "exactly one key"},
		{"ok with rotation", idx + tok + s1 + s2, -1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.file))
			if tc.line < 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrKeyFile) {
				t.Fatalf("err = %v, want *ParseError wrapping ErrKeyFile", err)
			}
			if pe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if tc.line > 0 && !strings.Contains(err.Error(), fmt.Sprintf("line %d", tc.line)) {
				t.Errorf("error %q does not name line %d", err, tc.line)
			}
			// Never echo key material.
			for _, b := range []byte{1, 2, 3, 4, 9} {
				if strings.Contains(err.Error(), keyLine(b)[:8]) {
					t.Errorf("error %q echoes key material", err)
				}
			}
			if strings.Contains(err.Error(), "!!!!") {
				t.Errorf("error %q echoes the bad key", err)
			}
		})
	}
}

func TestKeysDoNotPrint(t *testing.T) {
	k := mustParse(t, "index "+keyLine(0xAB)+"\ntoken "+keyLine(2)+"\nseal 1 "+keyLine(3)+"\n")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		for _, arg := range []any{k, *k} {
			out := fmt.Sprintf(verb, arg)
			if strings.Contains(out, "171") || strings.Contains(strings.ToLower(out), "abab") {
				t.Errorf("%s printed key material: %s", verb, out)
			}
		}
	}
}

func TestGenerateIsRandomAndParses(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two generated key files are equal")
	}
	mustParse(t, string(a))
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf", "vigil.keys")
	k1, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: created=%v, err=%v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode %v, want 0600", perm)
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if perm := di.Mode().Perm(); perm != 0o700 {
			t.Errorf("key folder mode %v, want 0700", perm)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want just the key file (temp file left behind?)", len(entries))
	}

	ad := AD("supporters", "email", int64(1))
	sealed := k1.SealString("ana@example.org", ad)
	token := k1.Token("confirm", 1, time.Now().Add(time.Hour))

	k2, created, err := LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: created=%v, err=%v", created, err)
	}
	if got, err := k2.OpenString(sealed, ad); err != nil || got != "ana@example.org" {
		t.Errorf("reloaded keys open %q, %v", got, err)
	}
	if !bytes.Equal(k1.BlindIndex("ana@example.org"), k2.BlindIndex("ana@example.org")) {
		t.Error("reloaded keys give another blind index")
	}
	if _, err := k2.CheckToken(token, "confirm", time.Now()); err != nil {
		t.Errorf("reloaded keys reject token: %v", err)
	}
}

func TestLoadOrCreateConcurrent(t *testing.T) {
	// Processes starting together must end up with one key file and the same
	// keys, never one replacing keys another has already used.
	path := filepath.Join(t.TempDir(), "vigil.keys")
	const n = 8
	keys := make([]*Keys, n)
	var created int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, c, err := LoadOrCreate(path)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			keys[i] = k
			if c {
				created++
			}
		})
	}
	wg.Wait()
	if created != 1 {
		t.Errorf("%d callers created the file, want 1", created)
	}
	ad := AD("t", "c", 1)
	sealed := keys[0].SealString("x", ad)
	for i, k := range keys {
		if k == nil {
			continue
		}
		if _, err := k.Open(sealed, ad); err != nil {
			t.Errorf("caller %d has other keys: %v", i, err)
		}
	}
}

func TestLoadOrCreateBrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.keys")
	if err := os.WriteFile(path, []byte("index short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadOrCreate(path)
	if !errors.Is(err, ErrKeyFile) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want ErrKeyFile naming the path", err)
	}
	// A broken file is never replaced: that would lose the keys to the data.
	if b, _ := os.ReadFile(path); string(b) != "index short\n" {
		t.Error("broken key file was overwritten")
	}
}

func TestBlindIndex(t *testing.T) {
	k := newKeys(t)
	a, err := NormaliseEmail(" Ana@Example.ORG ")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NormaliseEmail("ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.BlindIndex(a), k.BlindIndex(b)) {
		t.Error("blind indexes differ for the same address")
	}
	if len(k.BlindIndex(a)) != 32 {
		t.Errorf("blind index is %d bytes", len(k.BlindIndex(a)))
	}
	if bytes.Equal(k.BlindIndex(a), k.BlindIndex("bob@example.org")) {
		t.Error("different addresses give the same blind index")
	}
	other := newKeys(t)
	if bytes.Equal(k.BlindIndex(a), other.BlindIndex(a)) {
		t.Error("blind index is the same under different keys")
	}
	// NFC: é as one code point or as e + combining acute is one address.
	c1, err1 := NormaliseEmail("jos\u00e9@example.org")
	c2, err2 := NormaliseEmail("jose\u0301@example.org")
	if err1 != nil || err2 != nil || !bytes.Equal(k.BlindIndex(c1), k.BlindIndex(c2)) {
		t.Errorf("NFC forms differ: %q %v, %q %v", c1, err1, c2, err2)
	}
}

func TestHashIP(t *testing.T) {
	k := newKeys(t)
	h := k.HashIP("192.0.2.1")
	if len(h) != 16 {
		t.Fatalf("hash is %d bytes", len(h))
	}
	for _, same := range []string{"::ffff:192.0.2.1", " 192.0.2.1 ", "192.0.2.1:4711"} {
		if !bytes.Equal(h, k.HashIP(same)) {
			t.Errorf("HashIP(%q) differs from HashIP(192.0.2.1)", same)
		}
	}
	if !bytes.Equal(k.HashIP("2001:db8::1"), k.HashIP("2001:0DB8:0:0:0:0:0:1")) {
		t.Error("IPv6 spellings hash differently")
	}
	if bytes.Equal(h, k.HashIP("192.0.2.2")) {
		t.Error("different IPs hash alike")
	}
	if bytes.Equal(h, newKeys(t).HashIP("192.0.2.1")) {
		t.Error("same hash under different keys")
	}
	// Distinct label: an IP hash is not a truncated blind index of the same string.
	if bytes.Equal(h, k.BlindIndex("192.0.2.1")[:16]) {
		t.Error("HashIP uses the index key directly")
	}
}

func TestNormaliseEmailValid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ana@example.org", "ana@example.org"},
		{"  Ana@Example.ORG\t", "ana@example.org"},
		{"ana+vigil@example.org", "ana+vigil@example.org"},
		{"ana.maria@mail.lists.example.org", "ana.maria@mail.lists.example.org"},
		{"o'brien@example.ie", "o'brien@example.ie"},
		{"josé@bücher.example", "josé@xn--bcher-kva.example"},
		{"JOSÉ@BÜCHER.EXAMPLE", "josé@xn--bcher-kva.example"},
		{"ana@xn--bcher-kva.example", "ana@xn--bcher-kva.example"},
		{"用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"},
		{"a@b.co", "a@b.co"},
		{strings.Repeat("a", 64) + "@example.org", strings.Repeat("a", 64) + "@example.org"},
	}
	for _, tc := range tests {
		got, err := NormaliseEmail(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormaliseEmailInvalid(t *testing.T) {
	long := strings.Repeat("a", 63)
	tests := []string{
		"",
		"   ",
		"ana.example.org",
		"ana@@example.org",
		"ana@bob@example.org",
		"a@b",
		"@example.org",
		"ana@",
		"ana maria@example.org",
		"ana@exa mple.org",
		"a@b.c\r\nBcc: x@y.z",
		"ana@example.org\nBcc: x@y.z",
		"ana@example.org\r\nBcc:eve",
		"ana\r\n@example.org",
		"ana@exam\r\nple.org",
		"<a@b.co>",
		"Ana <a@b.co>",
		"a,b@c.co",
		"a@b.co,c@d.co",
		`"ana"@example.org`,
		"ana\x00@example.org",
		"ana\x7f@example.org",
		"ana\u202e@example.org", // bidi override
		"ana\u2028@example.org", // line separator
		strings.Repeat("a", 65) + "@example.org",
		strings.Repeat("a", 5000) + "@example.org",
		"a@" + long + "." + long + "." + long + "." + long + ".org",             // domain > 253
		strings.Repeat("a", 64) + "@" + long + "." + long + "." + long + ".org", // valid parts, total > 254
		"a@" + strings.Repeat("b", 64) + ".org",                                 // label > 63
		"\xff@x.co",
		"ana@exam\xffple.org",
		".ana@example.org",
		"ana.@example.org",
		"an..a@example.org",
		"ana@example..org",
		"ana@example.org.",
		"ana@.example.org",
		"ana@-example.org",
		"ana@example-.org",
		"ana@exam_ple.org",
		"ana@[192.0.2.1]",
		"ana@192.0.2.1",
		"ana@example.c",
		"ana(comment)@example.org",
		"ana;@example.org",
		"ana\\@example.org",
	}
	for _, in := range tests {
		got, err := NormaliseEmail(in)
		if !errors.Is(err, ErrBadEmail) {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want ErrBadEmail", in, got, err)
			continue
		}
		// The reason must not quote the address (personal data in logs).
		if len(in) > 3 && strings.Contains(err.Error(), in) {
			t.Errorf("error %q quotes the input", err)
		}
	}
}

func TestToken(t *testing.T) {
	k := newKeys(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := now.Add(48 * time.Hour)

	tok := k.Token("confirm", 12345, exp)
	id, err := k.CheckToken(tok, "confirm", now)
	if err != nil || id != 12345 {
		t.Fatalf("CheckToken = %d, %v", id, err)
	}

	for _, p := range []string{"unsubscribe", "not-me", "", "confirm ", "Confirm"} {
		if id, err := k.CheckToken(tok, p, now); !errors.Is(err, ErrTokenInvalid) || id != 0 {
			t.Errorf("purpose %q: %d, %v; want ErrTokenInvalid", p, id, err)
		}
	}

	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(tok) {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, tok[i])+1)%64], '=', '.', '\n'} {
			bad := []byte(tok)
			bad[i] = c
			if _, err := k.CheckToken(string(bad), "confirm", now); !errors.Is(err, ErrTokenInvalid) {
				t.Errorf("char %d -> %q: err = %v, want ErrTokenInvalid", i, c, err)
			}
		}
	}
	for _, bad := range []string{"", "A", tok[:len(tok)-1], tok + "A", tok + "\n", tok[:10] + "\r\n" + tok[10:], strings.Repeat("A", 1000)} {
		if _, err := k.CheckToken(bad, "confirm", now); !errors.Is(err, ErrTokenInvalid) {
			t.Errorf("token %q: err = %v, want ErrTokenInvalid", bad, err)
		}
	}
	if _, err := newKeys(t).CheckToken(tok, "confirm", now); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("token under other key: err = %v", err)
	}

	id, err = k.CheckToken(tok, "confirm", exp)
	if !errors.Is(err, ErrTokenExpired) || id != 12345 {
		t.Errorf("at expiry: %d, %v; want 12345, ErrTokenExpired", id, err)
	}
	if _, err := k.CheckToken(tok, "confirm", exp.Add(-time.Second)); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}

	// Length: realistic and extreme ids and expiries.
	for _, id := range []int64{0, 1, 12345, 1 << 40, -1, 1<<63 - 1, -1 << 63} {
		for _, e := range []time.Time{exp, time.Unix(1<<62, 0), time.Unix(-1<<62, 0)} {
			tok := k.Token("unsubscribe", id, e)
			if len(tok) > 60 {
				t.Errorf("token for %d is %d chars", id, len(tok))
			}
			got, err := k.CheckToken(tok, "unsubscribe", time.Unix(-1<<62, 0).Add(-time.Hour))
			if err != nil || got != id {
				t.Errorf("round trip %d: %d, %v", id, got, err)
			}
		}
	}
	if n := len(k.Token("confirm", 1_000_000, exp)); n > 32 {
		t.Errorf("typical token is %d chars, want ≤ 32", n)
	}
}

// A different purpose must not be reachable by shifting bytes between the
// purpose and the payload.
func TestTokenPurposeFraming(t *testing.T) {
	k := newKeys(t)
	if bytes.Equal(k.tokenTag("ab", []byte("c")), k.tokenTag("a", []byte("bc"))) {
		t.Error("purpose and payload are not framed")
	}
}

func BenchmarkSeal(b *testing.B) {
	data, _ := Generate()
	k, _ := Parse(data)
	ad := AD("supporters", "email", int64(1))
	for b.Loop() {
		k.SealString("ana@example.org", ad)
	}
}

func TestSignVerify(t *testing.T) {
	k := newKeys(t)
	sig := k.Sign("share", []byte("Act now https://act.example.org/x"))
	if !k.Verify("share", []byte("Act now https://act.example.org/x"), sig) {
		t.Fatal("a signature does not verify")
	}
	if k.Verify("share", []byte("Donate at https://evil.example"), sig) {
		t.Error("a signature verifies other data")
	}
	if k.Verify("other", []byte("Act now https://act.example.org/x"), sig) {
		t.Error("a signature verifies for another purpose")
	}
	if k.Verify("share", []byte("x"), "%%%") {
		t.Error("garbage verifies")
	}
}

// TestReusedMACsMatchAFreshOne checks that the reused HMAC states give,
// from many goroutines at once, exactly what a fresh HMAC gives: blind
// indexes already stored and links already sent must keep matching.
func TestReusedMACsMatchAFreshOne(t *testing.T) {
	k := newKeys(t)
	fresh := func(key []byte, parts ...[]byte) []byte {
		m := hmac.New(sha256.New, key)
		for _, p := range parts {
			m.Write(p)
		}
		return m.Sum(nil)
	}
	exp := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				email := fmt.Sprintf("s%d-%d@example.org", g, i)
				if !bytes.Equal(k.BlindIndex(email), fresh(k.index, []byte(email))) {
					t.Errorf("blind index of %s differs from a fresh HMAC", email)
					return
				}
				ip := fmt.Sprintf("192.0.2.%d", i%250)
				if !bytes.Equal(k.HashIP(ip), fresh(k.ipKey, []byte(ip))[:16]) {
					t.Errorf("hash of %s differs from a fresh HMAC", ip)
					return
				}
				id := int64(g*1000 + i)
				payload := binary.AppendVarint(binary.AppendVarint(nil, id), exp.Unix())
				want := base64.RawURLEncoding.EncodeToString(append(payload,
					fresh(k.token, []byte{7}, []byte("confirm"), payload)[:tokenTagLen]...))
				if got := k.Token("confirm", id, exp); got != want {
					t.Errorf("token %d is %s, a fresh HMAC gives %s", id, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestLoadOrCreateRefusesAnExposedKeyFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes")
	}
	data, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o400, true}, {0o640, false}, {0o644, false}, {0o604, false}, {0o620, false}, {0o660, false}} {
		path := filepath.Join(t.TempDir(), "vigil.key")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		_, created, err := LoadOrCreate(path)
		switch {
		case tc.ok && err != nil:
			t.Errorf("mode %04o: %v", tc.mode, err)
		case !tc.ok && !errors.Is(err, ErrKeyFileExposed):
			t.Errorf("mode %04o: %v, want ErrKeyFileExposed", tc.mode, err)
		case !tc.ok && (!strings.Contains(err.Error(), "chmod 600 "+path) || strings.Contains(err.Error(), string(data[len(data)-20:]))):
			t.Errorf("mode %04o: the error does not say what to do, or shows the keys: %v", tc.mode, err)
		case created:
			t.Errorf("mode %04o: a new key file was made over the refused one", tc.mode)
		}
	}
}
