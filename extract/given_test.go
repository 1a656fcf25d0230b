package extract_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
)

// TestSettingsAreGiven: the settings sync/config decides (budget, reserve,
// pages in flight, body limit) have no default here: New rejects an unset
// one, naming the field, and a reserve of 0 is no reserve.
func TestSettingsAreGiven(t *testing.T) {
	for field, unset := range map[string]func(*extract.Config){
		"Budget":        func(c *extract.Config) { c.Budget = 0 },
		"PagesInFlight": func(c *extract.Config) { c.PagesInFlight = 0 },
		"MaxBodyBytes":  func(c *extract.Config) { c.MaxBodyBytes = 0 },
	} {
		cfg := validConfig()
		unset(&cfg)
		c, err := extract.New(t.Context(), cfg)
		if err == nil {
			c.Close()
			t.Errorf("New took a Config without %s", field)
		} else if !strings.Contains(err.Error(), field) {
			t.Errorf("without %s: %v; want the field named", field, err)
		}
	}
	cfg := validConfig()
	cfg.Reserve = 0
	c, err := extract.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, limit := c.BudgetUsed(time.Now()); limit != cfg.Budget {
		t.Errorf("limit with a reserve of 0 = %d, want the budget %d", limit, cfg.Budget)
	}
}
