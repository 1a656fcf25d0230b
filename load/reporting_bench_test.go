package load_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// reportingQueries are the questions of issue 16 whose speed matters, as
// docs/warehouse.md asks them.
var reportingQueries = []struct{ name, sql string }{
	{"one change's status history", `SELECT h.status, h.observed, h.valid_from, h.valid_to, h.time_in_status
		FROM reporting.changes c JOIN reporting.change_status_history h USING (change_id)
		WHERE c.change_number = 10000 ORDER BY h.valid_from`},
	{"status at the end of each of the last 30 days", `SELECT calendar_date, status, changes
		FROM reporting.change_status_daily WHERE calendar_date > current_date - 30 ORDER BY calendar_date, status`},
	{"time in status for one release's changes", `SELECT c.change_number, h.status, sum(h.time_in_status_hours)
		FROM reporting.releases r JOIN reporting.release_changes rc USING (release_id)
		JOIN reporting.changes c USING (change_id)
		JOIN reporting.change_status_history h ON h.change_id = rc.change_id
		WHERE r.release_identifier = 'PR-1000' GROUP BY 1, 2`},
	{"a release's changes with status, priority and systems", `SELECT c.change_number, c.name, rc.relation,
		c.status, c.priority, string_agg(s.system_name, ', ')
		FROM reporting.releases r JOIN reporting.release_changes rc USING (release_id)
		JOIN reporting.changes c USING (change_id)
		LEFT JOIN reporting.change_systems s ON s.change_id = rc.change_id
		WHERE r.release_identifier = 'PR-1000' GROUP BY 1, 2, 3, 4, 5`},
	{"freshness", `SELECT * FROM reporting.freshness`},
}

// BenchmarkReportingQueries builds the warehouse of issue 16 (100,000
// changes, 120,000 defects, scaled sandbox data) with three churned
// incremental rounds (5% of changes and defects updated each), then times
// each reporting query. Run alone:
//
//	PLUTORA_BENCH_REPORTING=1 go test ./load -run '^$' -bench ReportingQueries -benchtime 20x
//
// It takes minutes, so make bench (every package's benchmarks) leaves it out
// unless PLUTORA_BENCH_REPORTING is set.
func BenchmarkReportingQueries(b *testing.B) {
	if os.Getenv("PLUTORA_BENCH_REPORTING") == "" {
		b.Skip("set PLUTORA_BENCH_REPORTING=1: it builds a warehouse of 220,000 records (minutes)")
	}
	ctx := context.Background()
	db, w := benchDB(b)
	d := plutoratest.DefaultSizes()
	srv, err := plutoratest.NewServer(plutoratest.Options{Seed: 16, Sizes: plutoratest.Sizes{
		Changes: 100000, Defects: 120000, Releases: d.Releases * 20, Environments: d.Environments,
		Hosts: d.Hosts, Systems: d.Systems}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	write := func(entity string, ids []string) {
		recs := srv.Records(entity)
		for p := 0; p*100 < len(ids); p++ {
			page := make([]json.RawMessage, 0, 100)
			for _, id := range ids[p*100 : min(len(ids), p*100+100)] {
				page = append(page, recs[id])
			}
			if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: entity, Mode: synctype.ModeIncremental, PageNum: p, Records: page}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, e := range load.Entities() {
		write(e, srv.IDs(e))
	}
	for round := range 3 {
		for _, e := range []string{"changes", "defects"} {
			ids := srv.IDs(e)
			var churned []string
			for i := round; i < len(ids); i += 20 {
				if err := srv.Update(e, ids[i]); err != nil {
					b.Fatal(err)
				}
				churned = append(churned, ids[i])
			}
			write(e, churned)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	var periods int
	if err := db.GetContext(ctx, &periods, "SELECT count(*) FROM plutora.changes_status_periods"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d change status periods", periods)
	for _, q := range reportingQueries {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := db.QueryContext(ctx, q.sql)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Err(); err != nil || n == 0 {
					b.Fatalf("%d rows, %v", n, err)
				}
				rows.Close()
			}
		})
	}
}
