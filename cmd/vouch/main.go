// Command vouch is the command line of the vouch library: see
// internal/cli for the commands and README.md for their use.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vouchdev/vouch/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
