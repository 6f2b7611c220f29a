// Command vigil runs the Vigil urgent-action platform. See internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"vigil/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
