package secret

import (
	"bytes"
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the SHA-1 secret of the RFC 6238 test vectors.
var rfcSecret = []byte("12345678901234567890")

// Fixed secrets keep the tests deterministic: with random ones, a refused
// code would match a neighbouring step about once in 10⁶ runs.
var (
	testTOTPSecret  = []byte("vigil test totp secret")
	otherTOTPSecret = []byte("another test secret!")
)

// TestTOTPRFC6238 checks the SHA-1 test vectors of RFC 6238 appendix B, at
// their 8 digits through hotp and at our 6 (their last 6) through TOTPCode.
func TestTOTPRFC6238(t *testing.T) {
	tests := []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tc := range tests {
		at := time.Unix(tc.unix, 0)
		if got := hotp(rfcSecret, totpStep(at), 8); got != tc.code {
			t.Errorf("8-digit code at %d = %s, want %s", tc.unix, got, tc.code)
		}
		want := tc.code[2:]
		if got := TOTPCode(rfcSecret, at); got != want {
			t.Errorf("TOTPCode at %d = %s, want %s", tc.unix, got, want)
		}
		step, ok := CheckTOTP(rfcSecret, want, at, 0)
		if !ok || step != tc.unix/30 {
			t.Errorf("CheckTOTP(%s) at %d = %d, %v; want %d, true", want, tc.unix, step, ok, tc.unix/30)
		}
	}
}

// TestHOTPRFC4226 checks the HOTP values of RFC 4226 appendix D, which TOTP
// is built on: counters 0..9 with the same secret.
func TestHOTPRFC4226(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, code := range want {
		if got := hotp(rfcSecret, int64(counter), 6); got != code {
			t.Errorf("hotp(counter %d) = %s, want %s", counter, got, code)
		}
	}
}

func TestCheckTOTPWindow(t *testing.T) {
	secret := testTOTPSecret
	now := time.Unix(1_700_000_015, 0) // the middle of a step
	current := totpStep(now)
	tests := []struct {
		offset int64 // steps from now at which the code was made
		ok     bool
	}{
		{-3, false},
		{-2, false},
		{-1, true},
		{0, true},
		{1, true},
		{2, false},
		{3, false},
	}
	for _, tc := range tests {
		code := TOTPCode(secret, now.Add(time.Duration(tc.offset)*totpPeriod*time.Second))
		step, ok := CheckTOTP(secret, code, now, 0)
		if ok != tc.ok || ok && step != current+tc.offset {
			t.Errorf("code from %+d steps: CheckTOTP = %d, %v; want %d, %v", tc.offset, step, ok, current+tc.offset, tc.ok)
		}
	}
	// The window is in steps, not seconds from now: at the first and the
	// last second of a step, the steps either side are both still accepted.
	for _, at := range []time.Time{time.Unix(current*totpPeriod, 0), time.Unix(current*totpPeriod+totpPeriod-1, 0)} {
		for _, offset := range []int64{-1, 1} {
			code := hotp(secret, current+offset, totpDigits)
			if _, ok := CheckTOTP(secret, code, at, 0); !ok {
				t.Errorf("at %v, code of step %+d refused", at.Unix(), offset)
			}
		}
	}
}

func TestCheckTOTPReplay(t *testing.T) {
	secret := testTOTPSecret
	now := time.Unix(1_700_000_015, 0)
	code := TOTPCode(secret, now)
	step, ok := CheckTOTP(secret, code, now, 0)
	if !ok {
		t.Fatal("fresh code refused")
	}
	// The same code again, now or a few seconds later in the same step or
	// the next one, with the step stored as the caller must.
	for _, later := range []time.Duration{0, 10 * time.Second, 30 * time.Second} {
		if _, ok := CheckTOTP(secret, code, now.Add(later), step); ok {
			t.Errorf("replayed code accepted %v later", later)
		}
	}
	// An older code after a newer one is a replay too.
	previous := TOTPCode(secret, now.Add(-totpPeriod*time.Second))
	if _, ok := CheckTOTP(secret, previous, now, step); ok {
		t.Error("code of the previous step accepted after the current one")
	}
	// The next step's code is still accepted, once.
	nextAt := now.Add(totpPeriod * time.Second)
	next := TOTPCode(secret, nextAt)
	nextStep, ok := CheckTOTP(secret, next, nextAt, step)
	if !ok || nextStep != step+1 {
		t.Errorf("next code: %d, %v; want %d, true", nextStep, ok, step+1)
	}
	if _, ok := CheckTOTP(secret, next, nextAt, nextStep); ok {
		t.Error("next code accepted twice")
	}
}

func TestCheckTOTPRefuses(t *testing.T) {
	secret := testTOTPSecret
	now := time.Unix(1_700_000_015, 0)
	code := TOTPCode(secret, now)
	wrong := []byte(code)
	wrong[5] = '0' + (wrong[5]-'0'+1)%10
	other := otherTOTPSecret
	for name, tc := range map[string]struct {
		secret []byte
		code   string
	}{
		"wrong code":      {secret, string(wrong)},
		"other secret":    {other, code},
		"empty":           {secret, ""},
		"spaces only":     {secret, "      "},
		"five digits":     {secret, code[:5]},
		"seven digits":    {secret, code + "0"},
		"letters":         {secret, "abcdef"},
		"signed":          {secret, "+" + code[1:]},
		"arabic digits":   {secret, "١٢٣٤٥٦"},
		"fullwidth":       {secret, "１２３４５６"},
		"8-digit form":    {secret, "00" + code},
		"nil secret":      {nil, hotp(nil, totpStep(now), totpDigits)},
		"15-byte secret":  {secret[:15], hotp(secret[:15], totpStep(now), totpDigits)},
		"code with dash":  {secret, code[:3] + "-" + code[3:]},
		"code with colon": {secret, code[:3] + ":" + code[3:]},
	} {
		if step, ok := CheckTOTP(tc.secret, tc.code, now, 0); ok {
			t.Errorf("%s: CheckTOTP(%q) = %d, true; want refused", name, tc.code, step)
		}
	}
	// A 16-byte secret is the shortest accepted.
	if _, ok := CheckTOTP(secret[:16], TOTPCode(secret[:16], now), now, 0); !ok {
		t.Error("16-byte secret refused")
	}
}

func TestCheckTOTPSpaces(t *testing.T) {
	secret := testTOTPSecret
	now := time.Unix(1_700_000_015, 0)
	code := TOTPCode(secret, now)
	for _, typed := range []string{
		code,
		code[:3] + " " + code[3:],
		" " + code + " ",
		code[:2] + " " + code[2:4] + " " + code[4:],
		"\t" + code[:3] + "\u00a0" + code[3:] + "\n",
	} {
		if _, ok := CheckTOTP(secret, typed, now, 0); !ok {
			t.Errorf("CheckTOTP(%q) refused", typed)
		}
	}
}

func TestTOTPSecret(t *testing.T) {
	a, b := NewTOTPSecret(), NewTOTPSecret()
	if len(a) != TOTPSecretSize || bytes.Equal(a, b) {
		t.Errorf("NewTOTPSecret gave %x and %x", a, b)
	}
	text := TOTPSecretText(rfcSecret)
	if text != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Errorf("TOTPSecretText = %q", text)
	}
	// 20 bytes fill whole base32 blocks; other lengths must not be padded.
	if got := TOTPSecretText([]byte("12345678901234567")); strings.Contains(got, "=") {
		t.Errorf("TOTPSecretText of 17 bytes = %q, padded", got)
	}
	back, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(TOTPSecretText(a))
	if err != nil || !bytes.Equal(back, a) {
		t.Errorf("secret text does not decode back: %x, %v", back, err)
	}
}

func TestTOTPURI(t *testing.T) {
	got := TOTPURI("Vigil", "ana@example.org", rfcSecret)
	want := "otpauth://totp/Vigil:ana%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Vigil&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Errorf("TOTPURI =\n %s\nwant\n %s", got, want)
	}

	// Awkward names survive a round trip through a URL parser: nothing in
	// them can end the label, add a parameter or split issuer from account.
	issuer, account := "Amnistía & Co: Madrid/Sur?#+", "ana+vigil@example.org"
	uri := TOTPURI(issuer, account, rfcSecret)
	if strings.Contains(uri, "+") || strings.Contains(uri, " ") {
		t.Errorf("URI %q has a raw '+' or space", uri)
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", uri, err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("scheme/host = %q/%q", u.Scheme, u.Host)
	}
	label := strings.TrimPrefix(u.EscapedPath(), "/")
	escIssuer, escAccount, found := strings.Cut(label, ":")
	if !found || strings.Contains(escAccount, ":") {
		t.Fatalf("label %q does not split once at ':'", label)
	}
	gotIssuer, err1 := url.PathUnescape(escIssuer)
	gotAccount, err2 := url.PathUnescape(escAccount)
	if err1 != nil || err2 != nil || gotIssuer != issuer || gotAccount != account {
		t.Errorf("label decodes to %q, %q (%v, %v); want %q, %q", gotIssuer, gotAccount, err1, err2, issuer, account)
	}
	q := u.Query()
	if len(q) != 5 || q.Get("issuer") != issuer || q.Get("secret") != TOTPSecretText(rfcSecret) ||
		q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("query = %v", q)
	}

	// Without an issuer, neither the prefix nor the parameter.
	if got := TOTPURI("", "ana", rfcSecret); got != "otpauth://totp/ana?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30" {
		t.Errorf("TOTPURI without issuer = %s", got)
	}
}

func TestTOTPStepBeforeEpoch(t *testing.T) {
	for _, tc := range []struct{ unix, step int64 }{{0, 0}, {29, 0}, {30, 1}, {-1, -1}, {-30, -1}, {-31, -2}} {
		if got := totpStep(time.Unix(tc.unix, 0)); got != tc.step {
			t.Errorf("totpStep(%d) = %d, want %d", tc.unix, got, tc.step)
		}
	}
}
