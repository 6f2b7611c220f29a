// Command vigil runs the Vigil urgent-action platform. See internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"vigil/internal/cli"
)

// gcPercent is Go's GOGC for Vigil unless the environment sets one. Vigil
// keeps its templates and rendered pages live (about 10 MB) and allocates
// a few kilobytes per answer; at Go's default of 100 the collector marks
// that live heap again for every 10 MB allocated, at 400 for every 40 MB.
// Measured on the case page under load: CPU per answer -5 to -10%, p99
// about 18 -> 14 ms, for about 30 MB more memory (BENCHMARKS.md).
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
