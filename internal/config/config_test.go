package config

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsEnvAndFlags(t *testing.T) {
	c, _, err := Parse("serve", "", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DB != "./data/vigil.db" || c.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("defaults: %+v", c)
	}
	c, _, err = Parse("serve", "", nil, env(map[string]string{"VIGIL_ADDR": "127.0.0.1:9000", "VIGIL_DATABASE_URL": "/tmp/x.db"}), io.Discard)
	if err != nil || c.Addr != "127.0.0.1:9000" || c.DB != "/tmp/x.db" || c.BaseURL != "http://127.0.0.1:9000" {
		t.Errorf("environment: %+v %v", c, err)
	}
	c, _, err = Parse("serve", "", []string{"--addr", "127.0.0.1:7000", "--base-url", "https://act.example.org/"},
		env(map[string]string{"VIGIL_ADDR": "127.0.0.1:9000"}), io.Discard)
	if err != nil || c.Addr != "127.0.0.1:7000" || c.BaseURL != "https://act.example.org" {
		t.Errorf("flags over environment: %+v %v", c, err)
	}
}

func TestBadValuesNamed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "nonsense"}, "--addr"},
		{[]string{"--base-url", "ftp://x"}, "--base-url"},
		{[]string{"--log-format", "xml"}, "--log-format"},
		{[]string{"--metrics-token", "short"}, "--metrics-token"},
		{[]string{"--embed-origins", "https://partner.example/campaign"}, "--embed-origins"},
		{[]string{"--embed-origins", "partner.example"}, "--embed-origins"},
	} {
		_, _, err := Parse("serve", "", tc.args, env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.want)
		}
	}
}

func TestHelpNamesVariables(t *testing.T) {
	var out strings.Builder
	_, _, err := Parse("serve", "Serve the site.", []string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"VIGIL_ADDR", "VIGIL_DATABASE_URL", "VIGIL_BASE_URL", "Serve the site."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %s:\n%s", want, out.String())
		}
	}
}

func TestMailRetention(t *testing.T) {
	c, _, err := Parse("serve", "", nil, env(nil), io.Discard)
	if err != nil || c.MailRetention != 30*24*time.Hour {
		t.Errorf("default mail retention %v, %v; want 30 days", c.MailRetention, err)
	}
	c, _, err = Parse("serve", "", nil, env(map[string]string{"VIGIL_MAIL_RETENTION": "48h"}), io.Discard)
	if err != nil || c.MailRetention != 48*time.Hour {
		t.Errorf("VIGIL_MAIL_RETENTION=48h: %v, %v", c.MailRetention, err)
	}
	for _, bad := range []string{"0", "-1h", "30 days"} {
		if _, _, err := Parse("serve", "", []string{"--mail-retention", bad}, env(nil), io.Discard); err == nil ||
			!strings.Contains(err.Error(), "--mail-retention") {
			t.Errorf("--mail-retention %q: %v", bad, err)
		}
	}
}

func TestLanguages(t *testing.T) {
	c, _, err := Parse("serve", "", nil, env(nil), io.Discard)
	if err != nil || c.Languages != nil {
		t.Errorf("default: every catalogue (nil), got %q, %v", c.Languages, err)
	}
	c, _, err = Parse("serve", "", nil, env(map[string]string{"VIGIL_LANGUAGES": "en, ar,fr,ar"}), io.Discard)
	if err != nil || strings.Join(c.Languages, ",") != "en,ar,fr" {
		t.Errorf("from the environment: %q, %v", c.Languages, err)
	}
	c, _, err = Parse("serve", "", []string{"--languages", "en,es"}, env(map[string]string{"VIGIL_LANGUAGES": "en,ar"}), io.Discard)
	if err != nil || strings.Join(c.Languages, ",") != "en,es" {
		t.Errorf("flag over environment: %q, %v", c.Languages, err)
	}
	for _, tc := range []struct{ value, want string }{
		{"en,de", "--languages: no catalogue for de; the catalogues are ar, en, es, fr"},
		{"en,xx,fr-CA", "no catalogue for xx, fr-CA"},
		{"es,fr", "include en"},
	} {
		_, _, err := Parse("serve", "", []string{"--languages", tc.value}, env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--languages %s: %v, want an error with %q", tc.value, err, tc.want)
		}
	}
}

func TestEmbedOrigins(t *testing.T) {
	c, _, err := Parse("serve", "", nil, env(nil), io.Discard)
	if err != nil || c.EmbedOrigins != nil {
		t.Errorf("default: %q, %v; want none (any https origin)", c.EmbedOrigins, err)
	}
	c, _, err = Parse("serve", "", nil, env(map[string]string{
		"VIGIL_EMBED_ORIGINS": "https://Partner.example:443/, http://127.0.0.1:8081\thttps://other.example https://partner.example",
	}), io.Discard)
	want := []string{"https://partner.example", "http://127.0.0.1:8081", "https://other.example"}
	if err != nil || strings.Join(c.EmbedOrigins, " ") != strings.Join(want, " ") {
		t.Errorf("from the environment: %q, %v; want %q", c.EmbedOrigins, err, want)
	}
	_, _, err = Parse("serve", "", []string{"--embed-origins", "https://ok.example,ftp://bad.example"}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), `"ftp://bad.example"`) {
		t.Errorf("a bad origin among good ones: %v", err)
	}
}

func TestRetention(t *testing.T) {
	c, _, err := Parse("retention", "", nil, env(nil), io.Discard, "retention", "dry-run")
	if err != nil || c.RetentionMonths != 24 || c.DryRun {
		t.Fatalf("defaults: %d months, dry run %v, %v; want 24, false", c.RetentionMonths, c.DryRun, err)
	}
	c, _, err = Parse("retention", "", []string{"--dry-run"}, env(map[string]string{"VIGIL_RETENTION": "36"}), io.Discard, "retention", "dry-run")
	if err != nil || c.RetentionMonths != 36 || !c.DryRun {
		t.Fatalf("--dry-run, VIGIL_RETENTION=36: %d, %v, %v", c.RetentionMonths, c.DryRun, err)
	}
	if c, _, err = Parse("retention", "", []string{"--retention", "0"}, env(nil), io.Discard, "retention"); err != nil || c.RetentionMonths != 0 {
		t.Errorf("--retention 0 (keep): %d, %v", c.RetentionMonths, err)
	}
	for _, bad := range []string{"24h", "-1", "two years", ""} {
		if _, _, err := Parse("retention", "", []string{"--retention", bad}, env(nil), io.Discard, "retention"); err == nil ||
			!strings.Contains(err.Error(), "--retention") {
			t.Errorf("--retention %q: %v", bad, err)
		}
	}
}
