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

// bigPageServer answers GET /hosts with pages pages of 100 hosts whose
// records pad the page to about size bytes, and a working token endpoint.
func bigPageServer(size, pages int) *httptest.Server {
	pad := strings.Repeat("x", max(size/100-200, 1))
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/token" {
			_, _ = io.WriteString(w, `{"access_token":"big-token","token_type":"bearer","expires_in":3600}`)
			return
		}
		n, _ := strconv.Atoi(r.URL.Query().Get("pageNum"))
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"resultSet":[`)
		for i := range 100 {
			if n >= pages {
				break
			}
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"00000000-0000-4000-%04x-%012x","name":"host %d","environmentID":null,"layers":null,"note":"%s"}`, n, i, i, pad)
		}
		fmt.Fprintf(&b, `],"totalCount":%d,"pageNum":%d,"recordsPerPage":100}`, 100*pages, n)
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		_, _ = w.Write(b.Bytes())
	}))
}

// BenchmarkPeakRSSPageSize syncs hosts in pages of 1, 8 and 32 MB with the
// built binary at the shipped settings (GOMEMLIMIT 230MiB, PAGES_IN_FLIGHT 4,
// MAX_BODY_BYTES raised to 40 MiB so the largest page is read) and reports
// the peak RSS against the Deployment's 256 MiB limit (docs/performance.md, "Memory"):
//
//	go test ./sync/soak -run '^$' -bench PeakRSSPageSize -benchtime 1x
func BenchmarkPeakRSSPageSize(b *testing.B) {
	bin := workertest.Binary(b)
	for _, mb := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			for range b.N {
				rss := pageSizeRSS(b, bin, mb<<20, 8)
				b.ReportMetric(float64(rss)/(1<<20), "MB-peak-RSS")
				b.Logf("pages of %d MB: peak RSS %.1f MiB of the 256 MiB limit", mb, float64(rss)/(1<<20))
			}
		})
	}
}

func pageSizeRSS(b *testing.B, bin string, size, pages int) int64 {
	srv := bigPageServer(size, pages)
	defer srv.Close()
	db, dsn := loadtest.NewEmptyDB(b)
	defer db.Close()
	cmd := exec.Command(bin, "sync", "--full", "hosts")
	cmd.Env = workertest.Environ(map[string]string{"DATABASE_URL": dsn,
		"PLUTORA_API_URL": srv.URL, "PLUTORA_TOKEN_URL": srv.URL + "/oauth/token", "PLUTORA_CLIENT_ID": "big",
		"PLUTORA_CLIENT_SECRET": "big-secret", "PLUTORA_USERNAME": "big@example.com", "PLUTORA_PASSWORD": "big-password"},
		"GOMEMLIMIT=230MiB", "PAGES_IN_FLIGHT=4", "MAX_BODY_BYTES=41943040", "LOG_FORMAT=json", "LOG_LEVEL=warn")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var peak int64
	for waiting := true; waiting; {
		select {
		case err := <-done:
			if err != nil {
				b.Fatalf("sync of %d-byte pages: %v\n%s", size, err, tail(out.Bytes(), 2000))
			}
			waiting = false
		case <-tick.C:
			peak = max(peak, vmHWM(status))
		}
	}
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM plutora.hosts`).Scan(&rows); err != nil || rows != 100*pages {
		b.Fatalf("%d hosts synced, want %d (%v)", rows, 100*pages, err)
	}
	return peak
}
