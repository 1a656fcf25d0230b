package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// Exit codes (documented in the package comment, README.md and docs/operations.md).
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitConfig  = 3
	exitRefused = 4
)

// cli carries what every subcommand needs.
type cli struct {
	stdout, stderr io.Writer
}

type command struct {
	name    string
	args    string // usage after the name
	summary string
	help    string
	run     func(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) error
}

func commands() []command {
	return []command{
		{"run", "", "run the daemon: scheduled syncs, the status page, /metrics, /healthz, /readyz",
			"Runs the daemon until SIGTERM or SIGINT: adaptive polls and sweeps, cron jobs for the\n" +
				"pinned schedules, a census of each product's entities in turn (CENSUS_BUDGET_SHARE),\n" +
				"leadership per API key when several replicas share the database, and on\n" +
				"METRICS_ADDR the status page at / and /metrics, /healthz and /readyz. On a signal it stops\n" +
				"scheduling, lets the page in hand commit and exits 0 within SHUTDOWN_TIMEOUT.", runCmd},
		{"sync", "[--full|--census] [entity…]", "sync now, once, then exit",
			"Runs one sync of the named entities (default: every entity of the configured products)\n" +
				"and exits. Incremental where possible, a sweep the first time; --full sweeps. On a\n" +
				"terminal, a progress bar per entity; otherwise plain log lines. --census sweeps and marks\n" +
				"the records Plutora no longer has as deleted (under DELETE_MAX_SHARE).", syncCmd},
		{"migrate", "[--create-database]", "apply the database migrations",
			"Applies the embedded migrations to DATABASE_URL (idempotent, under an advisory lock);\n" +
				"--create-database first creates the database when it does not exist. sync and run\n" +
				"migrate at start too; check and status never change the database.", migrateCmd},
		{"status", "[--serve ADDR]", "show the ledger, freshness and budget use",
			"Prints the last runs of every entity (what ran, when, rows, failures and why), how\n" +
				"fresh each entity is, and the requests spent in the last hour per API key. With\n" +
				"--serve ADDR (e.g. 127.0.0.1:8080) it serves the status page of the warehouse there\n" +
				"instead, until Ctrl-C: it reads the warehouse only, never the API.", statusCmd},
		{"check", "", "check config, database, tokens, whitelist and the budget plan",
			"Validates the configuration, connects to the database, obtains a token for each\n" +
				"configured product, makes a cheap API call (GET /me) that proves the IP whitelist\n" +
				"admits this host, and prints the budget plan against the budget. Exits 1 if any\n" +
				"check fails.", checkCmd},
		{"demo", "", "sync a sandbox Plutora into the local PostgreSQL, then show example queries",
			"Starts the sandbox Plutora in-process with a seeded dataset, creates the database of\n" +
				"DATABASE_URL if needed (default: plutora_demo on the local PostgreSQL, not the daemon's\n" +
				"plutora), migrates it, syncs every entity with progress, and prints what it loaded and\n" +
				"example SQL queries. It refuses (exit 4) to write into a database holding runs that did\n" +
				"not read the sandbox or rows no sandbox run wrote, unless --force.", demoCmd},
		{"sim", "[flags]", "serve the sandbox Plutora and Plutora Test APIs", "Serves the sandbox on its own (see sim --help).", simCmd},
		{"version", "", "print the version", "Prints the version.", versionCmd},
	}
}

// Main runs the command line args and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		c.usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help", "-help":
		c.usage(stdout)
		return exitOK
	}
	for _, cmd := range commands() {
		if cmd.name != name {
			continue
		}
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		// A parse error comes back as a usageError and is printed once, by
		// exitCode; only --help prints the usage.
		fs.SetOutput(io.Discard)
		fs.Usage = func() {
			fmt.Fprintf(fs.Output(), "usage: plutora-sync %s %s\n\n%s\n", cmd.name, cmd.args, cmd.help)
			if hasFlags(fs) {
				fmt.Fprintln(fs.Output(), "\nflags:")
				fs.PrintDefaults()
			}
			fmt.Fprintln(fs.Output(), "\nConfiguration comes from environment variables (see docs/configuration.md).")
		}
		err := cmd.run(ctx, c, fs, args[1:])
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
		}
		code := c.exitCode(err)
		if code == exitUsage {
			fmt.Fprintf(stderr, "Run \"plutora-sync %s --help\" for usage.\n", name)
		}
		return code
	}
	fmt.Fprintf(stderr, "plutora-sync: unknown command %q\n\n", name)
	c.usage(stderr)
	return exitUsage
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: plutora-sync <command> [flags] [args]\n\ncommands:")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w, "\nRun \"plutora-sync <command> --help\" for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 failed, 2 usage, 3 configuration, 4 refused (sandbox and real data would mix, or the database holds tables plutora-sync did not create).")
}

// usageError is a command-line mistake (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// configError is an invalid configuration (exit 3).
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// printErr prints err with the program's name before each of its lines
// (a configuration error lists every bad variable on a line of its own).
func (c *cli) printErr(err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(c.stderr, "plutora-sync:", line)
	}
}

func (c *cli) exitCode(err error) int {
	var ue usageError
	var ce configError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		c.printErr(err)
		return exitUsage
	case errors.As(err, &ce):
		c.printErr(err)
		return exitConfig
	case errors.Is(err, daemon.ErrRefused):
		c.printErr(err)
		return exitRefused
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(c.stderr, "plutora-sync: interrupted")
		return exitFailed
	default:
		c.printErr(err)
		return exitFailed
	}
}

// parse parses flags, before or after the positional arguments (so that
// "sync changes --full" works), and returns the positional arguments.
func parse(fs *flag.FlagSet, args []string, maxArgs int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{fs.Name() + ": " + err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if maxArgs >= 0 && len(pos) > maxArgs {
		return nil, usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), pos[maxArgs])}
	}
	return pos, nil
}

// loadConfig reads and validates the environment, and warns of the
// settings that have no effect.
func (c *cli) loadConfig(ctx context.Context) (*config.Config, error) {
	cfg, err := config.Load(ctx)
	if err != nil {
		return nil, configError{err}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(c.stderr, "plutora-sync: config: warning:", w)
	}
	return cfg, nil
}

// loadProductConfig is loadConfig for the commands that talk to Plutora: at
// least one product must have credentials.
func (c *cli) loadProductConfig(ctx context.Context) (*config.Config, error) {
	cfg, err := c.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	if err := cfg.RequireProduct(); err != nil {
		return nil, configError{err}
	}
	return cfg, nil
}

// checkEntities rejects unknown entity names.
func checkEntities(names []string) error {
	known := map[string]bool{}
	var all []string
	for _, e := range synctype.Entities() {
		known[e.Name] = true
		all = append(all, e.Name)
	}
	sort.Strings(all)
	for _, n := range names {
		if !known[n] {
			return usageError{fmt.Sprintf("unknown entity %q: use one of %s", n, strings.Join(all, ", "))}
		}
	}
	return nil
}

func versionCmd(_ context.Context, c *cli, fs *flag.FlagSet, args []string) error {
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "plutora-sync", version)
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && termIsTerminal(int(f.Fd()))
}
