package delivery

import (
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	w := &Worker{}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, d := range want {
		if got := w.backoff(i + 1); got != d {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, d)
		}
	}
	for a := 1; a < 100; a++ {
		if got := w.backoff(a); got > MaxBackoff || got <= 0 {
			t.Fatalf("backoff(%d) = %s", a, got)
		}
	}
	if got := w.backoff(50); got != MaxBackoff {
		t.Errorf("backoff(50) = %s, want the cap %s", got, MaxBackoff)
	}
	w.Backoff = time.Millisecond
	if got := w.backoff(3); got != 4*time.Millisecond {
		t.Errorf("backoff(3) with 1ms = %s", got)
	}
}

func TestRedactAddresses(t *testing.T) {
	in := "send failed: sending SMTP RCPT TO command: 550 5.1.1 <ana@example.org>: unknown, affected recipient(s): bo@example.org, \"Ana\" a.b+c@x.y"
	got := redactAddresses(in)
	for _, a := range []string{"ana@example.org", "bo@example.org", "a.b+c@x.y"} {
		if contains(got, a) {
			t.Errorf("%q survives in %q", a, got)
		}
	}
	if !contains(got, "550 5.1.1") {
		t.Errorf("redacted too much: %q", got)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
