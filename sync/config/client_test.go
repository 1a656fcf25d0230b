package config

import (
	"context"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestClientTakesTheDefaults: the client has no defaults of its own for the
// settings decided here, so the configuration's defaults are what it gets:
// New accepts them, and paces at the budget less the reserve.
func TestClientTakesTheDefaults(t *testing.T) {
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(plutoraEnv()))
	if err != nil {
		t.Fatal(err)
	}
	cc := c.Client(synctype.ProductPlutora)
	if cc.Budget != c.BudgetPerHour || cc.Reserve != c.BudgetReserve || cc.PagesInFlight != c.PagesInFlight ||
		cc.MaxBodyBytes != c.MaxBodyBytes || cc.ForegroundShare != c.ForegroundShare() || cc.ClientID != "id" {
		t.Errorf("Client: budget %d, reserve %v, in flight %d, body %d, foreground %v, client id %q; not the configuration's",
			cc.Budget, cc.Reserve, cc.PagesInFlight, cc.MaxBodyBytes, cc.ForegroundShare, cc.ClientID)
	}
	client, err := extract.New(t.Context(), cc)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, limit := client.BudgetUsed(time.Now()); limit != 24700 {
		t.Errorf("limit %d at the defaults, want 24700 (26000 less 5%%)", limit)
	}
	zero, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), "PLUTORA_BUDGET_RESERVE", "0")))
	if err != nil {
		t.Fatal(err)
	}
	client0, err := extract.New(t.Context(), zero.Client(synctype.ProductPlutora))
	if err != nil {
		t.Fatal(err)
	}
	defer client0.Close()
	if _, limit := client0.BudgetUsed(time.Now()); limit != 26000 {
		t.Errorf("limit %d with PLUTORA_BUDGET_RESERVE=0, want the whole budget, 26000", limit)
	}
}
