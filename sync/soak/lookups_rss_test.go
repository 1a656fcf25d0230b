package soak

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// shippedLimit is the Deployment's memory limit (deploy/kubernetes).
const shippedLimit = 256 << 20

// hostileLookupServer answers five lookup types with pages of 100 values
// of 70 KB each (7 MB a page, under MAX_BODY_BYTES) and a totalCount of
// 1e9, fresh ids on every page, and a working token endpoint.
func hostileLookupServer() *httptest.Server {
	pad := strings.Repeat("v", 70<<10)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/oauth/token":
			_, _ = io.WriteString(w, `{"access_token":"hostile-token","token_type":"bearer","expires_in":86400}`)
		case r.URL.Path == "/lookupfields":
			_, _ = io.WriteString(w, `[{"name":"T0"},{"name":"T1"},{"name":"T2"},{"name":"T3"},{"name":"T4"}]`)
		default:
			typ, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/lookupfields/T"))
			n, _ := strconv.Atoi(r.URL.Query().Get("pageNum"))
			var b bytes.Buffer
			b.WriteString(`{"resultSet":[`)
			for i := range 100 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":"00000000-%04x-4000-%04x-%012x","value":"%s","sortOrder":%d,"type":"T%d"}`, typ, n%0x10000, i, pad, i, typ)
			}
			b.WriteString(`],"totalCount":1000000000,"recordsPerPage":100}`)
			w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
			_, _ = w.Write(b.Bytes())
		}
	}))
}

// BenchmarkPeakRSSHostileLookups syncs the lookup values with the built
// binary at the shipped settings (GOMEMLIMIT 230MiB, PAGES_IN_FLIGHT 4,
// MAX_BODY_BYTES 8 MiB) from hostileLookupServer: the run must fail,
// naming the entity and the bound, and the worker's peak RSS stay under
// the Deployment's 256 MiB limit (a worker past it is killed, and the
// benchmark fails). Issue 23 saw 2.2 GB in 90 s before the bound:
//
//	go test ./sync/soak -run '^$' -bench PeakRSSHostileLookups -benchtime 1x
func BenchmarkPeakRSSHostileLookups(b *testing.B) {
	bin := workertest.Binary(b)
	for range b.N {
		srv := hostileLookupServer()
		db, dsn := loadtest.NewEmptyDB(b)
		cmd := exec.Command(bin, "sync", "--full", "lookup_values")
		cmd.Env = workertest.Environ(map[string]string{"DATABASE_URL": dsn,
			"PLUTORA_API_URL": srv.URL, "PLUTORA_TOKEN_URL": srv.URL + "/oauth/token", "PLUTORA_CLIENT_ID": "hostile",
			"PLUTORA_CLIENT_SECRET": "hostile-secret", "PLUTORA_USERNAME": "hostile@example.com", "PLUTORA_PASSWORD": "hostile-password"},
			"GOMEMLIMIT=230MiB", "PAGES_IN_FLIGHT=4", "LOG_FORMAT=json", "LOG_LEVEL=warn")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		peak, killed := watchRSS(cmd, shippedLimit)
		wall := time.Since(start)
		srv.Close()
		b.ReportMetric(float64(peak)/(1<<20), "MB-peak-RSS")
		b.Logf("hostile lookups: peak RSS %.1f MiB of the 256 MiB limit, run over after %v", float64(peak)/(1<<20), wall.Round(time.Millisecond))
		if killed {
			b.Fatalf("the worker passed the 256 MiB limit after %v (killed)\n%s", wall.Round(time.Millisecond), tail(out.Bytes(), 2000))
		}
		var rows int
		var ledger string
		if err := db.QueryRow(`SELECT count(*) FROM plutora.lookup_values`).Scan(&rows); err != nil {
			b.Fatal(err)
		}
		if err := db.QueryRow(`SELECT coalesce(error, '') FROM plutora_sync.run_entities WHERE entity = 'lookup_values'`).Scan(&ledger); err != nil {
			b.Fatal(err)
		}
		for _, want := range []string{"lookup_values is read whole", "over the limit of 8388608 bytes", "MAX_BODY_BYTES"} {
			if !strings.Contains(ledger, want) || !strings.Contains(out.String(), want) {
				b.Errorf("ledger %q / output lack %q\n%s", ledger, want, tail(out.Bytes(), 2000))
			}
		}
		if rows != 0 {
			b.Errorf("%d lookup values written; want none from a run that failed before its first page", rows)
		}
		db.Close()
	}
}

// watchRSS samples the peak RSS of cmd until it exits, or kills it once
// the peak passes limit (killed).
func watchRSS(cmd *exec.Cmd, limit int64) (peak int64, killed bool) {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return peak, killed
		case <-tick.C:
			peak = max(peak, vmHWM(status))
			if peak > limit && !killed {
				killed = true
				_ = cmd.Process.Kill()
			}
		}
	}
}
