// Command plutora-sync keeps a PostgreSQL warehouse in step with Plutora and
// Plutora Test. Run "plutora-sync help" for the subcommands; docs/configuration.md
// lists the configuration variables.
//
// Exit codes:
//
//	0  success
//	1  the work failed (a run failed, the database or the API could not be reached, a check failed)
//	2  usage error (unknown subcommand, flag or entity)
//	3  configuration error (a variable is missing or invalid; the message names it)
//	4  refused: sandbox and real data would mix in the database (demo, run, sync: use --force),
//	   or its schemas hold tables plutora-sync did not create
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
