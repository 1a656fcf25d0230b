package extract_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestSweepWithoutSortWhenRefused: the sandbox accepts a sort without a condition; an API
// that refuses it (400) gets unsorted sweeps instead, after one refusal per entity.
func TestSweepWithoutSortWhenRefused(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/token" {
			io.WriteString(w, `{"access_token":"t","token_type":"bearer","expires_in":3600}`)
			return
		}
		var req struct {
			SearchFilters []map[string]any `json:"searchFilters"`
			PageNum       int              `json:"pageNum"`
		}
		_ = json.Unmarshal(body, &req)
		mu.Lock()
		bodies = append(bodies, string(body))
		mu.Unlock()
		for _, f := range req.SearchFilters {
			if f["operator"] == nil {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"message":"The request is invalid."}`)
				return
			}
		}
		recs := []string{}
		for i := range 100 {
			if n := req.PageNum*100 + i; n < 250 {
				recs = append(recs, fmt.Sprintf(`{"id":"%d"}`, n))
			}
		}
		fmt.Fprintf(w, `{"resultSet":[%s],"returnCount":%d,"totalCount":250}`, strings.Join(recs, ","), len(recs))
	}))
	defer srv.Close()
	cfg := extract.Config{Product: synctype.ProductPlutora,
		Endpoints: extract.Endpoints{APIURL: srv.URL, TokenURL: srv.URL + "/oauth/token"},
		ClientID:  "client", ClientSecret: "secret", Username: "user", Password: "password",
		Budget: testBudget, Reserve: testReserve, PagesInFlight: 1, MaxBodyBytes: testMaxBodyBytes}
	c := newClient(t, cfg)
	_, got, err := collect(t, c, mustEntity(t, "changes"), synctype.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Errorf("got %d records, want 250", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	// One refused sort-only request, then three pages without a sort.
	if len(bodies) != 4 || !strings.Contains(bodies[0], `"direction":"ASC"`) || strings.Contains(bodies[3], "lastModifiedDate") {
		t.Errorf("request bodies: %q", bodies)
	}
}
