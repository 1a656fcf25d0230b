package schema_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// TestReleaseScheduleJoinReadsOneRelease checks that reporting.release_schedule,
// joined to a release as the warehouse guide's schedule question does, reads
// that release's phases and gates by its id: the join's key reaches the
// child tables (an Index Cond on release_id), instead of every phase's and
// gate's forecast being computed to keep a few (00132; 383 ms at -scale 20).
// The plan, not a time: joins other than a nested loop, and scans other than by index,
// are disabled, so that an empty warehouse plans as a large one.
func TestReleaseScheduleJoinReadsOneRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := loadtest.NewDB(t).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, set := range []string{"enable_seqscan", "enable_bitmapscan", "enable_hashjoin", "enable_mergejoin"} {
		if _, err := conn.ExecContext(ctx, "SET "+set+" = off"); err != nil {
			t.Fatal(err)
		}
	}
	var plan string
	if err := conn.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON)
		SELECT s.item_type, s.item_name, s.planned_end_date, s.forecast_end_date
		FROM reporting.release_schedule s
		JOIN reporting.releases r USING (release_id)
		WHERE r.release_identifier = 'PR-1000'`).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	var root []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(plan), &root); err != nil || len(root) != 1 {
		t.Fatalf("plan: %v\n%s", err, plan)
	}
	// Each child table is scanned by the release's id, and in the query's
	// own join: not inside a subquery of the UNION (a Subquery Scan), where
	// the id is the subquery's own join's and the release asked for only
	// filters what the subquery returns.
	scans := map[string]string{}
	root[0].Plan.walk(false, func(n planNode, inSubquery bool) {
		if n.Relation == "release_phases" || n.Relation == "release_gates" {
			scans[n.Relation] = n.IndexCond
			if inSubquery {
				scans[n.Relation] = "in a Subquery Scan"
			}
		}
	})
	for _, rel := range []string{"release_phases", "release_gates"} {
		if cond, ok := scans[rel]; !ok || !strings.Contains(cond, "release_id =") {
			t.Errorf("plutora.%s is scanned with index condition %q, want one on release_id (the release joined):\n%s", rel, cond, plan)
		}
	}
}

// planNode is the part of a node of EXPLAIN (FORMAT JSON) the test reads.
type planNode struct {
	Type      string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	IndexCond string     `json:"Index Cond"`
	Plans     []planNode `json:"Plans"`
}

// walk calls fn on n and every node under it, saying whether a Subquery
// Scan is above it.
func (n planNode) walk(inSubquery bool, fn func(planNode, bool)) {
	fn(n, inSubquery)
	for _, c := range n.Plans {
		c.walk(inSubquery || n.Type == "Subquery Scan", fn)
	}
}
