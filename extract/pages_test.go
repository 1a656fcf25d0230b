package extract_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func TestPagesEveryEntity(t *testing.T) {
	t.Parallel()
	for _, envelope := range []string{"pascal", "camel"} {
		// Full lists: every page's records equal the sandbox's (TestDetail
		// covers the summaries).
		s := newSandbox(t, plutoratest.Options{DefectEnvelope: envelope, Lists: plutoratest.ListsFull})
		clients := map[synctype.Product]*extract.Client{
			synctype.ProductPlutora:     newClient(t, configFor(s.Plutora)),
			synctype.ProductPlutoraTest: newClient(t, configFor(s.Test)),
		}
		for _, e := range synctype.Entities() {
			if envelope == "camel" && e.Name != "defects" {
				continue // the envelope option changes only Plutora Test's answers
			}
			t.Run(envelope+"/"+e.Name, func(t *testing.T) {
				want := s.Records(e.Name)
				pages, got, err := collect(t, clients[e.Product], e, synctype.Query{})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Errorf("got %d distinct records, want %d", len(got), len(want))
				}
				for id, raw := range want {
					if g, ok := got[id]; !ok {
						t.Errorf("record %s missing", id)
					} else if !jsonEqual(g, raw) {
						t.Errorf("record %s differs from the sandbox's", id)
					}
				}
				wantPages := (len(want) + extract.RecordsPerPage - 1) / extract.RecordsPerPage
				if len(pages) != max(wantPages, 1) {
					t.Errorf("got %d pages, want %d", len(pages), wantPages)
				}
				for i, p := range pages {
					if p.Num != i || p.TotalCount != len(want) || p.Drift || p.FirstTotal != len(want) {
						t.Errorf("page %d: Num %d TotalCount %d Drift %v FirstTotal %d", i, p.Num, p.TotalCount, p.Drift, p.FirstTotal)
					}
				}
			})
		}
	}
}

// jsonEqual compares records; the client hands over the bytes the API served, so they
// are normally equal byte for byte.
func jsonEqual(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func modified(t *testing.T, raw json.RawMessage, field string) (time.Time, bool) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[field].(string)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v, true
		}
	}
	t.Fatalf("unparsable %s %q", field, s)
	return time.Time{}, false
}

func TestPagesIncremental(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{})
	for _, name := range []string{"changes", "releases", "defects"} {
		t.Run(name, func(t *testing.T) {
			e := mustEntity(t, name)
			p := s.Plutora
			if e.Product == synctype.ProductPlutoraTest {
				p = s.Test
			}
			c := newClient(t, configFor(p))
			// The median modified time splits the records in two.
			var times []time.Time
			for _, raw := range s.Records(name) {
				if m, ok := modified(t, raw, e.ModifiedField); ok {
					times = append(times, m)
				}
			}
			if len(times) < 10 {
				t.Fatalf("only %d records with %s", len(times), e.ModifiedField)
			}
			since := times[len(times)/2]
			want := 0
			for _, m := range times {
				if !m.Before(since) {
					want++
				}
			}
			_, got, err := collect(t, c, e, synctype.Query{Since: &since})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != want {
				t.Errorf("got %d records modified since %v, want %d", len(got), since, want)
			}
			prev := time.Time{}
			for _, raw := range got {
				m, ok := modified(t, raw, e.ModifiedField)
				if !ok || m.Before(since) {
					t.Errorf("record modified %v (ok %v) is before Since %v", m, ok, since)
				}
				_ = prev
			}
		})
	}
}

func TestPagesAscendingAndResume(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{})
	c := newClient(t, configFor(s.Plutora))
	e := mustEntity(t, "changes")
	since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var order []time.Time
	var first []string
	err := c.Pages(t.Context(), e, synctype.Query{Since: &since}, func(p synctype.Page) error {
		for _, r := range p.Records {
			m, _ := modified(t, r, e.ModifiedField)
			order = append(order, m)
			if p.Num >= 2 {
				first = append(first, string(r))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(order); i++ {
		if order[i].Before(order[i-1]) {
			t.Fatalf("record %d modified %v before record %d's %v: not ascending", i, order[i], i-1, order[i-1])
		}
	}
	var resumed []string
	err = c.Pages(t.Context(), e, synctype.Query{Since: &since, StartPage: 2}, func(p synctype.Page) error {
		if len(resumed) == 0 && p.Num != 2 {
			t.Errorf("first page delivered is %d, want 2", p.Num)
		}
		for _, r := range p.Records {
			resumed = append(resumed, string(r))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(resumed, "\n") != strings.Join(first, "\n") {
		t.Errorf("resuming at page 2 gave %d records, want the %d of pages 2.. of a full run", len(resumed), len(first))
	}
}

func TestPagesDrift(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{})
	cfg := configFor(s.Plutora)
	cfg.PagesInFlight = 1 // so that the insert lands before page 1 is asked for
	c := newClient(t, cfg)
	e := mustEntity(t, "hosts")
	before := s.Count("hosts")
	var pages []synctype.Page
	err := c.Pages(t.Context(), e, synctype.Query{}, func(p synctype.Page) error {
		pages = append(pages, synctype.Page{Num: p.Num, TotalCount: p.TotalCount, Drift: p.Drift, FirstTotal: p.FirstTotal})
		if p.Num == 0 {
			for range 3 {
				if _, err := s.Insert("hosts"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages[0].Drift || pages[0].TotalCount != before {
		t.Errorf("page 0: %+v, want no drift and total %d", pages[0], before)
	}
	for _, p := range pages[1:] {
		if !p.Drift || p.TotalCount != before+3 || p.FirstTotal != before {
			t.Errorf("page %d: %+v, want drift from %d to %d", p.Num, p, before, before+3)
		}
	}
}

func TestPagesStopsOnCallbackError(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{})
	c := newClient(t, configFor(s.Plutora))
	stop := errors.New("stop here")
	calls := 0
	err := c.Pages(t.Context(), mustEntity(t, "changes"), synctype.Query{}, func(p synctype.Page) error {
		calls++
		if p.Num == 1 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("err = %v, want the callback's error as is", err)
	}
	if calls != 2 {
		t.Errorf("callback called %d times, want 2", calls)
	}
}

func TestPagesHoldsAtMostPagesInFlight(t *testing.T) {
	t.Parallel()
	for _, inFlight := range []int{1, 2, 4} {
		s := newSandbox(t, plutoratest.Options{Sizes: plutoratest.Sizes{Changes: 1000}})
		cfg := configFor(s.Plutora)
		cfg.PagesInFlight = inFlight
		c := newClient(t, cfg)
		e := mustEntity(t, "changes")
		delivered := 0
		err := c.Pages(t.Context(), e, synctype.Query{}, func(p synctype.Page) error {
			// Pages answered so far, minus those already handed over and returned.
			fetched := countLog(s.Plutora, "/changes/filter", 200)
			if held := fetched - delivered; held > inFlight {
				t.Errorf("PagesInFlight %d: %d pages fetched and not yet returned by the callback", inFlight, held)
			}
			delivered++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if delivered != 10 {
			t.Errorf("delivered %d pages, want 10", delivered)
		}
		settle(t, s.Plutora, c)
		if n := countLog(s.Plutora, "/changes/filter", -1); n != 10 {
			t.Errorf("PagesInFlight %d: %d page requests, want 10 (none wasted past the end)", inFlight, n)
		}
	}
}

func TestPagesEmpty(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{Sizes: plutoratest.Sizes{Systems: -1}})
	c := newClient(t, configFor(s.Plutora))
	pages, _, err := collect(t, c, mustEntity(t, "systems"), synctype.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || pages[0].TotalCount != 0 || len(pages[0].Records) != 0 {
		t.Errorf("pages = %+v, want one empty page with total 0", pages)
	}
}

func TestPagesRejectsBadQueries(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{})
	c := newClient(t, configFor(s.Plutora))
	now := time.Now()
	for _, tc := range []struct {
		entity string
		q      synctype.Query
		want   string
	}{
		{"hosts", synctype.Query{Since: &now}, "no modified field"},
		{"defects", synctype.Query{}, "belongs to plutoratest"},
		{"changes", synctype.Query{StartPage: -1}, "StartPage -1"},
	} {
		err := c.Pages(t.Context(), mustEntity(t, tc.entity), tc.q, func(synctype.Page) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %+v: err = %v, want %q", tc.entity, tc.q, err, tc.want)
		}
	}
}
