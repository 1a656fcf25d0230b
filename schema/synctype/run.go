package synctype

import (
	"encoding/json"
	"errors"
	"time"
)

// ErrBadPage marks an error about one page that asking again is unlikely to
// cure: an answer that cannot be used (not an envelope, too large, refused),
// or paging that does not end. The runner counts such failures against the
// page, and stops retrying a page that keeps failing.
var ErrBadPage = errors.New("bad page")

// ErrNoDetail marks a question about one record of an entity whose records
// the API does not serve one by one (the reference data): no request was
// sent, and the entity's list is all there is.
var ErrNoDetail = errors.New("the API has no detail endpoint for this entity")

// ErrFilterFailed marks a filtered list request whose first page the API
// kept failing on (5xx after the client's retries): the real API answers a
// filter it cannot serve with 500 (docs/plutora-api.md, "Errors and
// limits"), so the runner reads
// the whole list instead, and says so.
var ErrFilterFailed = errors.New("filter failed")

// Query selects the pages of a run.
type Query struct {
	Since     *time.Time // modified at or after, ascending; nil = every record
	StartPage int        // 0-based page to start at (resume)
	MaxPages  int        // at most this many pages (a seek reads one at a time); 0 = to the end
	// Before bounds Since from above (modified before it); a seek pages
	// inside one timestamp with it. nil = no bound.
	Before *time.Time
	// FirstTotal is the totalCount the run's first page gave, when the run
	// resumes (the checkpoint keeps it): the runaway guard's page limit
	// stays the one the run started with. 0 = the first page of this call.
	FirstTotal int
	// Seen, shared by every call of a run, remembers each page the run read
	// (PageMarks); nil = each call remembers its own.
	Seen *PageMarks
}

// Page is one page of an entity's list, as the API answered it.
type Page struct {
	Num        int               // 0-based
	TotalCount int               // as this page's answer gave it
	FirstTotal int               // TotalCount of the first page fetched in this call
	Drift      bool              // TotalCount differs from FirstTotal: records moved while paging
	Records    []json.RawMessage // raw records, not decoded
}

// SourceStats are what a Tally counted of an API client's work.
type SourceStats struct {
	Requests      int64 // HTTP requests sent, token requests included
	Throttled     int64 // 429 answers
	Retries       int64 // attempts repeated after a transient fault
	TokenRenewals int64 // tokens obtained
	// SandboxMarked and SandboxUnmarked count the data answers with and
	// without the sandbox marker (Tally.Marker; a run's Tally only).
	SandboxMarked, SandboxUnmarked int64
}

// MinuteCount is the number of requests a key made in one bucket of time,
// as the budget history keeps it.
type MinuteCount struct {
	Minute time.Time // the bucket's start
	Count  int
}

// Checkpoint is where an entity's sync stands, as the warehouse saved it
// with the last committed page.
type Checkpoint struct {
	Product    Product
	Entity     string
	Mode       Mode
	RunID      int64      // the run in progress; 0 = none
	NextPage   int        // the next page to fetch
	Since      *time.Time // the filter lower bound of the run in progress
	Watermark  *time.Time // the newest committed last-modified time (over all modes)
	TotalCount int        // totalCount of the last committed page
	// FirstTotal is the totalCount of the first page of the run in progress
	// (or of the failed run a new run continues); 0 when none was written.
	FirstTotal int
	// Failures counts the failed runs in a row that stopped at NextPage on a
	// bad page (ErrBadPage); Failure is the last one's error. A failed run
	// leaves RunID 0 and NextPage where it stopped: the next run continues there.
	Failures int
	Failure  string
}

// RunStart opens a run in the ledger.
type RunStart struct {
	Product   Product // "" = the entity's product
	Entity    string
	Mode      Mode
	SourceURL string // the API base URL read from (never with credentials)
	// Sandbox is true when the worker knows the source is the sandbox
	// (extract/plutoratest: the demo started it); nil when it does not know
	// yet, and the run's data answers decide (RunResult.Sandbox).
	Sandbox   *bool
	StartedAt time.Time // zero = when the ledger row is written
	// Since is the filter lower bound of an incremental run, kept in the checkpoint.
	Since *time.Time
	// WatermarkBefore is the watermark the run starts from; nil = the checkpoint's.
	WatermarkBefore *time.Time
	Note            string // e.g. a budget-plan warning
	// StartPage continues a failed run's place (the checkpoint's NextPage); 0 = from the start.
	StartPage int
}

// PageWrite is one page to write with its checkpoint, in one transaction.
type PageWrite struct {
	RunID      int64   // the ledger's run (StartRun); 0 = no ledger row to count into
	Product    Product // "" = the entity's product
	Entity     string
	Mode       Mode
	PageNum    int // 0-based; the checkpoint's next page becomes PageNum+1
	TotalCount int // the page's totalCount
	Records    []json.RawMessage
	Since      *time.Time // the run's filter lower bound; nil keeps StartRun's
	Watermark  *time.Time // the checkpoint's watermark after this page (it never moves back); nil keeps it
	// Summaries are the list items of a summary list behind Records (which
	// hold their details); nil for a full list. They are saved with the page.
	Summaries []Summary
}

// PageResult says what a page write did.
type PageResult struct {
	Inserted, Updated, Unchanged, Quarantined int
	// MaxModified is the newest last-modified time among the page's loaded
	// records (nil when the entity has none, or the page had no records).
	MaxModified *time.Time
	// NewlySeen counts the ids the run saw for the first time on this page
	// (quarantined records included): the sum over a run's pages is the
	// distinct ids it read, without the caller holding them in memory.
	NewlySeen int
}

// RunResult closes a run in the ledger. The page counts are there already
// (each page adds its own); the rest is what only the runner knows.
type RunResult struct {
	RunID                  int64
	Product                Product
	Entity                 string
	Mode                   Mode
	Outcome                Outcome
	StartedAt, FinishedAt  time.Time
	Pages                  int
	Requests, Throttled    int64
	Retries, TokenRenewals int64
	Inserted, Updated      int
	Unchanged, Quarantined int
	Deleted                int
	DeleteNote             string // why a census marked nothing
	TotalFirst, TotalLast  int    // totalCount on the first and the last page
	WatermarkBefore        *time.Time
	// WatermarkAfter is the watermark at the end; it also advances the
	// checkpoint's watermark (never back).
	WatermarkAfter          *time.Time
	BudgetUsed, BudgetLimit int    // the key's requests in the rolling window, and its limit
	Error                   string // what went wrong, for people; never a secret
	Resumed                 bool   // the run resumed after its worker stopped, or continued a failed run
	// Details counts the detail requests of the run (summary lists: new or
	// changed items, and the rolling refresh); Refreshed the records the
	// refresh wrote.
	Details, Refreshed int
	// RefreshRequests are those of Requests the rolling refresh of details
	// made: a budget class of its own (docs/design.md, "The budget and the pacer"),
	// bounded by the headroom it leaves, not charged to a poll's share.
	RefreshRequests int64
	// Fallback says why a run asked for by a filter read the whole list
	// instead (a filter the API kept failing on); "" when it did not.
	Fallback string
	// PageFailures is, for a failed or skipped run, the failed runs in a row at
	// the checkpoint's next page (Checkpoint.Failures afterwards); 0 on success.
	PageFailures int
	// Sandbox says what the run's data answers were: the sandbox's (every
	// one carried SandboxHeader) or a real API's (none did); nil when the
	// run had none, or both kinds. nil leaves the ledger's mark as it was.
	Sandbox *bool
}

// Census is what a census run found, for deciding on deletions.
type Census struct {
	RunID                 int64
	Entity                string
	TotalFirst, TotalLast int     // totalCount on the first and the last page
	MaxShare              float64 // the largest share (0..1) of the live rows marked deleted at once
}

// CensusCandidates are the live rows a census did not see: deleted upstream,
// or moved past the census between two pages (offset paging shifts records
// when others are added or removed).
type CensusCandidates struct {
	IDs     []string // up to the limit asked for, in id order
	Total   int      // how many there are in all
	SeenIDs []string // a few ids the census did see: probes for the API's answer about a live record
	// Reason is set when no candidate may be marked: too many rows would
	// go by the counts of a complete census.
	Reason string
	// Incomplete says why the census does not prove its unseen rows gone;
	// the candidates are still named: those the API confirms gone one by
	// one may be marked.
	Incomplete string
}
