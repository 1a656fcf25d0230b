package daemon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// ErrRefused is returned when demo, run or sync would mix sandbox records
// and real ones in one database (unless forced), and when the database holds
// objects in the warehouse's schemas that plutora-sync did not create.
var ErrRefused = errors.New("refused")

// guardLedger refuses to sync a real Plutora into a database whose ledger
// holds sandbox runs, and the sandbox into one holding real runs.
func guardLedger(ctx context.Context, db *sql.DB, dsn string, sources map[synctype.Product]sourceKind) error {
	k, err := load.ReadLedgerKinds(ctx, db)
	if err != nil {
		return err
	}
	for _, p := range synctype.Products() {
		s, ok := sources[p]
		switch {
		case !ok:
		case !s.sandbox && k.Sandbox > 0:
			return fmt.Errorf("%w: database %s holds %d runs synced from the sandbox (%s); syncing %s from %s, which is not the sandbox, would mix real records with sandbox ones. Point DATABASE_URL at another database, or use --force",
				ErrRefused, RedactURL(dsn), k.Sandbox, k.SandboxSource, p, s.url)
		case s.sandbox && k.Real > 0:
			return fmt.Errorf("%w: database %s holds %d runs synced from a real Plutora (%s); syncing %s from the sandbox at %s would mix sandbox records with real ones. Point DATABASE_URL at another database, or use --force",
				ErrRefused, RedactURL(dsn), k.Real, k.RealSource, p, s.url)
		}
	}
	return nil
}

// sourceKind is what guardLedger knows of a product's source.
type sourceKind struct {
	url     string
	sandbox bool
}

// migrate applies the migrations, logged as one line when oneLine (on a
// terminal) else one line per file, then writes the entity rows the views
// over all entities read; a database whose schemas hold someone else's
// objects is refused.
func migrate(ctx context.Context, db *sql.DB, dsn string, logger *slog.Logger, oneLine bool) error {
	opts := []schema.Option{schema.WithLogger(logger)}
	if oneLine {
		opts = append(opts, schema.WithSummary())
	}
	err := schema.Migrate(ctx, db, opts...)
	var clash *schema.ClashError
	if errors.As(err, &clash) {
		return fmt.Errorf("%w: database %s: %w", ErrRefused, RedactURL(dsn), err)
	}
	if err == nil {
		err = load.RegisterEntities(ctx, db)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
