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
