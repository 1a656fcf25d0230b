package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/plutora-sync/plutora-sync/cmd/plutora-sync/console"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// forceHelp is the --force flag of run and sync.
const forceHelp = "sync even into a database whose ledger holds sandbox runs (from a real Plutora) or real runs (from the sandbox)"

func runCmd(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) error {
	force := fs.Bool("force", false, forceHelp)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	cfg, err := c.loadProductConfig(ctx)
	if err != nil {
		return err
	}
	logger := newLogger(c.stderr, isTerminal(c.stderr), cfg.LogFormat, cfg.LogLevel, true)
	return daemon.Run(ctx, cfg, logger, daemon.Options{Version: version, Force: *force})
}

func syncCmd(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) error {
	full := fs.Bool("full", false, "sweep every page instead of reading incrementally")
	census := fs.Bool("census", false, "run a census: a sweep that also marks records deleted in Plutora")
	force := fs.Bool("force", false, forceHelp)
	entities, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	if err := checkEntities(entities); err != nil {
		return err
	}
	cfg, err := c.loadProductConfig(ctx)
	if err != nil {
		return err
	}
	// The logger writes through the progress display: on a terminal its
	// lines go above the bars.
	term := isTerminal(c.stderr)
	pr := console.NewProgress(c.stderr, term)
	logger := newLogger(pr, term, cfg.LogFormat, cfg.LogLevel, false)
	return console.SyncNow(ctx, cfg, logger, console.SyncOptions{
		Entities: entities, Full: *full, Census: *census, Progress: pr, Terminal: term, Force: *force,
	})
}

func migrateCmd(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) error {
	create := fs.Bool("create-database", false, "create the database of DATABASE_URL first when it does not exist (the role needs CREATEDB)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	cfg, err := c.loadConfig(ctx)
	if err != nil {
		return err
	}
	if *create {
		created, err := daemon.EnsureDatabase(ctx, cfg.DatabaseURL)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if created {
			fmt.Fprintf(c.stdout, "created database %s\n", daemon.RedactURL(cfg.DatabaseURL))
		}
	}
	term := isTerminal(c.stderr)
	logger := newLogger(c.stderr, term, cfg.LogFormat, cfg.LogLevel, false)
	return console.Migrate(ctx, cfg, logger, c.stdout, term)
}

func statusCmd(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) error {
	serve := fs.String("serve", "", "serve the status page on this address (e.g. 127.0.0.1:8080) until Ctrl-C, instead of printing")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	cfg, err := c.loadConfig(ctx)
	if err != nil {
		return err
	}
	if *serve != "" {
		logger := newLogger(c.stderr, isTerminal(c.stderr), cfg.LogFormat, cfg.LogLevel, false)
		return console.ServeStatus(ctx, cfg, *serve, logger, c.stdout, nil)
	}
	return console.Status(ctx, cfg, c.stdout)
}

func checkCmd(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) error {
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	// Not c.loadConfig: check shows the configuration's problems and
	// warnings in its own lines.
	cfg, err := config.Load(ctx)
	if err != nil {
		return configError{console.CheckConfigFailed(c.stdout, err)}
	}
	logger := newLogger(c.stderr, isTerminal(c.stderr), cfg.LogFormat, "warn", false)
	return console.Check(ctx, cfg, logger, c.stdout)
}

func demoCmd(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) error {
	force := fs.Bool("force", false, "write into the database even if it holds data that no sandbox run wrote")
	seed := fs.Int64("seed", 1, "the sandbox's random seed")
	scale := fs.Float64("scale", 1, "dataset size relative to the default mid-sized site (e.g. 0.1 or 2); above 1 the demo's budget grows with it")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *scale <= 0 || *scale > 20 {
		return usageError{fmt.Sprintf("demo: --scale %v: must be in (0, 20]", *scale)}
	}
	cfg, err := c.loadConfig(ctx)
	if err != nil {
		return err
	}
	term := isTerminal(c.stderr)
	pr := console.NewProgress(c.stderr, term)
	logger := newLogger(pr, term, cfg.LogFormat, "warn", false)
	return console.Demo(ctx, cfg, logger, console.DemoOptions{
		Force: *force, Seed: *seed, Scale: *scale, Out: c.stdout, Progress: pr, Terminal: term,
	})
}

func simCmd(ctx context.Context, c *cli, _ *flag.FlagSet, args []string) error {
	err := plutoratest.SimCommand(ctx, args, c.stdout, c.stderr)
	// SimCommand parses its own flags; its flag errors are usage errors.
	if err != nil {
		for _, s := range []string{"flag provided but not defined", "invalid value", "invalid boolean", "unexpected argument", "must be positive"} {
			if strings.Contains(err.Error(), s) {
				return usageError{err.Error()}
			}
		}
	}
	return err
}
