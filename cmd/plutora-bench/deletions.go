package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lib/pq"
)

// deletionFigures are the deletion lag of a busy site: for each record of
// the churned entities that the sandbox deleted while the lag was
// measured and that the warehouse held, its _deleted_at less the time the
// sandbox deleted it (issue 29 point 3).
type deletionFigures struct {
	Lag       map[string][3]time.Duration // entity → p50, p95, max
	Held      map[string]int              // deleted records the warehouse held
	NotMarked map[string]int              // of which not marked deleted when the wait ended
	Settled   time.Duration               // after the churn stopped, until the last was marked (or the wait ended)
	Census    []classWork                 // the census runs from the window's start to the wait's end
}

// collectDeletions waits, at most wait after the churn stopped, until every
// record of the churned entities deleted between f.ChurnStart and churnEnd
// that the warehouse held is marked deleted, and measures the lags. A
// record inserted and deleted between two polls never reached the
// warehouse, and is left out.
func (f *freshFigures) collectDeletions(ctx context.Context, db *sql.DB, deleted map[string]map[string]time.Time, churnEnd time.Time, wait time.Duration) error {
	want := map[string]map[string]time.Time{}
	for e, all := range deleted {
		want[e] = map[string]time.Time{}
		for id, at := range all {
			if !at.Before(f.ChurnStart) && at.Before(churnEnd) {
				want[e][strings.ToLower(id)] = at
			}
		}
	}
	d := &deletionFigures{Lag: map[string][3]time.Duration{}, Held: map[string]int{}, NotMarked: map[string]int{}}
	f.Deletions = d
	deadline := churnEnd.Add(wait)
	for {
		pending := 0
		for e, m := range want {
			lags, held, err := markedLags(ctx, db, e, m)
			if err != nil {
				return err
			}
			d.Lag[e], d.Held[e], d.NotMarked[e] = percentiles(lags), held, held-len(lags)
			pending += held - len(lags)
		}
		d.Settled = time.Since(churnEnd)
		if pending == 0 || time.Now().After(deadline) {
			return d.censusRuns(ctx, db, f.ChurnStart)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}

// censusRuns reads from the ledger the census runs since start.
func (d *deletionFigures) censusRuns(ctx context.Context, db *sql.DB, start time.Time) error {
	work, err := workWhileChurning(ctx, db, start, time.Now())
	for _, w := range work {
		if w.Mode == "census" {
			d.Census = append(d.Census, w)
		}
	}
	return err
}

// markedLags returns, of the records of want (id → when the sandbox deleted
// it) that entity's table holds, the lags of those marked deleted, and how
// many it holds.
func markedLags(ctx context.Context, db *sql.DB, entity string, want map[string]time.Time) (lags []time.Duration, held int, err error) {
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	rows, err := db.QueryContext(ctx, `SELECT id::text, _deleted_at FROM plutora.`+entity+` WHERE id = ANY ($1::uuid[])`, pq.Array(ids))
	if err != nil {
		return nil, 0, fmt.Errorf("deletions of %s: %w", entity, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at sql.NullTime
		if err := rows.Scan(&id, &at); err != nil {
			return nil, 0, err
		}
		held++
		if at.Valid {
			lags = append(lags, max(at.Time.Sub(want[id]), 0))
		}
	}
	return lags, held, rows.Err()
}

// writeDeletions prints the deletion lag and the census rounds that made
// it, from the ledger's census runs while measuring.
func writeDeletions(w io.Writer, o freshOptions, f *freshFigures) {
	d := f.Deletions
	if d == nil {
		return
	}
	fmt.Fprintf(w, "\nDeletion lag (from the sandbox's delete to `_deleted_at`) of the records deleted in the %v measured that the warehouse held; the last was marked %v after the churn stopped:\n\n",
		o.duration, d.Settled.Round(time.Second))
	fmt.Fprintln(w, "| entity | records deleted | lag p50 | lag p95 | lag max | not marked |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, e := range incremental {
		l := d.Lag[e]
		fmt.Fprintf(w, "| %s | %d | %.1f s | %.1f s | %.1f s | %d |\n", e, d.Held[e], l[0].Seconds(), l[1].Seconds(), l[2].Seconds(), d.NotMarked[e])
	}
	fmt.Fprintln(w, "\nThe censuses behind them, from the start of the window measured until the last was marked (the ledger):")
	fmt.Fprintln(w, "\n| key | entity | censuses | requests per census | mean gap between censuses |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|")
	for _, c := range d.Census {
		fmt.Fprintf(w, "| %s | %s | %d | %.1f | %.1f s |\n", c.Product, c.Entity, c.Runs, float64(c.Requests)/float64(max(c.Runs, 1)), c.MeanGap.Seconds())
	}
}
