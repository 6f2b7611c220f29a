package testutil

import (
	"fmt"
	"net"
	"net/http"
	"os"
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
	args := []string{"-http-addr", httpAddr, "-https-addr", net.JoinHostPort("127.0.0.1", strconv.Itoa(httpsPort))}
	base := "http://" + httpAddr
	client := http.Client{Timeout: time.Second}
	// Any answer (401 without a key) means it listens.
	ready := func() bool {
		resp, err := client.Get(base + "/v1/charges")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	}
	if err := startService(t, "stripe-mock", bin, args, ready); err != nil {
		return "", err
	}
	return base, nil
}
