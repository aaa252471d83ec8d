// Command parley-alerter runs parley's alerter stage alone, against an external NATS (the same as 'parley alerter').
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
	code := cli.Main(ctx, append([]string{"alerter"}, os.Args[1:]...), cli.OSEnv())
	stop()
	os.Exit(code)
}
