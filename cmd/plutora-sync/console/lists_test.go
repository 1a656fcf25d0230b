package console

import (
	"bytes"
	"context"
	"fmt"
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
