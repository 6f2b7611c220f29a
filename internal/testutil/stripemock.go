package testutil

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StripeMockVersion is the version scripts/test installs.
const StripeMockVersion = "v0.203.0"

// StripeMock returns the base URL of a stripe-mock (Stripe's API with
// canned, stateless answers; it sends no webhooks): the one scripts/test
// started, named by VIGIL_TEST_STRIPE_MOCK, or else one started for this
// test on free loopback ports and stopped when it ends.
//
// When neither is there the test is skipped, or fails when
// VIGIL_TEST_REQUIRE_SERVICES=1 (scripts/test sets it, and installs
// stripe-mock).
func StripeMock(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("VIGIL_TEST_STRIPE_MOCK"); u != "" {
		return strings.TrimRight(u, "/")
	}
	bin, err := goBinary("stripe-mock")
	if err != nil {
		msg := fmt.Sprintf("%v; run the tests with scripts/test, which installs it (go install github.com/stripe/stripe-mock@%s)", err, StripeMockVersion)
		if servicesRequired() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var lastErr error
	for range 3 {
		ports, err := freePorts(2)
		if err != nil {
			t.Fatal(err)
		}
		u, err := startStripeMock(t, bin, ports[0], ports[1])
		if err == nil {
			return u
		}
		lastErr = err
	}
	t.Fatalf("starting stripe-mock %s: %v", bin, lastErr)
	return ""
}

func startStripeMock(t testing.TB, bin string, httpPort, httpsPort int) (string, error) {
	httpAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort))
	var out LockedBuffer
	cmd := exec.Command(bin, "-http-addr", httpAddr, "-https-addr", net.JoinHostPort("127.0.0.1", strconv.Itoa(httpsPort)))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	base := "http://" + httpAddr
	deadline := time.Now().Add(15 * time.Second)
	client := http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			return "", fmt.Errorf("stripe-mock exited (%v) before it was ready:\n%s", err, out.String())
		default:
		}
		// Any answer (401 without a key) means it listens.
		if resp, err := client.Get(base + "/v1/charges"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("stripe-mock not ready after 15s:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() && out.String() != "" {
			t.Logf("stripe-mock output:\n%s", out.String())
		}
	})
	return base, nil
}

// goBinary finds a tool on PATH, in $GOBIN or in $(go env GOPATH)/bin.
func goBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	var bins []string
	if gb := os.Getenv("GOBIN"); gb != "" {
		bins = append(bins, gb)
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		} else if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	for _, d := range filepath.SplitList(gopath) {
		bins = append(bins, filepath.Join(d, "bin"))
	}
	for _, d := range bins {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH, in $GOBIN or in $(go env GOPATH)/bin", name)
}
