package sync_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// TestListKindProbedOncePerRun: when no list item can be compared with its
// detail (every GET /systems/{id} answers 404, or no id is a GUID), a run
// asks about at most three items, once, not on every page; the next run
// tries again, once. Real HTTP client, sandbox and PostgreSQL; the proxy
// before the sandbox counts the detail requests.
func TestListKindProbedOncePerRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		mangleIDs     bool // the list's ids are not GUIDs: nothing to ask about
		details       int  // detail requests a run may make
		rows, quarant int  // systems in the warehouse, quarantined
	}{
		{name: "detail 404", details: 3, rows: 450},
		{name: "ids not GUIDs", mangleIDs: true, details: 0, quarant: 450},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 17,
				Sizes: plutoratest.Sizes{Changes: -1, Releases: -1, Environments: -1, Hosts: -1, Systems: 450, Defects: -1}})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			target, _ := url.Parse(sb.Plutora.URL)
			var details atomic.Int64
			rp := httputil.NewSingleHostReverseProxy(target)
			if tc.mangleIDs {
				rp.ModifyResponse = func(resp *http.Response) error {
					if !strings.EqualFold(resp.Request.URL.Path, "/systems") {
						return nil
					}
					b, err := io.ReadAll(resp.Body)
					if err != nil {
						return err
					}
					b = bytes.ReplaceAll(b, []byte(`"id":"`), []byte(`"id":"sys-`))
					resp.Body = io.NopCloser(bytes.NewReader(b))
					resp.ContentLength = int64(len(b))
					resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
					return nil
				}
			}
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(strings.ToLower(r.URL.Path), "/systems/") {
					details.Add(1)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusNotFound)
					_, _ = io.WriteString(w, `{"message":"No HTTP resource was found that matches the request URI."}`)
					return
				}
				rp.ServeHTTP(w, r)
			}))
			defer proxy.Close()

			db := loadtest.NewDB(t)
			w, err := load.NewWriter(db, nil)
			if err != nil {
				t.Fatal(err)
			}
			cr := sb.Plutora.Credentials()
			c, err := extract.New(t.Context(), extract.Config{Product: synctype.ProductPlutora,
				Endpoints: extract.Endpoints{APIURL: proxy.URL, TokenURL: sb.Plutora.TokenURL},
				ClientID:  cr.ClientID, ClientSecret: cr.ClientSecret, Username: cr.Username, Password: cr.Password,
				RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond,
				Budget: testBudget, Reserve: testReserve, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r, err := sync.NewRunner(sync.RunnerOptions{Writer: w, DeleteMaxShare: 0.5, RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh,
				Sources: map[synctype.Product]sync.Source{synctype.ProductPlutora: {API: c, URL: proxy.URL, Sandbox: true}}})
			if err != nil {
				t.Fatal(err)
			}
			systems, _ := synctype.EntityByName("systems")
			for run := 1; run <= 2; run++ {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				before := details.Load()
				res, err := r.Run(ctx, systems, synctype.ModeSweep)
				cancel()
				// Ids that are not GUIDs are quarantined by the writer, so that
				// run ends warning (every record quarantined); it still pages on.
				if err != nil || res.Outcome != synctype.OutcomeSuccess && res.Outcome != synctype.OutcomeWarning || res.Pages != 5 {
					t.Fatalf("run %d: %s, %d pages, err %v; want 5 pages", run, res.Outcome, res.Pages, err)
				}
				if n := details.Load() - before; n != int64(tc.details) || res.Details != tc.details {
					t.Errorf("run %d asked %d details (ledger: %d) over 5 pages; want %d: one probe a run", run, n, res.Details, tc.details)
				}
			}
			var rows, quarantined int
			if err := db.Get(&rows, `SELECT count(*) FROM plutora.systems`); err != nil {
				t.Fatal(err)
			}
			if err := db.Get(&quarantined, `SELECT count(*) FROM plutora_sync.quarantine WHERE entity = 'systems'`); err != nil {
				t.Fatal(err)
			}
			if rows != tc.rows || quarantined != tc.quarant {
				t.Errorf("warehouse: %d systems, %d quarantined; want %d and %d", rows, quarantined, tc.rows, tc.quarant)
			}
		})
	}
}
