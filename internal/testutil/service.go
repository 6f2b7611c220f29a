package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startService runs a helper server (mailpit, stripe-mock) for the test
// until ready says it answers, and stops it when the test ends, showing
// its output if the test failed. A server that exits first, or is not
// ready within 15 s, is an error the caller may retry on other ports.
func startService(t testing.TB, name, bin string, args []string, ready func() bool) error {
	var out LockedBuffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
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
	deadline := time.Now().Add(15 * time.Second)
	for !ready() {
		select {
		case err := <-exited:
			return fmt.Errorf("%s exited (%v) before it was ready:\n%s", name, err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("%s not ready after 15s:\n%s", name, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() && out.String() != "" {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return nil
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
