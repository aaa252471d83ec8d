// Command parley runs every role of parley (docs/contract.md, Programs): parley run, the single stages, and the client commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley-news/parley/pkg/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
