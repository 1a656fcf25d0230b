package console

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// TestCheckListKinds: check says, per entity, whether its list is full or a
// summary (found by comparing page 0's first item with its detail, or as
// LIST_KINDS says; a reference list has no detail to compare with) and what
// a first load costs, in both list worlds, in lines of at most 120 columns.
func TestCheckListKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lists   plutoratest.Lists
		env     []string
		want    [][]string
		summary map[string]bool // the sandbox's SummaryFilters
	}{
		{plutoratest.ListsReal, nil, [][]string{
			{"plutora", "environments", "summary", "compared", "30", "31", "requests", "<1m"},
			{"plutora", "systems", "summary", "compared", "25", "26", "requests", "<1m"},
			// Read with its schedule and stakeholders: 1 page, and for each of
			// the 60 releases its 5 sub-resources (the filter's items are
			// whole: no detail).
			{"plutora", "releases", "full", "compared", "60", "301", "requests", "<1m"},
			{"plutora", "hosts", "full", "compared", "90", "1", "request", "<1m"},
			{"plutora", "users", "full", "list", "only,", "no", "detail", "192", "2", "requests", "<1m"},
			{"plutora", "organizations", "full", "list", "only,", "no", "detail", "6", "1", "request", "<1m"},
		}, nil},
		{plutoratest.ListsFull, nil, [][]string{
			{"plutora", "environments", "full", "compared", "30", "1", "request", "<1m"},
			{"plutora", "systems", "full", "compared", "25", "1", "request", "<1m"},
		}, nil},
		// A filter of release summaries: each release costs its detail too.
		{plutoratest.ListsReal, nil, [][]string{
			{"plutora", "releases", "summary", "compared", "60", "361", "requests", "<1m"},
		}, map[string]bool{"releases": true}},
		// Configured: no comparison; 260 changes as summaries would cost
		// 3 pages and 260 details; at 1000 an hour that is 15m47s.
		{plutoratest.ListsFull, []string{"LIST_KINDS", "changes=summary", "PLUTORA_BUDGET_PER_HOUR", "1000", "PLUTORA_BUDGET_RESERVE", "0",
			"SCHEDULE_CHANGES", "@hourly", "SCHEDULE_RELEASES", "@hourly", "SCHEDULE_DEFECTS", "@hourly"}, [][]string{
			{"plutora", "changes", "summary", "LIST_KINDS", "260", "263", "requests", "15m47s"},
		}, nil},
	} {
		t.Run(tc.lists.String()+strings.Join(tc.env, "_")+fmt.Sprint(len(tc.summary)), func(t *testing.T) {
			t.Parallel()
			sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5, Sizes: smallSizes, Lists: tc.lists, SummaryFilters: tc.summary})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			_, dsn := newEmptyDB(t)
			cfg := loadConfig(t, sandboxEnv(sb, dsn, tc.env...))
			var out bytes.Buffer
			if err := Migrate(context.Background(), cfg, testLogger(t), &out, false); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			if err := Check(context.Background(), cfg, testLogger(t), &out); err != nil {
				t.Fatalf("check: %v\n%s", err, out.String())
			}
			// Only a word too long to wrap (the test database's URL) may
			// pass the width, alone after its line's columns.
			for _, line := range strings.Split(out.String(), "\n") {
				f := strings.Fields(line)
				if n := utf8.RuneCountInString(line); n > checkWidth && utf8.RuneCountInString(line)-len(f[len(f)-1]) > 40 {
					t.Errorf("a line of %d columns, over %d: %q", n, checkWidth, line)
				}
			}
			_, lists, _ := strings.Cut(out.String(), "\nLISTS")
			for _, want := range tc.want {
				if got := fieldsOf(lists, want[:2]...); strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("list line %q, want %q:\n%s", got, want, out.String())
				}
			}
		})
	}
}

// TestPlanCountsTheLookupTypesKnown: a run of lookup_values reads the type
// list and each type. Before the warehouse holds any, check plans the 40
// types assumed (41 requests a sweep, and a first load as many); once it
// holds them, as many as it holds values of (the sandbox's: 17 requests),
// which is what the sandbox logs for a run.
func TestPlanCountsTheLookupTypesKnown(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn))
	ctx := context.Background()
	var out bytes.Buffer
	if err := Migrate(ctx, cfg, testLogger(t), &out, false); err != nil {
		t.Fatal(err)
	}
	plan := func() (sweep, firstLoad string) {
		t.Helper()
		out.Reset()
		if err := Check(ctx, cfg, testLogger(t), &out); err != nil {
			t.Fatalf("check: %v\n%s", err, out.String())
		}
		_, lists, _ := strings.Cut(out.String(), "\nLISTS")
		p, l := fieldsOf(out.String(), "plutora", "lookup_values"), fieldsOf(lists, "plutora", "lookup_values")
		if len(p) < 6 || len(l) < 9 {
			t.Fatalf("no lookup_values lines:\n%s", out.String())
		}
		return p[5], l[8]
	}
	if sweep, first := plan(); sweep != "41.0" || first != "41" {
		t.Errorf("before a run: lookup_values planned at %s an hour, first load %s requests; want 41.0 and 41", sweep, first)
	}
	before := len(sb.Plutora.RequestLog())
	if err := SyncNow(ctx, cfg, testLogger(t), SyncOptions{Entities: []string{"lookup_values"}, Progress: io.Discard}); err != nil {
		t.Fatal(err)
	}
	run := 0
	for _, r := range sb.Plutora.RequestLog()[before:] {
		if strings.HasPrefix(strings.ToLower(r.Path), "/lookupfields") {
			run++
		}
	}
	var types int
	if err := db.Get(&types, `SELECT count(DISTINCT type) FROM plutora.lookup_values`); err != nil || run != types+1 {
		t.Fatalf("a run read %d lookup lists, the warehouse holds %d types (%v)", run, types, err)
	}
	if sweep, first := plan(); sweep != fmt.Sprintf("%d.0", run) || first != strconv.Itoa(run) {
		t.Errorf("after a run of %d requests: lookup_values planned at %s an hour, first load %s requests", run, sweep, first)
	}
}
