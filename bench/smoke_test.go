// Package bench_test keeps the benchmark harness from rotting: it runs
// bench/run once with SMOKE=1 (2 s per measurement, one run) and checks
// that every measurement produced a number. It asserts no goal: figures
// taken while other tests share the machine mean nothing. The benchmarks
// themselves are run by hand (see BENCHMARKS.md). TestScaleSmoke does the
// same for bench/scale/run, on a database of 2,000 supporters.
package bench_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// figures bench/run must report, each a number.
var figures = []string{
	"case.plain.vigil.rps", "case.plain.nginx.rps", "case.plain.go.rps",
	"case.gzip.vigil.rps", "case.gzip.nginx.rps", "case.gzip.go.rps",
	"case.plain.vigil.p50_ms", "case.plain.vigil.p99_ms", "case.gzip.vigil.p50_ms", "case.gzip.vigil.p99_ms",
	"case.plain.nginx.p99_ms", "case.plain.go.p99_ms", "case.gzip.nginx.p99_ms", "case.gzip.go.p99_ms",
	"case.plain.ratio_go", "case.plain.ratio_nginx", "case.gzip.ratio_go", "case.gzip.ratio_nginx",
	"case.plain.p99_ratio_go", "case.gzip.p99_ratio_go",
	"sign.vigil.acked_per_s", "sign.vigil.p50_ms", "sign.vigil.p99_ms",
	"sign.go.acked_per_s", "sign.go.p99_ms", "sign.sqlite.rows_per_s",
	"sign.ratio_go", "sign.ratio_sqlite",
	"case.plain.vigil.cpu_us_per_req", "case.gzip.vigil.cpu_us_per_req", "case.gzip.go.cpu_us_per_req",
	"sign.vigil.cpu_us_per_ack", "sign.go.cpu_us_per_ack",
	"vigil.case.peak_rss_kib", "vigil.sign.peak_rss_kib",
	"sign.mail.acked_per_s", "sign.mail.cpu_us_per_ack", "sign.mail.emails_per_s", "sign.mail.ratio_held",
}

var number = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// missingTools lists what bench/run would have to install.
func missingTools() []string {
	var missing []string
	for _, tool := range []string{"wrk", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if _, err := exec.LookPath("nginx"); err != nil {
		if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
			missing = append(missing, "nginx")
		}
	}
	return missing
}

func TestHarnessSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("bench: the harness smoke run (about 30 s) is skipped under -short")
	}
	if missing := missingTools(); len(missing) > 0 && os.Geteuid() != 0 && os.Getenv("VIGIL_TEST_REQUIRE_SERVICES") == "" {
		t.Skipf("bench: %s missing and not root; install them (apt-get install wrk nginx curl) "+
			"or set VIGIL_TEST_REQUIRE_SERVICES=1 to have bench/run install them through sudo", strings.Join(missing, ", "))
	}
	results := runSmoke(t, "run")
	wantNumbers(t, results, figures)
	if v := results["sign.vigil.acked_per_s"]; v == "0" || v == "0.0" {
		t.Errorf("results.txt: no signature was acknowledged by Vigil")
	}
	if v := results["sign.mail.emails_per_s"]; v == "0" {
		t.Errorf("results.txt: the Vigil sending mail sent none to mailpit while signatures came in")
	}
}

// scaleFigures are what bench/scale/run must report, each a number.
var scaleFigures = []string{
	"gen.wall_s", "gen.rows_per_s", "gen.jobs_pass_ms", "gen.supporters", "gen.participations", "db.bytes",
	"case.plain.demo.rps", "case.plain.big.rps", "case.gzip.demo.rps", "case.gzip.big.rps",
	"case.plain.big.p99_ms", "case.plain.ratio_rps", "case.plain.ratio_cpu", "case.gzip.ratio_rps",
	"search.p50_ms", "search.p99_ms", "search.missing_p50_ms",
	"export.1.seconds", "export.1.lines", "export.rss_before_kib", "export.worst_seconds", "export.worst_peak_rss_kib",
	"sign.demo.acked_per_s", "sign.big.acked_per_s", "sign.big.p99_ms", "sign.big.cpu_us_per_ack",
	"sign.big.peak_rss_kib", "sign.ratio_acked", "sign.ratio_cpu",
}

// TestScaleSmoke runs bench/scale/run with SMOKE=1 (2,000 supporters, 6,000
// participations, 2 s per load) and checks that every measurement produced
// a number, that the export held every participant and that signatures
// were acknowledged on both databases. No goal is asserted.
func TestScaleSmoke(t *testing.T) {
	skipUnlessRunnable(t, "scale/run", "about 20 s", "wrk curl")
	results := runSmoke(t, "scale/run")
	wantNumbers(t, results, scaleFigures)
	if got, want := results["export.1.lines"], results["export.want_lines"]; got != want || results["export.1.complete"] != "yes" {
		t.Errorf("results.txt: the export gave %s lines (complete: %s), want %s", got, results["export.1.complete"], want)
	}
	if results["export.all_complete"] != "yes" {
		t.Errorf("results.txt: export.all_complete = %q, want yes", results["export.all_complete"])
	}
	for _, k := range []string{"sign.demo.acked_per_s", "sign.big.acked_per_s"} {
		if v := results[k]; v == "0" || v == "0.0" {
			t.Errorf("results.txt: %s = %s: no signature was acknowledged", k, v)
		}
	}
}

// skipUnlessRunnable skips a smoke run under -short, and when wrk or curl
// is missing and the script could not install them (not root, and
// VIGIL_TEST_REQUIRE_SERVICES unset). packages is what to apt-get install.
func skipUnlessRunnable(t *testing.T, script, takes, packages string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("bench: the smoke run of bench/%s (%s) is skipped under -short", script, takes)
	}
	if missing := missingTools(); slices.Contains(missing, "wrk") || slices.Contains(missing, "curl") {
		if os.Geteuid() != 0 && os.Getenv("VIGIL_TEST_REQUIRE_SERVICES") == "" {
			t.Skipf("bench: %s missing and not root; install them (apt-get install %s) "+
				"or set VIGIL_TEST_REQUIRE_SERVICES=1 to have bench/%s install them through sudo",
				strings.Join(missing, ", "), packages, script)
		}
	}
}

// wantNumbers fails for each of keys that results.txt does not give as a
// number.
func wantNumbers(t *testing.T, results map[string]string, keys []string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := results[k]; !ok || !number.MatchString(v) {
			t.Errorf("results.txt: %s = %q, want a number", k, v)
		}
	}
}

// runSmoke runs a harness script (relative to bench/) with SMOKE=1 and
// returns the key=value lines of the results.txt it wrote.
func runSmoke(t *testing.T, script string) map[string]string {
	t.Helper()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = append(os.Environ(), "SMOKE=1", "OUT="+out)
	// On timeout, TERM lets the script stop the servers it started.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	start := time.Now()
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("SMOKE=1 bench/%s failed after %s: %v\n%s", script, time.Since(start).Round(time.Second), err, output)
	}
	t.Logf("SMOKE=1 bench/%s took %s:\n%s", script, time.Since(start).Round(time.Second), output)
	data, err := os.ReadFile(out + "/results.txt")
	if err != nil {
		t.Fatalf("bench/%s wrote no results.txt: %v", script, err)
	}
	results := map[string]string{}
	for line := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			results[k] = v
		}
	}
	return results
}

// postgresFigures are what bench/postgres/run must report, each a number.
var postgresFigures = []string{
	"case.vigil.rps", "case.go.rps", "case.ratio_go",
	"sign.go.acked_per_s", "sign.one.acked_per_s", "sign.one.p99_ms", "sign.one.vigil_cpu_us", "sign.one.pg_cpu_us",
	"sign.two.acked_per_s", "sign.two.vigil_cpu_us", "sign.two.pg_cpu_us",
	"pgbench.tps", "pgbench.pg_cpu_us", "sign.one.ratio_go", "sign.two.ratio_one", "sign.one.ratio_pgbench",
	"projection.n1", "projection.n2", "projection.n4", "projection.n8",
}

// TestPostgresSmoke runs bench/postgres/run with SMOKE=1 (a throwaway
// PostgreSQL server, two Vigil instances on it, 2 s per load) and checks
// that every measurement produced a number and that both instances
// acknowledged signatures, none refused (a timeout on a busy machine is
// reported, not failed). No goal is asserted.
func TestPostgresSmoke(t *testing.T) {
	skipUnlessRunnable(t, "postgres/run", "about 40 s", "wrk curl postgresql")
	results := runSmoke(t, "postgres/run")
	wantNumbers(t, results, postgresFigures)
	for _, k := range []string{"sign.one.acked_per_s", "sign.two.acked_per_s"} {
		if v := results[k]; v == "0" || v == "0.0" {
			t.Errorf("results.txt: %s = %s: no signature was acknowledged", k, v)
		}
	}
	for _, k := range []string{"sign.one.not_acked", "sign.two.not_acked"} {
		if v := results[k]; v != "0" {
			t.Errorf("results.txt: %s = %q: signatures were refused or timed out", k, v)
		}
	}
}
