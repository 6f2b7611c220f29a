package testutil

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A 1x1 transparent PNG, so the page's image loads without a 404.
var pixelPNG, _ = base64.StdEncoding.DecodeString(
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

// badPage has an image without alt text and a button without a name, and a
// script that would change the h1 if scripts ran.
const badPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Bad page</title></head>
<body>
<main>
<h1 id="title">Server text</h1>
<img src="/pixel.png">
<button></button>
</main>
<script>document.getElementById("title").textContent = "Changed by script";</script>
</body>
</html>`

const goodPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Good page</title></head>
<body>
<main>
<h1>Welcome</h1>
<p>A plain, accessible page.</p>
<img src="/pixel.png" alt="A transparent pixel">
<button type="button">Save</button>
</main>
</body>
</html>`

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(badPage))
	})
	mux.HandleFunc("GET /good", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(goodPage))
	})
	mux.HandleFunc("GET /pixel.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(pixelPNG)
	})
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowserHarness(t *testing.T) {
	srv := testServer(t)
	bctx := Browser(t)
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()

	requests := RecordRequests(ctx)

	// (a) The bad page, loaded with JavaScript disabled.
	if err := DisableJS(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
		t.Fatalf("navigate /bad: %v", err)
	}
	vs, err := Axe(ctx)
	if err != nil {
		t.Fatalf("axe on /bad: %v", err)
	}
	byID := map[string]AxeViolation{}
	for _, v := range vs {
		byID[v.ID] = v
		t.Logf("/bad violation: %s", v)
	}
	img, ok := byID["image-alt"]
	if !ok {
		t.Errorf("image-alt not reported; got %v", vs)
	} else {
		if img.Impact != "critical" {
			t.Errorf("image-alt impact = %q, want critical", img.Impact)
		}
		if len(img.Nodes) == 0 || !strings.Contains(img.Nodes[0], "img") {
			t.Errorf("image-alt nodes = %v, want the img", img.Nodes)
		}
	}
	if _, ok := byID["button-name"]; !ok {
		t.Errorf("button-name not reported; got %v", vs)
	}
	if len(SeriousAxe(vs)) == 0 {
		t.Errorf("SeriousAxe(/bad) is empty")
	}
	// Axe had to enable scripts; the page's own script must still not
	// have run.
	h1, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("title").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "Server text" {
		t.Errorf("h1 = %q: the page script ran although JavaScript was disabled", h1)
	}
	// Axe put back the disabled state: a new load still runs no script.
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reload /bad: %v", err)
	}
	h1, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#title")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "Server text" {
		t.Errorf("after reload, h1 = %q: JavaScript was not disabled again after Axe", h1)
	}

	// Sanity check of the control: with scripts on, the same script runs.
	if err := EnableJS(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reload /bad: %v", err)
	}
	h1, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#title")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "Changed by script" {
		t.Errorf("with JavaScript enabled, h1 = %q; want the script's text", h1)
	}

	// (b) The accessible page: no serious or critical violation.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/good")); err != nil {
		t.Fatalf("navigate /good: %v", err)
	}
	vs, err = Axe(ctx)
	if err != nil {
		t.Fatalf("axe on /good: %v", err)
	}
	for _, v := range vs {
		t.Logf("/good violation: %s", v)
	}
	if s := SeriousAxe(vs); len(s) > 0 {
		t.Errorf("serious violations on /good: %v", s)
	}

	// The viewport is the 1280 px wide window.
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width != 1280 {
		t.Errorf("window.innerWidth = %d, want 1280", width)
	}

	// Screenshot.
	path := Screenshot(t, ctx, "good page")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("screenshot file: %v", err)
	}
	if fi.Size() == 0 {
		t.Errorf("screenshot %s is empty", path)
	}
	head := make([]byte, 8)
	if f, err := os.Open(path); err == nil {
		_, _ = f.Read(head)
		f.Close()
	}
	if string(head) != "\x89PNG\r\n\x1a\n" {
		t.Errorf("screenshot %s is not a PNG (starts %q)", path, head)
	}

	// Requests: the pages were seen, and nothing left the test server.
	seen := requests()
	for _, want := range []string{srv.URL + "/bad", srv.URL + "/good", srv.URL + "/pixel.png"} {
		found := false
		for _, u := range seen {
			if u == want {
				found = true
			}
		}
		if !found {
			t.Errorf("RecordRequests did not see %s; saw %v", want, seen)
		}
	}
	for _, u := range seen {
		if !strings.HasPrefix(u, srv.URL+"/") {
			t.Errorf("request to another origin: %s", u)
		}
	}
}

func TestSeriousAxe(t *testing.T) {
	vs := []AxeViolation{
		{ID: "a", Impact: "minor"},
		{ID: "b", Impact: "moderate"},
		{ID: "c", Impact: "serious"},
		{ID: "d", Impact: "critical"},
		{ID: "e", Impact: ""},
	}
	got := SeriousAxe(vs)
	if len(got) != 2 || got[0].ID != "c" || got[1].ID != "d" {
		t.Errorf("SeriousAxe = %v, want c and d", got)
	}
	if SeriousAxe(nil) != nil {
		t.Errorf("SeriousAxe(nil) should be nil")
	}
}

func TestAxeNeedsAxePath(t *testing.T) {
	t.Setenv("VIGIL_TEST_AXE", "")
	_, err := Axe(context.Background())
	if err == nil || !strings.Contains(err.Error(), "scripts/test") {
		t.Errorf("Axe without VIGIL_TEST_AXE: err = %v, want a hint naming scripts/test", err)
	}
}
