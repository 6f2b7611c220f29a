package httpx

import (
	"strings"
	"testing"
)

func TestParseOrigin(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://partner.example", "https://partner.example"},
		{" https://Partner.Example/ ", "https://partner.example"},
		{"https://partner.example:443", "https://partner.example"},
		{"http://partner.example:80", "http://partner.example"},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081"},
		{"https://[::1]:8443", "https://[::1]:8443"},
	} {
		got, err := ParseOrigin(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "partner.example", "ftp://partner.example", "https://", "https://partner.example/page",
		"https://user@partner.example", "https://partner.example?x=1", "https://*.partner.example", "https:", "*", "'none'"} {
		if got, err := ParseOrigin(bad); err == nil {
			t.Errorf("ParseOrigin(%q) = %q, want an error", bad, got)
		}
	}
}

func TestOriginOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://partner.example/campaigns/venezuela?x=1#form": "https://partner.example",
		"http://127.0.0.1:8081/":                               "http://127.0.0.1:8081",
		"HTTPS://PARTNER.EXAMPLE:443/":                         "https://partner.example",
		"":                                                     "",
		"/actions/x":                                           "",
		"android-app://com.example/":                           "",
		"https://partner.example:99999/":                       "",
	} {
		if got := OriginOf(in); got != want {
			t.Errorf("OriginOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEmbedPolicyOnlyChangesFraming(t *testing.T) {
	site := SiteHeaders[0].Value[0]
	for _, tc := range []struct {
		origins []string
		want    string
	}{
		{nil, "frame-ancestors https:"},
		{[]string{"https://a.example", "http://127.0.0.1:8081"}, "frame-ancestors https://a.example http://127.0.0.1:8081"},
	} {
		h := EmbedPolicy(tc.origins)
		got := h.Value[0]
		if h.Key != "Content-Security-Policy" || !strings.HasSuffix(got, "; "+tc.want) ||
			strings.TrimSuffix(got, "; "+tc.want) != strings.TrimSuffix(site, "; frame-ancestors 'none'") {
			t.Errorf("EmbedPolicy(%v) = %q; the site's is %q", tc.origins, got, site)
		}
	}
}
