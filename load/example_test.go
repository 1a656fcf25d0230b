package load_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// A run writes its pages, each in one transaction with the checkpoint; a
// record that cannot be loaded is quarantined and the rest of the page loads;
// writing the same page again changes nothing.
func ExampleWriter_WritePage() {
	ctx := context.Background()
	db, drop, err := loadtest.Open(ctx) // a fresh, migrated database
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drop()
	w, err := load.NewWriter(db, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	runID, err := w.StartRun(ctx, synctype.RunStart{Entity: "releases", Mode: synctype.ModeIncremental})
	if err != nil {
		fmt.Println(err)
		return
	}
	page := synctype.PageWrite{RunID: runID, Entity: "releases", Mode: synctype.ModeIncremental, PageNum: 0, TotalCount: 2,
		Records: []json.RawMessage{
			json.RawMessage(`{"id":"5f1d7c2e-3b7a-4c1e-9a54-0a2b3c4d5e6f","identifier":"PR-3561","name":"2025.6 Payments",
				"releaseStatusType":"Approved","implementationDate":"2025-06-30T00:00:00","lastModifiedDate":"2025-06-20T17:29:55.883"}`),
			json.RawMessage(`{"id":"6a2e8d3f-4c8b-4d2f-8b65-1b3c4d5e6f70","identifier":"PR-3562","implementationDate":"soon"}`),
		}}
	for range 2 {
		res, err := w.WritePage(ctx, page)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("inserted %d, updated %d, unchanged %d, quarantined %d, newest %s\n",
			res.Inserted, res.Updated, res.Unchanged, res.Quarantined, res.MaxModified.Format("2006-01-02 15:04:05.000 MST"))
	}
	var reason string
	if err := db.GetContext(ctx, &reason, "SELECT reason FROM plutora_sync.quarantine"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("quarantined:", reason)
	cp, _, err := w.Checkpoint(ctx, "plutora", "releases")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("next page:", cp.NextPage)
	// Output:
	// inserted 1, updated 0, unchanged 0, quarantined 1, newest 2025-06-20 17:29:55.883 UTC
	// inserted 0, updated 0, unchanged 1, quarantined 1, newest 2025-06-20 17:29:55.883 UTC
	// quarantined: implementationDate: invalid input syntax for type date: "not an ISO 8601 date: soon"
	// next page: 1
}
