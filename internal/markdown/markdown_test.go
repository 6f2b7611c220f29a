package markdown

import (
	"strings"
	"testing"
)

func TestHTML(t *testing.T) {
	for _, tc := range []struct {
		name, src     string
		want, wantNot []string
	}{
		{"formatting", "## Heading\n\n*em* and **strong**\n\n- one\n- two", []string{"<h2", "<em>em</em>", "<strong>strong</strong>", "<li>one</li>"}, nil},
		{"inline HTML formatting kept", "Text with <abbr title=\"Urgent Action\">UA</abbr> and <sup>1</sup>", []string{`<abbr title="Urgent Action">UA</abbr>`, "<sup>1</sup>"}, nil},
		{"script removed", "Hello <script>alert(1)</script>", []string{"Hello"}, []string{"<script", "alert(1)"}},
		{"script block removed", "<script>\nalert(1)\n</script>\n\nAfter", []string{"After"}, []string{"<script", "alert(1)"}},
		{"event handler removed", `<p onclick="alert(1)">x</p>`, []string{"<p>x</p>"}, []string{"onclick", "alert"}},
		{"images removed", `<img src="https://tracker.example/p.gif" onerror="alert(1)"> ![x](https://tracker.example/i.png)`, nil, []string{"<img", "tracker.example"}},
		{"javascript link removed", "[click](javascript:alert(1)) <a href=\"javascript:alert(2)\">x</a>", nil, []string{"javascript:"}},
		{"iframe removed", `<iframe src="https://evil.example"></iframe>`, nil, []string{"<iframe", "evil.example"}},
		{"style removed", `<p style="position:fixed">x</p><style>body{display:none}</style>`, []string{"<p>x</p>"}, []string{"style", "display:none"}},
		{"form removed", `<form action="https://evil.example"><input name="p"></form>`, nil, []string{"<form", "<input"}},
		{"links kept, no referrer", "[report](https://example.org/report)", []string{`href="https://example.org/report"`, "noreferrer", "nofollow"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(HTML(tc.src))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("%q contains %q", got, w)
				}
			}
		})
	}
}
