package console

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// Migrate applies the migrations to the configured database (terminal logs
// them as one line) and says the schema version it is at.
func Migrate(ctx context.Context, cfg *config.Config, logger *slog.Logger, out io.Writer, terminal bool) error {
	version, err := daemon.Migrate(ctx, cfg, logger, terminal)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "database %s is at schema version %d\n", daemon.RedactURL(cfg.DatabaseURL), version)
	return nil
}

// ServeStatus serves the status page of the configured warehouse on addr
// until ctx ends (daemon.ServeStatus) and says where; ready, when set,
// receives the bound address.
func ServeStatus(ctx context.Context, cfg *config.Config, addr string, logger *slog.Logger, out io.Writer, ready chan<- string) error {
	return daemon.ServeStatus(ctx, cfg, addr, logger, func(bound string) {
		fmt.Fprintf(out, "the status page of %s: http://%s/ (reads the warehouse only; Ctrl-C stops)\n", daemon.RedactURL(cfg.DatabaseURL), bound)
		if ready != nil {
			ready <- bound
		}
	})
}
