package statuspage

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// BenchmarkPageLoad measures one uncached load of the status page (every
// query and the rendering) on the warehouse of `demo -scale 20` (twenty
// times the default site: 100,000 changes, 120,000 defects, …) with a ledger
// of 20,000 runs and a full hour of request counts for two keys. Run alone:
//
//	PLUTORA_BENCH_STATUS=1 go test ./sync/statuspage -run '^$' -bench PageLoad -benchtime 50x
//
// It builds the warehouse first (a minute or two), so make bench leaves it
// out unless PLUTORA_BENCH_STATUS is set.
func BenchmarkPageLoad(b *testing.B) {
	if os.Getenv("PLUTORA_BENCH_STATUS") == "" {
		b.Skip("set PLUTORA_BENCH_STATUS=1: it builds a warehouse of 260,000 records (a minute or two)")
	}
	ctx := context.Background()
	db := loadtest.NewDB(b)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	d := plutoratest.DefaultSizes()
	srv, err := plutoratest.NewServer(plutoratest.Options{Seed: 27, Sizes: plutoratest.Sizes{
		Changes: 20 * d.Changes, Releases: 20 * d.Releases, Environments: 20 * d.Environments,
		Hosts: 20 * d.Hosts, Systems: 20 * d.Systems, Defects: 20 * d.Defects}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	records := 0
	for _, e := range load.Entities() {
		recs, ids := srv.Records(e), srv.IDs(e)
		for p := 0; p*100 < len(ids); p++ {
			page := make([]json.RawMessage, 0, 100)
			for _, id := range ids[p*100 : min(len(ids), p*100+100)] {
				page = append(page, recs[id])
			}
			if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: e, Mode: synctype.ModeSweep, PageNum: p, Records: page}); err != nil {
				b.Fatal(err)
			}
		}
		records += len(ids)
	}
	for _, q := range []string{
		`INSERT INTO plutora_sync.runs (product, mode, started_at, finished_at, status, error, sandbox)
		SELECT 'plutora', 'incremental', now() - i * interval '5 seconds', now() - i * interval '5 seconds' + interval '1 second',
			CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'success' END, CASE WHEN i % 50 = 0 THEN 'fetch changes page 0: server fault' END, true
		FROM generate_series(1, 20000) i`,
		`INSERT INTO plutora_sync.run_entities (run_id, entity, mode, pages, requests, inserted, updated, unchanged)
		SELECT id, (ARRAY['changes', 'releases', 'hosts', 'environments', 'systems', 'defects'])[id % 6 + 1], 'incremental', 1, 1, 0, 3, 97
		FROM plutora_sync.runs`,
		`INSERT INTO plutora_sync.request_counts (key, minute, count)
		SELECT k, date_trunc('minute', now()) - m * interval '1 minute', 200 + m
		FROM unnest(ARRAY['plutora:4b843fc5e05d', 'plutoratest:fa58b9b4fced']) k, generate_series(0, 59) m`,
		`ANALYZE`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d records, 20,000 runs in the ledger", records)
	p, err := New(Options{DB: db.DB, CacheFor: time.Nanosecond, Limit: 24700})
	if err != nil {
		b.Fatal(err)
	}
	queries := 0
	read := p.cache.read
	p.cache.read = func(ctx context.Context, f load.RunFilter) (*load.Overview, error) {
		o, err := read(ctx, f)
		if err == nil {
			queries = o.Queries
		}
		return o, err
	}
	for b.Loop() {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?entity=changes", nil))
		if rec.Code != 200 {
			b.Fatalf("GET /: %d %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(queries), "queries/load")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/load")
}
