package sync

import (
	"context"
	"time"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// API is what sync needs of one product's API client (*extract.Client).
type API interface {
	// Pages fetches the pages of an entity in order and calls fn for each;
	// it stops when fn returns an error and returns that error.
	Pages(ctx context.Context, e synctype.Entity, q synctype.Query, fn func(synctype.Page) error) error
	// Exists asks the API about one record; a census confirms each deletion
	// with it.
	Exists(ctx context.Context, e synctype.Entity, id string) (bool, error)
	// BudgetUsed returns the key's requests in the rolling window and its limit.
	BudgetUsed(now time.Time) (used, limit int)
}

// PageWriter is what sync needs of the warehouse (*load.Writer).
type PageWriter interface {
	Checkpoint(ctx context.Context, product synctype.Product, entity string) (synctype.Checkpoint, bool, error)
	// CheckpointMode is Checkpoint for one mode: where a failed run of it stopped.
	CheckpointMode(ctx context.Context, product synctype.Product, entity string, mode synctype.Mode) (synctype.Checkpoint, bool, error)
	StartRun(ctx context.Context, r synctype.RunStart) (int64, error)
	// WritePage writes the page's rows and its checkpoint in one transaction.
	WritePage(ctx context.Context, p synctype.PageWrite) (synctype.PageResult, error)
	// Candidates lists up to limit of the live rows a census did not see
	// (Reason says why none may be marked, when so).
	Candidates(ctx context.Context, c synctype.Census, limit int) (synctype.CensusCandidates, error)
	// MarkDeleted marks the rows a complete census did not see (with only
	// non-nil, only those of them) and records the outcome and note.
	MarkDeleted(ctx context.Context, c synctype.Census, only []string, note string) (deleted int, reason string, err error)
	FinishRun(ctx context.Context, r synctype.RunResult) error
}
