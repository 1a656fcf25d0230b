package sync

import (
	"context"
	"encoding/json"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// API is what sync needs of one product's API client (*extract.Client).
type API interface {
	// Pages fetches the pages of an entity in order and calls fn for each;
	// it stops when fn returns an error and returns that error.
	Pages(ctx context.Context, e synctype.Entity, q synctype.Query, fn func(synctype.Page) error) error
	// Exists asks the API about one record; a census confirms each deletion
	// with it.
	Exists(ctx context.Context, e synctype.Entity, id string) (bool, error)
	// Detail returns the full record (GET /{entity}/{id}); nil when the API
	// no longer has it. Summary lists are enriched with it.
	Detail(ctx context.Context, e synctype.Entity, id string) (json.RawMessage, error)
	// Subresources returns rec, a record as a list of whole records gave
	// it, with its sub-resources read onto it (Detail without the GET by
	// id); nil when the API no longer has it.
	Subresources(ctx context.Context, e synctype.Entity, id string, rec json.RawMessage) (json.RawMessage, error)
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
	// Its errors start with "write <entity> page <n>: ".
	WritePage(ctx context.Context, p synctype.PageWrite) (synctype.PageResult, error)
	// Candidates lists up to limit of the live rows a census did not see
	// (Reason says why none may be marked, when so).
	Candidates(ctx context.Context, c synctype.Census, limit int) (synctype.CensusCandidates, error)
	// MarkDeleted marks the rows a complete census did not see (with only
	// non-nil, only those of them) and records the outcome and note.
	MarkDeleted(ctx context.Context, c synctype.Census, only []string, note string) (deleted int, reason string, err error)
	FinishRun(ctx context.Context, r synctype.RunResult) error
	// StoredDetails returns the stored detail of each summary-list item
	// whose summary did not change since it was fetched (details.go).
	StoredDetails(ctx context.Context, entity string, items []synctype.Summary) (map[string]json.RawMessage, error)
	// DueDetails returns up to limit ids whose detail the rolling refresh
	// fetches again, each once per period.
	DueDetails(ctx context.Context, entity string, now time.Time, period time.Duration, limit int) ([]string, error)
	// WriteDetails writes refreshed details without moving a checkpoint.
	WriteDetails(ctx context.Context, d synctype.DetailWrite) (synctype.PageResult, error)
}
