// Package testutil holds helpers shared by the project's tests.
//
// The browser helpers drive a real headless Chromium through chromedp
// (v0.23 API: chromedp.Do / chromedp.Run / chromedp.Call). Run the tests with
// scripts/test: it installs Chromium and axe-core when missing and sets the
// environment variables read here:
//
//	VIGIL_TEST_CHROMIUM         path of the Chromium binary (default /usr/lib/chromium/chromium)
//	VIGIL_TEST_AXE              absolute path of axe-core's axe.min.js
//	VIGIL_TEST_REQUIRE_BROWSER  "1": a missing browser fails the test instead of skipping it
//	VIGIL_TEST_ARTIFACTS        folder for screenshots (default <repo root>/.artifacts)
package testutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// DefaultChromium is the Chromium binary that Debian's chromium package
// installs. /usr/bin/chromium is a wrapper script that adds flags; the real
// binary is started directly.
const DefaultChromium = "/usr/lib/chromium/chromium"

// Browser starts a headless Chromium for the test and returns the context of
// its first tab. The browser is closed, and its profile removed, when the test
// ends. Derive per-action timeouts from the returned context with
// context.WithTimeout; never cancel the returned context yourself.
//
// When Chromium is missing the test is skipped, or fails when
// VIGIL_TEST_REQUIRE_BROWSER=1 (as scripts/test sets).
func Browser(t testing.TB) context.Context {
	t.Helper()

	execPath := os.Getenv("VIGIL_TEST_CHROMIUM")
	if execPath == "" {
		execPath = DefaultChromium
	}
	if fi, err := os.Stat(execPath); err != nil || fi.IsDir() {
		msg := fmt.Sprintf("Chromium not found at %s (VIGIL_TEST_CHROMIUM); run the tests with scripts/test, which installs it", execPath)
		if os.Getenv("VIGIL_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	// t.TempDir registers its removal now, so it runs after the browser is
	// closed by the cleanup registered below (cleanups run last-in first-out).
	profile := filepath.Join(t.TempDir(), "chromium-profile")

	var out LockedBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Headless,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&out),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)

	t.Cleanup(func() {
		jsState.Delete(chromedp.FromContext(ctx))
		// Close the browser gracefully, but do not wait for ever.
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(cctx)
		ccancel()
		cancel()
		allocCancel() // waits for the browser process to exit
	})

	// Start the browser now (no timeout on this first call: it would bind
	// the browser's lifetime), so a broken install fails here, clearly.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting Chromium %s: %v\nbrowser output:\n%s", execPath, err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("starting Chromium %s: no answer after 60s\nbrowser output:\n%s", execPath, out.String())
	}
	return ctx
}

// jsState remembers, per tab, whether DisableJS is in force, so that Axe can
// put it back after it had to enable scripts.
var jsState sync.Map // *chromedp.Context -> bool (true: scripts disabled)

// DisableJS turns off page scripts in the tab, like a browser with
// JavaScript disabled. Call it before navigating: the pages loaded afterwards
// run none of their scripts.
func DisableJS(ctx context.Context) error {
	return setScriptsDisabled(ctx, true)
}

// EnableJS turns page scripts back on. A page that is already loaded does not
// re-run its scripts.
func EnableJS(ctx context.Context) error {
	return setScriptsDisabled(ctx, false)
}

func setScriptsDisabled(ctx context.Context, disabled bool) error {
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: disabled}); err != nil {
		return fmt.Errorf("set script execution disabled=%v: %w", disabled, err)
	}
	if c := chromedp.FromContext(ctx); c != nil {
		jsState.Store(c, disabled)
	}
	return nil
}

// AxeViolation is one rule that axe-core found violated on the page.
type AxeViolation struct {
	ID     string   `json:"id"`     // rule id, e.g. "image-alt"
	Impact string   `json:"impact"` // "minor", "moderate", "serious" or "critical"
	Help   string   `json:"help"`   // one-line description of the rule
	Nodes  []string `json:"nodes"`  // CSS selectors of the offending elements
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s %v", v.ID, v.Impact, v.Help, v.Nodes)
}

// axeRun runs axe on the document and keeps only what AxeViolation holds.
// A target is an array of selectors (nested for iframes / shadow DOM).
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r =>
  r.violations.map(v => ({
    id: v.id,
    impact: v.impact || "",
    help: v.help,
    nodes: v.nodes.map(n => [].concat(n.target).flat(Infinity).join(" "))
  })))`

// Axe checks the page loaded in the tab with axe-core and returns the
// violations. It reads axe.min.js from $VIGIL_TEST_AXE.
//
// axe-core needs JavaScript, so Axe enables scripts for its run; the page's
// own scripts do not re-run, so a page loaded with DisableJS is checked as
// the no-JS DOM. If DisableJS was in force, Axe disables scripts again
// before returning.
func Axe(ctx context.Context) (vs []AxeViolation, err error) {
	path := os.Getenv("VIGIL_TEST_AXE")
	if path == "" {
		return nil, errors.New("VIGIL_TEST_AXE is not set: run the tests with scripts/test, which installs axe-core")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading axe-core (VIGIL_TEST_AXE): %w; run the tests with scripts/test, which installs axe-core", err)
	}

	if c := chromedp.FromContext(ctx); c != nil {
		if disabled, ok := jsState.Load(c); ok && disabled.(bool) {
			defer func() {
				if derr := DisableJS(ctx); derr != nil && err == nil {
					err = derr
				}
			}()
		}
	}
	if err := EnableJS(ctx); err != nil {
		return nil, err
	}

	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, fmt.Errorf("checking for axe: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(src))); err != nil {
			return nil, fmt.Errorf("injecting axe-core: %w", err)
		}
	}
	vs, err = chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("running axe: %w", err)
	}
	return vs, nil
}

// SeriousAxe keeps the violations whose impact is serious or critical.
func SeriousAxe(vs []AxeViolation) []AxeViolation {
	var out []AxeViolation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// Screenshot saves a full-page PNG of the tab as
// <artefacts>/<test name>-<name>.png and returns its path. The folder is
// $VIGIL_TEST_ARTIFACTS, else <repo root>/.artifacts (gitignored).
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir, err := artifactsDir()
	if err != nil {
		t.Fatalf("screenshot %q: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot %q: %v", name, err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatalf("screenshot %q: %v", name, err)
	}
	path := filepath.Join(dir, safeName(t.Name())+"-"+safeName(name)+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatalf("screenshot %q: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" {
		s = "_"
	}
	return s
}

func artifactsDir() (string, error) {
	if d := os.Getenv("VIGIL_TEST_ARTIFACTS"); d != "" {
		return filepath.Abs(d)
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".artifacts"), nil
}

// repoRoot walks up from the working directory (the package directory under
// go test) to the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; set VIGIL_TEST_ARTIFACTS")
		}
		dir = parent
	}
}

// RecordRequests starts recording the URL of every request the tab sends
// (network.EventRequestWillBeSent) and returns a function giving the URLs seen
// so far, in order. Call it before navigating. Tests use it to assert that a
// page requests nothing from another origin.
//
// ctx must come from Browser; RecordRequests panics otherwise.
func RecordRequests(ctx context.Context) func() []string {
	var (
		mu   sync.Mutex
		urls []string
	)
	err := chromedp.Listen(ctx, func(ev any) {
		// Runs in the tab's read loop: only record, and return at once.
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request != nil {
			mu.Lock()
			urls = append(urls, e.Request.URL)
			mu.Unlock()
		}
	})
	if err != nil {
		panic(fmt.Sprintf("testutil.RecordRequests: %v (pass the context from testutil.Browser)", err))
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), urls...)
	}
}

// LockedBuffer is a buffer another goroutine (a browser's or a server's
// output) may write while the test reads it.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
