package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// NewProbeClient returns a client of product for check's few requests (a
// token, GET /me, page 0 and a detail of each entity): two attempts each, at
// most 30 s of retries. Close it after use.
func NewProbeClient(ctx context.Context, cfg *config.Config, product synctype.Product, logger *slog.Logger) (*extract.Client, error) {
	c := cfg.Client(product)
	c.Logger, c.MaxAttempts, c.RetryTimeout = logger, 2, 30*time.Second
	return extract.New(ctx, c)
}
