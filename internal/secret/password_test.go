package secret

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testPasswordParams are cheap enough that tests under -race stay quick.
var testPasswordParams = PasswordParams{Memory: 256, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func mustHash(t *testing.T, params PasswordParams, password string) string {
	t.Helper()
	encoded, err := HashPasswordWith(params, password)
	if err != nil {
		t.Fatalf("HashPasswordWith: %v", err)
	}
	return encoded
}

func TestPasswordRoundTrip(t *testing.T) {
	for _, password := range []string{"", "correct horse battery", "Contraseña-ñandú-日本語", strings.Repeat("x", MaxPasswordBytes)} {
		encoded := mustHash(t, testPasswordParams, password)
		ok, rehash, err := CheckPassword(encoded, password)
		if !ok || err != nil {
			t.Errorf("CheckPassword(own hash of %.20q) = %v, %v, %v; want ok", password, ok, rehash, err)
		}
		if !rehash {
			t.Errorf("hash with test params not flagged for rehash")
		}
		for _, wrong := range []string{password + "x", strings.ToUpper(password) + "X", " " + password} {
			ok, rehash, err := CheckPassword(encoded, wrong)
			if ok || rehash || err != nil {
				t.Errorf("CheckPassword with wrong password = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		}
	}
	// Random salts: the same password never gives the same hash.
	first, second := mustHash(t, testPasswordParams, "same"), mustHash(t, testPasswordParams, "same")
	if first == second {
		t.Error("two hashes of the same password are equal")
	}
}

func TestPasswordHashFormat(t *testing.T) {
	encoded := mustHash(t, PasswordParams{Memory: 512, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}, "pw")
	// 16 bytes are 22 base64 characters, 32 bytes 43.
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=512,t=2,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(encoded) {
		t.Errorf("hash %q does not match %v", encoded, re)
	}
}

// TestPasswordReferenceVectors checks against the argon2 reference
// implementation's own test vectors (src/test.c), so that hashes stay
// readable by, and importable from, other argon2id libraries.
func TestPasswordReferenceVectors(t *testing.T) {
	for _, encoded := range []string{
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
	} {
		ok, rehash, err := CheckPassword(encoded, "password")
		if !ok || !rehash || err != nil {
			t.Errorf("CheckPassword(%q, password) = %v, %v, %v; want true, true, nil", encoded, ok, rehash, err)
		}
		if ok, _, err := CheckPassword(encoded, "differentpassword"); ok || err != nil {
			t.Errorf("CheckPassword(%q, differentpassword) = %v, %v; want false, nil", encoded, ok, err)
		}
	}
}

// TestPasswordDefaultParams is the one test at full cost: it logs how long
// a hash takes on this machine, and checks that BurnPasswordTime costs about
// what a real check costs. Timing in tests is noisy, so those bounds are
// loose: they catch a BurnPasswordTime that does nothing, or far too much.
func TestPasswordDefaultParams(t *testing.T) {
	start := time.Now()
	encoded, err := HashPassword("a staff password")
	t.Logf("HashPassword with default params took %v", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=65536,t=3,p=2$"; !strings.HasPrefix(encoded, want) {
		t.Errorf("hash %q does not start with %q", encoded, want)
	}
	ok, rehash, err := CheckPassword(encoded, "a staff password")
	if !ok || rehash || err != nil {
		t.Errorf("CheckPassword = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}

	if testing.Short() {
		return
	}
	fastest := func(f func()) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 2 {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best
	}
	known := fastest(func() { _, _, _ = CheckPassword(encoded, "a wrong guess") })
	unknown := fastest(func() { BurnPasswordTime("a wrong guess") })
	t.Logf("CheckPassword took %v, BurnPasswordTime %v", known, unknown)
	if ratio := float64(unknown) / float64(known); ratio < 0.5 || ratio > 2 {
		t.Errorf("BurnPasswordTime took %v, CheckPassword %v: too different", unknown, known)
	}
}

func TestPasswordWeakerThan(t *testing.T) {
	def := PasswordParams{Memory: 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}
	// Each case changes one thing; lowering any one of them is enough.
	tests := []struct {
		name   string
		params PasswordParams
		want   bool
	}{
		{"same", def, false},
		{"less memory", PasswordParams{512, 3, 2, 16, 32}, true},
		{"fewer passes", PasswordParams{1024, 2, 2, 16, 32}, true},
		{"shorter salt", PasswordParams{1024, 3, 2, 8, 32}, true},
		{"shorter key", PasswordParams{1024, 3, 2, 16, 16}, true},
		{"fewer threads", PasswordParams{1024, 3, 1, 16, 32}, false},
		{"more threads", PasswordParams{1024, 3, 4, 16, 32}, false},
		{"stronger", PasswordParams{2048, 4, 2, 32, 64}, false},
		{"more memory, fewer passes", PasswordParams{4096, 1, 2, 16, 32}, true},
	}
	for _, tc := range tests {
		if got := tc.params.weakerThan(def); got != tc.want {
			t.Errorf("%s: weakerThan = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPasswordBadHashes(t *testing.T) {
	valid := mustHash(t, testPasswordParams, "pw")
	fields := strings.Split(valid, "$")
	salt, key := fields[4], fields[5]
	with := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }
	bad := map[string]string{
		"empty":             "",
		"garbage":           "not a hash",
		"dollars only":      "$$$$$",
		"bcrypt":            "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"argon2i":           strings.Replace(valid, "argon2id", "argon2i", 1),
		"argon2d":           strings.Replace(valid, "argon2id", "argon2d", 1),
		"version 16":        strings.Replace(valid, "v=19", "v=16", 1),
		"no version":        "$argon2id$m=256,t=1,p=1$" + salt + "$" + key,
		"extra field":       valid + "$",
		"leading text":      "x" + valid,
		"huge memory":       with("m=4294967295,t=1,p=1"),
		"memory above 1GiB": with("m=1048577,t=1,p=1"),
		"memory overflow":   with("m=4294967296,t=1,p=1"),
		"memory below 8p":   with("m=15,t=1,p=2"),
		"huge time":         with("m=256,t=4294967295,p=1"),
		"time 11":           with("m=256,t=11,p=1"),
		"time 0":            with("m=256,t=0,p=1"),
		"threads 0":         with("m=256,t=1,p=0"),
		"threads 17":        with("m=256,t=1,p=17"),
		"threads 256":       with("m=256,t=1,p=256"), // would wrap to 0 in a uint8
		"threads 257":       with("m=256,t=1,p=257"), // would wrap to 1 in a uint8
		"negative":          with("m=-256,t=1,p=1"),
		"plus sign":         with("m=+256,t=1,p=1"),
		"leading zero":      with("m=0256,t=1,p=1"),
		"hex":               with("m=0x100,t=1,p=1"),
		"order":             with("t=1,m=256,p=1"),
		"missing param":     with("m=256,t=1"),
		"extra param":       with("m=256,t=1,p=1,keyid=abc"),
		"spaces":            with("m=256, t=1, p=1"),
		"empty value":       with("m=,t=1,p=1"),
		"short salt":        "$argon2id$v=19$m=256,t=1,p=1$c2FsdA$" + key,
		"long salt":         "$argon2id$v=19$m=256,t=1,p=1$" + strings.Repeat("A", 88) + "$" + key,
		"short key":         "$argon2id$v=19$m=256,t=1,p=1$" + salt + "$" + key[:20],
		"long key":          "$argon2id$v=19$m=256,t=1,p=1$" + salt + "$" + strings.Repeat("A", 88),
		"empty salt":        "$argon2id$v=19$m=256,t=1,p=1$$" + key,
		"empty key":         "$argon2id$v=19$m=256,t=1,p=1$" + salt + "$",
		"padded key":        valid + "=",
		"url base64":        "$argon2id$v=19$m=256,t=1,p=1$" + salt + "$" + strings.Repeat("-_", 21) + "A",
		"newline in key":    "$argon2id$v=19$m=256,t=1,p=1$" + salt + "$" + key[:10] + "\n" + key[10:],
		"non-canonical b64": "$argon2id$v=19$m=256,t=1,p=1$" + salt + "$" + key[:42] + "B", // nonzero padding bits
		"too long":          valid + strings.Repeat("A", 300),
	}
	for name, encoded := range bad {
		t.Run(name, func(t *testing.T) {
			ok, rehash, err := CheckPassword(encoded, "pw")
			if ok || rehash || !errors.Is(err, ErrPasswordHash) {
				t.Errorf("CheckPassword(%q) = %v, %v, %v; want an ErrPasswordHash", encoded, ok, rehash, err)
			}
		})
	}
	// The valid hash still passes, so the cases above fail for their reason.
	if ok, _, err := CheckPassword(valid, "pw"); !ok || err != nil {
		t.Fatalf("CheckPassword(valid) = %v, %v", ok, err)
	}
}

// TestPasswordTampering changes each character of a valid hash to every
// other printable one: each result must be refused or mismatch, never panic
// or match. (Small parameters keep the thousands of checks fast, and the
// bounds keep those that raise m or t cheap.)
func TestPasswordTampering(t *testing.T) {
	valid := mustHash(t, PasswordParams{Memory: 8, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16}, "pw")
	for i := range len(valid) {
		for c := byte(' '); c <= '~'; c++ {
			if c == valid[i] {
				continue
			}
			tampered := valid[:i] + string(c) + valid[i+1:]
			if ok, _, err := checkNoPanic(t, tampered, "pw"); ok {
				t.Errorf("tampered hash %q accepted (err %v)", tampered, err)
			}
		}
	}
}

func checkNoPanic(t *testing.T, encoded, password string) (ok, rehash bool, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("CheckPassword(%q) panicked: %v", encoded, r)
		}
	}()
	return CheckPassword(encoded, password)
}

func TestHashPasswordRefuses(t *testing.T) {
	if _, err := HashPasswordWith(testPasswordParams, strings.Repeat("x", MaxPasswordBytes+1)); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("overlong password: err = %v, want ErrPasswordTooLong", err)
	}
	p := testPasswordParams
	for _, params := range []PasswordParams{
		{},
		{p.Memory, 0, p.Threads, p.SaltLen, p.KeyLen},
		{p.Memory, p.Time, 0, p.SaltLen, p.KeyLen},
		{maxPasswordMemory + 1, p.Time, p.Threads, p.SaltLen, p.KeyLen},
		{p.Memory, maxPasswordTime + 1, p.Threads, p.SaltLen, p.KeyLen},
		{p.Memory, p.Time, maxPasswordThreads + 1, p.SaltLen, p.KeyLen},
		{7, p.Time, 1, p.SaltLen, p.KeyLen},
		{p.Memory, p.Time, p.Threads, 7, p.KeyLen},
		{p.Memory, p.Time, p.Threads, 65, p.KeyLen},
		{p.Memory, p.Time, p.Threads, p.SaltLen, 15},
		{p.Memory, p.Time, p.Threads, p.SaltLen, 65},
	} {
		if _, err := HashPasswordWith(params, "pw"); !errors.Is(err, ErrPasswordParams) {
			t.Errorf("HashPasswordWith(%+v): err = %v, want ErrPasswordParams", params, err)
		}
	}
	// An overlong password never matches, even a hash that would fit it.
	encoded := mustHash(t, testPasswordParams, strings.Repeat("x", MaxPasswordBytes))
	if ok, _, err := CheckPassword(encoded, strings.Repeat("x", MaxPasswordBytes+1)); ok || err != nil {
		t.Errorf("overlong password: %v, %v; want false, nil", ok, err)
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	tests := []struct {
		password string
		want     error
	}{
		{"", ErrPasswordTooShort},
		{"short", ErrPasswordTooShort},
		{"elevenchars", ErrPasswordTooShort},
		{"twelve chars", nil},
		{"ñandúñandúña", nil},                // 12 characters, 17 bytes
		{"日本語日本語日本語日本", ErrPasswordTooShort}, // 11 characters, 33 bytes
		{"日本語日本語日本語日本語", nil},
		{strings.Repeat("a", 12), ErrPasswordRepeated},
		{strings.Repeat(" ", 40), ErrPasswordRepeated},
		{strings.Repeat("é", 20), ErrPasswordRepeated},
		{strings.Repeat("a", 11) + "b", nil},
		{"b" + strings.Repeat("a", 11), nil},
		{strings.Repeat("ab", 6), nil}, // weak, but the policy stays simple
		{strings.Repeat("x", 1023) + "y", nil},
		{strings.Repeat("x", 1024) + "y", ErrPasswordTooLong},
		{strings.Repeat("日", 400), ErrPasswordTooLong}, // 400 characters, 1200 bytes
		{"valid start \xff\xfe", ErrPasswordEncoding},
	}
	for _, tc := range tests {
		if err := CheckPasswordPolicy(tc.password); !errors.Is(err, tc.want) {
			t.Errorf("CheckPasswordPolicy(%.30q) = %v, want %v", tc.password, err, tc.want)
		}
	}
	// The messages are shown to staff as they are: plain words, no
	// package prefix, no internals.
	for _, err := range []error{ErrPasswordTooShort, ErrPasswordTooLong, ErrPasswordRepeated, ErrPasswordEncoding} {
		msg := err.Error()
		if strings.Contains(msg, "secret") || strings.Contains(msg, "argon") || !strings.HasPrefix(msg, "the password") {
			t.Errorf("policy message %q is not meant for staff", msg)
		}
	}
	if !strings.Contains(ErrPasswordTooShort.Error(), fmt.Sprint(MinPasswordLength)) {
		t.Errorf("message %q does not state the minimum %d", ErrPasswordTooShort, MinPasswordLength)
	}
	if !strings.Contains(ErrPasswordTooLong.Error(), fmt.Sprint(MaxPasswordBytes)) {
		t.Errorf("message %q does not state the maximum %d", ErrPasswordTooLong, MaxPasswordBytes)
	}
}

// BenchmarkHashPassword measures DefaultPasswordParams on this machine; a
// staff login should cost roughly 50–150 ms.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("a staff password"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPasswordIsNormalised(t *testing.T) {
	low := PasswordParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	composed, decomposed := "contraseña segura", "contrasen\u0303a segura"
	hash, err := HashPasswordWith(low, composed)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := CheckPassword(hash, decomposed); !ok || err != nil {
		t.Errorf("the same password typed decomposed: ok=%v, %v", ok, err)
	}
}
