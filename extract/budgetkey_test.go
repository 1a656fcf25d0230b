package extract

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func TestBudgetKey(t *testing.T) {
	a := BudgetKey(synctype.ProductPlutora, "client-a")
	b := BudgetKey(synctype.ProductPlutora, "client-b")
	test := BudgetKey(synctype.ProductPlutoraTest, "client-a")
	for _, k := range []string{a, b, test} {
		if !regexp.MustCompile(`^plutora(test)?:[0-9a-f]{12}$`).MatchString(k) || strings.Contains(k, "client") {
			t.Errorf("BudgetKey = %q: want product:12 hex digits, no client id in clear", k)
		}
	}
	if a == b || a[len("plutora:"):] != test[len("plutoratest:"):] {
		t.Errorf("keys %q %q %q: two client ids must differ, the hash must not depend on the product", a, b, test)
	}
	if a != BudgetKey(synctype.ProductPlutora, "client-a") {
		t.Error("BudgetKey is not stable")
	}
}

// The counts stored under the product's name by an older version still
// count after an upgrade, summed per minute with the new key's.
func TestLegacyBudgetKeyCounts(t *testing.T) {
	mem := NewMemoryHistory(time.Minute)
	ctx := t.Context()
	m0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	key := BudgetKey(synctype.ProductPlutora, "id")
	_ = mem.Add(ctx, "plutora", m0, 5)
	_ = mem.Add(ctx, "plutora", m0.Add(time.Minute), 7)
	_ = mem.Add(ctx, key, m0.Add(time.Minute), 1)
	_ = mem.Add(ctx, key, m0.Add(2*time.Minute), 2)
	_ = mem.Add(ctx, "plutoratest", m0, 100) // another product's
	h := withLegacyKey(mem, synctype.ProductPlutora)
	got, err := h.Recent(ctx, key, m0)
	if err != nil {
		t.Fatal(err)
	}
	want := []synctype.MinuteCount{{Minute: m0, Count: 5}, {Minute: m0.Add(time.Minute), Count: 8}, {Minute: m0.Add(2 * time.Minute), Count: 2}}
	if !slices.Equal(got, want) {
		t.Errorf("Recent = %v, want %v", got, want)
	}
	// Writes go to the new key only.
	if err := h.Add(ctx, key, m0.Add(3*time.Minute), 4); err != nil {
		t.Fatal(err)
	}
	if old, _ := mem.Recent(ctx, "plutora", m0.Add(3*time.Minute)); len(old) != 0 {
		t.Errorf("the legacy key got a write: %v", old)
	}
	if withLegacyKey(nil, synctype.ProductPlutora) != nil {
		t.Error("no history must stay no history")
	}
}
