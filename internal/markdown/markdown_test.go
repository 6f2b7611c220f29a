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
		{"script removed", "Hello <script>alert(1)</script>", []string{"Hello"}, []string{"<script"}},
		{"event handler removed", `<img src="x.png" onerror="alert(1)">`, nil, []string{"onerror"}},
		{"javascript link removed", "[click](javascript:alert(1))", nil, []string{"javascript:"}},
		{"iframe removed", `<iframe src="https://evil.example"></iframe>`, nil, []string{"<iframe"}},
		{"style removed", `<p style="position:fixed">x</p>`, nil, []string{"style="}},
		{"links kept, no referrer", "[report](https://example.org/report)", []string{`href="https://example.org/report"`, "noreferrer"}, nil},
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
