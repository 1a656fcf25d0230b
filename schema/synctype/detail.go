package synctype

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ListKind says what an entity's list answers: full records, or summaries
// whose full record only GET /{entity}/{id} answers (docs/plutora-api.md,
// "Paging and filtering").
type ListKind string

// The kinds of list.
const (
	ListUnknown ListKind = ""        // not known yet: the worker compares a list item with its detail once
	ListFull    ListKind = "full"    // list items are the full records
	ListSummary ListKind = "summary" // list items are summaries: the worker fetches each detail
)

// ParseListKind reads "full" or "summary" (in any case); "" and "auto"
// are ListUnknown.
func ParseListKind(s string) (ListKind, error) {
	switch k := ListKind(strings.ToLower(strings.TrimSpace(s))); k {
	case ListFull, ListSummary:
		return k, nil
	case "", "auto":
		return ListUnknown, nil
	}
	return "", fmt.Errorf("list kind %q: want full, summary or auto", s)
}

// Summary is one item of a summary list, written with its page: the
// warehouse keeps what the list said, so that an item whose summary did
// not change costs no detail request on the next run.
type Summary struct {
	ID  string
	Raw json.RawMessage // the list item as the list answered it
	// FetchedAt is when the page's detail of this item was fetched (its
	// refresh clock restarts); zero when the page holds the stored detail.
	FetchedAt time.Time
}

// DetailWrite is a batch of details fetched to refresh records on the slow
// rolling cycle, outside a list page: rows, history and each record's
// refresh time commit together; no checkpoint moves.
type DetailWrite struct {
	RunID   int64 // the run that fetched them; its ledger row counts them
	Entity  string
	Records []json.RawMessage // the details
	At      time.Time         // when they were fetched
}
