package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinary builds vigil and runs it as an operator would: demo on an
// empty SQLite file, health check, a page, then SIGTERM and a clean exit.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vigil")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// --help names the contract's flags and variables.
	out, err := exec.Command(bin, "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("serve --help: %v\n%s", err, out)
	}
	for _, want := range []string{"--addr", "VIGIL_ADDR", "VIGIL_DATABASE_URL", "VIGIL_BASE_URL"} {
		if !strings.Contains(strings.ReplaceAll(string(out), "  -", "  --"), want) {
			t.Errorf("serve --help lacks %s", want)
		}
	}
	if out, err := exec.Command(bin, "frobnicate").CombinedOutput(); err == nil || !strings.Contains(string(out), "unknown command") {
		t.Errorf("unknown command: %v %s", err, out)
	}

	db := filepath.Join(dir, "data", "vigil.db")
	if out, err := exec.Command(bin, "migrate", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "demo", "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "VIGIL_DATABASE_URL="+db)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	addrRe := regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`)
	var addr string
	deadline := time.After(60 * time.Second)
	for addr == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("vigil exited before listening")
			}
			if !strings.HasPrefix(line, "{") {
				t.Errorf("log line is not JSON: %s", line)
			}
			if m := addrRe.FindStringSubmatch(line); m != nil {
				addr = m[1]
			}
		case <-deadline:
			t.Fatal("vigil did not start listening within 60 s")
		}
	}
	for _, path := range []string{"/healthz", "/cases/men-expelled-to-el-salvador", "/es/"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Read the log to its end (the process closing stderr) before Wait,
	// which would otherwise close the pipe under the reader.
	stop := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	var rest []string
	for line := range lines {
		rest = append(rest, line)
	}
	if !stop.Stop() {
		t.Fatal("vigil did not stop within 20 s of SIGTERM")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, strings.Join(rest, "\n"))
	}
	if !strings.Contains(strings.Join(rest, "\n"), `"msg":"stopped"`) {
		t.Errorf("no orderly shutdown in the log:\n%s", strings.Join(rest, "\n"))
	}
}
