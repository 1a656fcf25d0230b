package console

import (
	"context"
	"io"
	"log/slog"

	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// SyncOptions configure a one-off sync: daemon.SyncOptions, and where its
// progress goes.
type SyncOptions struct {
	Entities []string // default: every entity of the configured products
	Full     bool     // sweep instead of incremental
	Census   bool     // census: a sweep that marks deleted records
	// Progress is where progress goes: bars on a terminal, else log lines;
	// then the closing table. A *Progress (NewProgress) is used as it is:
	// give the same one to the logger, and log lines stay above the bars.
	Progress io.Writer
	Terminal bool
	Force    bool // sync even into a database whose ledger holds runs of the other kind
}

// SyncNow runs one sync of the chosen entities with progress, and returns
// when all are done; the error joins the failed entities' errors.
func SyncNow(ctx context.Context, cfg *config.Config, logger *slog.Logger, o SyncOptions) error {
	pr, ok := o.Progress.(*Progress)
	if !ok {
		pr = NewProgress(o.Progress, o.Terminal)
	}
	pr.logger = logger
	return daemon.SyncNow(ctx, cfg, logger, daemon.SyncOptions{Entities: o.Entities, Full: o.Full, Census: o.Census,
		Watch: pr, Terminal: o.Terminal, Force: o.Force})
}
