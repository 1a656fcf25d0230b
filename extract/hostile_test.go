package extract_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// hostileServer is an API whose list answers are body, whatever the page,
// with a working token endpoint.
func hostileServer(t testing.TB, body *atomic.Pointer[[]byte]) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/oauth/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"hostile-token","token_type":"bearer","expires_in":3600}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*body.Load())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func hostileClient(t testing.TB, url string) *extract.Client {
	t.Helper()
	c, err := extract.New(context.Background(), extract.Config{
		Product:   synctype.ProductPlutora,
		Endpoints: extract.Endpoints{APIURL: url, TokenURL: url + "/oauth/token"},
		ClientID:  "hostile-client", ClientSecret: "hostile-secret-value", Username: "hostile@example.com", Password: "hostile-password-value",
		Budget: 1 << 30, PagesInFlight: testPagesInFlight, MaxBodyBytes: 4 << 20,
		RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond, RetryTimeout: 5 * time.Second, RequestTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

var errFirstPage = errors.New("first page seen")

// firstPage reads page 0 of changes with a deadline: a hang is an error.
func firstPage(t testing.TB, c *extract.Client) (synctype.Page, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, _ := synctype.EntityByName("changes")
	var got synctype.Page
	err := c.Pages(ctx, e, synctype.Query{}, func(p synctype.Page) error {
		got = p
		return errFirstPage
	})
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Pages hung on a hostile page (no answer in 20s)")
	}
	if errors.Is(err, errFirstPage) {
		err = nil
	}
	return got, err
}

// checkHostile holds for any answer: either a page whose records are each
// one JSON value (not null) and a count that is not negative, or an error
// that says what is wrong and where: endpoint and page.
func checkHostile(t testing.TB, body []byte, p synctype.Page, err error) {
	t.Helper()
	if err != nil {
		msg := err.Error()
		if !errors.Is(err, extract.ErrBadResponse) || !strings.Contains(msg, "POST /changes/filter page 0") {
			t.Fatalf("body %.200q: error %q is not a bad response naming endpoint and page", body, msg)
		}
		return
	}
	if p.TotalCount < 0 || p.Num != 0 {
		t.Fatalf("body %.200q: page %d, totalCount %d", body, p.Num, p.TotalCount)
	}
	for i, r := range p.Records {
		if !json.Valid(r) || string(r) == "null" {
			t.Fatalf("body %.200q: record %d %.200q is not one JSON value", body, i, r)
		}
	}
}

// FuzzHostilePage sends arbitrary bytes as a page answer through the whole
// client (token, pacer, retries, decoder): nothing panics or hangs, and the
// answer is a page of JSON records or a clear error.
func FuzzHostilePage(f *testing.F) {
	for _, s := range hostileBodies {
		if len(s.body) < 64<<10 { // the huge ones are TestHostilePages' (they slow mutation)
			f.Add([]byte(s.body))
		}
	}
	var body atomic.Pointer[[]byte]
	srv := hostileServer(f, &body)
	c := hostileClient(f, srv.URL)
	f.Fuzz(func(t *testing.T, b []byte) {
		body.Store(&b)
		p, err := firstPage(t, c)
		checkHostile(t, b, p, err)
	})
}

var hostileBodies = []struct {
	name, body string
	records    int    // records on the page; -1: an error
	errHas     string // the error says this
}{
	{"plain", `{"resultSet":[{"id":"a"}],"returnCount":1,"totalCount":1}`, 1, ""},
	{"pascal", `{"Data":[{"Id":"a"}],"TotalCount":1}`, 1, ""},
	{"empty", ``, -1, "empty body"},
	{"HTML", `<!DOCTYPE html><html><body>Server Error</body></html>`, -1, "not a page envelope"},
	{"bare array", `[{"id":"a"}]`, -1, "not a page envelope"},
	{"null", `null`, -1, "not a page envelope"},
	{"truncated", `{"resultSet":[{"id":"a"},{"id":`, -1, "not a page envelope"},
	{"trailing garbage", `{"resultSet":[],"totalCount":0}x`, -1, "not a page envelope"},
	{"NUL byte", "{\"resultSet\":[{\"id\":\"a\x00\"}],\"totalCount\":1}", -1, "not a page envelope"},
	{"no totalCount", `{"resultSet":[]}`, -1, "without totalCount"},
	{"no records", `{"totalCount":3}`, -1, "neither resultSet nor Data"},
	{"totalCount a string", `{"resultSet":[],"totalCount":"5"}`, -1, "totalCount"},
	{"totalCount negative", `{"resultSet":[],"totalCount":-1}`, -1, "totalCount"},
	{"totalCount fraction", `{"resultSet":[],"totalCount":1.5}`, -1, "totalCount"},
	{"totalCount huge", `{"resultSet":[],"totalCount":1e400}`, -1, "totalCount"},
	{"totalCount null", `{"resultSet":[],"totalCount":null}`, 0, ""},
	{"records an object", `{"resultSet":{"id":"a"},"totalCount":1}`, -1, "not an array"},
	{"records a string", `{"resultSet":"[]","totalCount":1}`, -1, "not an array"},
	{"a null record", `{"resultSet":[{"id":"a"},null],"totalCount":2}`, -1, "record 1 is null"},
	{"records of every type", `{"resultSet":[1,"s",true,[],{}],"totalCount":5}`, 5, ""},
	{"invalid UTF-8 in a record", "{\"resultSet\":[{\"id\":\"\xff\xfe\"}],\"totalCount\":1}", 1, ""},
	{"NUL escape in a record", `{"resultSet":[{"id":"a\u0000"}],"totalCount":1}`, 1, ""},
	{"duplicate keys", `{"resultSet":[{"id":"a"}],"resultSet":[],"totalCount":9,"totalCount":0}`, 0, ""},
	{"keys in odd case", `{"RESULTSET":[{"id":"a"}],"TOTALCOUNT":1}`, 1, ""},
	{"escaped key", `{"result\u0053et":[{"id":"a"}],"totalCount":1}`, 1, ""},
	{"byte order mark", "\xef\xbb\xbf{\"resultSet\":[],\"totalCount\":0}", -1, "not a page envelope"},
	{"deep record", `{"resultSet":[` + strings.Repeat(`[`, 9000) + strings.Repeat(`]`, 9000) + `],"totalCount":1}`, 1, ""},
	{"too deep", `{"resultSet":[` + strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000) + `],"totalCount":1}`, -1, "not a page envelope"},
	{"huge string", `{"resultSet":[{"id":"` + strings.Repeat("x", 3<<20) + `"}],"totalCount":1}`, 1, ""},
	{"over MaxBodyBytes", `{"resultSet":[{"id":"` + strings.Repeat("x", 5<<20) + `"}],"totalCount":1}`, -1, "MaxBodyBytes"},
}

// TestHostilePages is FuzzHostilePage's seeds with what each must give.
func TestHostilePages(t *testing.T) {
	var body atomic.Pointer[[]byte]
	srv := hostileServer(t, &body)
	c := hostileClient(t, srv.URL)
	for _, tc := range hostileBodies {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.body)
			body.Store(&b)
			p, err := firstPage(t, c)
			checkHostile(t, b, p, err)
			switch {
			case tc.records < 0 && err == nil:
				t.Fatalf("got a page of %d records, want an error saying %q", len(p.Records), tc.errHas)
			case tc.records < 0 && !strings.Contains(err.Error(), tc.errHas):
				t.Fatalf("error %q does not say %q", err, tc.errHas)
			case tc.records >= 0 && err != nil:
				t.Fatalf("error %v, want %d records", err, tc.records)
			case tc.records >= 0 && len(p.Records) != tc.records:
				t.Fatalf("%d records, want %d", len(p.Records), tc.records)
			}
		})
	}
}
