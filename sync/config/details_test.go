package config

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestListKindsAndDetailRefresh: LIST_KINDS names entities and kinds, bad
// values are refused with the variable and the part at fault; the refresh
// period defaults to a day, 0 means never, less than an hour is refused.
func TestListKindsAndDetailRefresh(t *testing.T) {
	load := func(kv ...string) (*Config, error) {
		return LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), kv...)))
	}
	c, err := load("LIST_KINDS", " Environments=summary, changes=FULL ,hosts=auto")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]synctype.ListKind{"environments": synctype.ListSummary, "changes": synctype.ListFull, "hosts": synctype.ListUnknown}
	got := c.ListKindMap()
	for e, k := range want {
		if got[e] != k {
			t.Errorf("ListKindMap()[%s] = %q, want %q (all: %v)", e, got[e], k, got)
		}
	}
	if c.DetailRefresh != 24*time.Hour {
		t.Errorf("DETAIL_REFRESH default %v", c.DetailRefresh)
	}
	if c, err := load("DETAIL_REFRESH", "0"); err != nil {
		t.Errorf("DETAIL_REFRESH=0: %v", err)
	} else if c.DetailRefresh != 0 {
		t.Errorf("DETAIL_REFRESH=0 loads as %v; want 0, which the runner takes as never", c.DetailRefresh)
	}
	for _, tc := range []struct{ kv, want []string }{
		{[]string{"LIST_KINDS", "widgets=summary"}, []string{"LIST_KINDS", `unknown entity "widgets"`, "environments"}},
		{[]string{"LIST_KINDS", "systems=partial"}, []string{"LIST_KINDS", `"systems=partial"`, "full, summary or auto"}},
		{[]string{"LIST_KINDS", "systems"}, []string{"LIST_KINDS", `"systems" is not entity=kind`}},
		{[]string{"DETAIL_REFRESH", "10m"}, []string{"DETAIL_REFRESH: must be at least 1h (or 0 for never), got 10m0s"}},
	} {
		_, err := load(tc.kv...)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v, want %q", tc.kv, err, w)
			}
		}
	}
}

// TestFirstLoadOfARecordWithSubresources: a first load reads each release
// with its 5 sub-resources, and with its detail unless its list item is the
// whole record (sync's enrich); a TECR with its linked changes; the lookup
// values' type list and each type, as many as known or else planned.
func TestFirstLoadOfARecordWithSubresources(t *testing.T) {
	for _, c := range []struct {
		entity string
		kind   synctype.ListKind
		size   int
		want   int
	}{
		{"releases", synctype.ListFull, 400, 4 + 400*5},
		{"releases", synctype.ListSummary, 400, 4 + 400*6},
		{"releases", synctype.ListUnknown, 400, 4 + 400*6},
		{"tecrs", synctype.ListFull, 300, 3 + 300*1},
		{"changes", synctype.ListFull, 5000, 50},
		{"changes", synctype.ListSummary, 5000, 50 + 5000},
		{"lookup_values", synctype.ListFull, 67, 1 + LookupTypesPlanned}, // the type list and each type
	} {
		if got, _ := FirstLoad(c.entity, c.kind, map[string]int{c.entity: c.size}, 0); got != c.want {
			t.Errorf("FirstLoad(%s, %s, %d) = %d requests, want %d", c.entity, c.kind, c.size, got, c.want)
		}
	}
	if got, _ := FirstLoad("lookup_values", synctype.ListFull, map[string]int{"lookup_values": 67, LookupTypes: 16}, 0); got != 17 {
		t.Errorf("FirstLoad of 16 lookup types known = %d requests, want 17", got)
	}
}
