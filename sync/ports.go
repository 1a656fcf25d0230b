package sync

import (
	"context"
	"encoding/json"
	"time"
)

// Modes of a run.
const (
	ModeIncremental = "incremental"
	ModeSweep       = "sweep"
	ModeCensus      = "census"
)

// Outcomes of a run, as recorded in metrics and the ledger.
const (
	OutcomeSuccess = "success"
	OutcomeFailed  = "failed"
	OutcomeSkipped = "skipped"
)

// Entity describes one synced entity.
type Entity struct {
	Product string
	Name    string
	// ModifiedField is the record's last-modified field; empty when the API
	// cannot filter the entity by it (then every run is a sweep).
	ModifiedField string
	// IDField is the record's id field ("id" or "Id"); the runner counts the
	// distinct ids of incremental entities to tell a complete run.
	IDField string
}

// Incremental reports whether the entity can be read incrementally.
func (e Entity) Incremental() bool { return e.ModifiedField != "" }

func (e Entity) String() string { return e.Product + "/" + e.Name }

// Query selects the pages of a run.
type Query struct {
	Since     *time.Time // modified at or after, ascending; nil = every record
	StartPage int        // 0-based page to start at (resume)
}

// Page is one page of raw records.
type Page struct {
	Num        int
	TotalCount int
	FirstTotal int  // totalCount on the first page fetched in this call
	Drift      bool // TotalCount differs from FirstTotal
	Records    []json.RawMessage
}

// PageSource fetches the pages of an entity in order and calls fn for each;
// it stops when fn returns an error and returns that error.
type PageSource interface {
	Pages(ctx context.Context, entity string, q Query, fn func(Page) error) error
}

// SourceStats are a source's cumulative counters.
type SourceStats struct {
	Requests, Throttled, Retries, TokenRenewals int64
}

// StatsSource is implemented by sources that count their requests; the run
// ledger records the difference over a run.
type StatsSource interface {
	Stats() SourceStats
	BudgetUsed(now time.Time) (used, limit int)
}

// Checkpoint is the writer's saved position of an entity.
type Checkpoint struct {
	Mode       string
	RunID      int64 // run in progress; 0 = none
	NextPage   int
	Since      *time.Time
	Watermark  *time.Time
	TotalCount int
}

// RunStart opens a ledger row.
type RunStart struct {
	Product, Entity, Mode string
	SourceURL             string
	StartedAt             time.Time
	Since                 *time.Time
	WatermarkBefore       *time.Time
	Note                  string // e.g. a budget-plan warning
}

// PageWrite is one page to write with its checkpoint, in one transaction.
type PageWrite struct {
	RunID      int64
	Product    string
	Entity     string
	Mode       string
	PageNum    int
	TotalCount int
	Since      *time.Time
	Records    []json.RawMessage
	Watermark  *time.Time
}

// PageResult counts what a page write did.
type PageResult struct {
	Inserted, Updated, Unchanged, Quarantined int
	MaxModified                               *time.Time
	NewlySeen                                 int // ids the run saw for the first time on this page
}

// RunResult closes a ledger row.
type RunResult struct {
	RunID                   int64
	Product, Entity, Mode   string
	Outcome                 string
	StartedAt, FinishedAt   time.Time
	Pages                   int
	Requests, Throttled     int64
	Retries, TokenRenewals  int64
	Inserted, Updated       int
	Unchanged, Quarantined  int
	Deleted                 int
	DeleteNote              string // why a census marked nothing
	TotalFirst, TotalLast   int
	WatermarkBefore         *time.Time
	WatermarkAfter          *time.Time
	BudgetUsed, BudgetLimit int
	Error                   string
	Resumed                 bool
}

// PageWriter is what sync needs of the warehouse.
type PageWriter interface {
	Checkpoint(ctx context.Context, product, entity string) (Checkpoint, bool, error)
	StartRun(ctx context.Context, r RunStart) (int64, error)
	WritePage(ctx context.Context, p PageWrite) (PageResult, error)
	// Candidates lists up to limit of the live rows a census did not see
	// (Reason says why none may be marked, when so).
	Candidates(ctx context.Context, c Census, limit int) (CensusCandidates, error)
	// MarkDeleted marks the rows a complete census did not see (with only
	// non-nil, only those of them) and records the outcome and note.
	MarkDeleted(ctx context.Context, c Census, only []string, note string) (deleted int, reason string, err error)
	FinishRun(ctx context.Context, r RunResult) error
}

// Census is what a census run found, for deciding on deletions.
type Census struct {
	RunID                 int64
	Entity                string
	TotalFirst, TotalLast int
	MaxShare              float64 // the largest share of the live rows marked deleted at once
}

// CensusCandidates are the live rows a census did not see: deleted upstream,
// or moved past it between two pages.
type CensusCandidates struct {
	IDs     []string // up to the limit asked for
	Total   int      // how many in all
	SeenIDs []string // a few ids the census saw, to check the API's answers with
	Reason  string   // why none may be marked, "" when they may
}

// RecordChecker is implemented by sources that can ask the API about one
// record; a census confirms each deletion with it.
type RecordChecker interface {
	Exists(ctx context.Context, entity, id string) (bool, error)
}
