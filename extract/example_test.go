package extract_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Example pages through the hosts of a sandbox Plutora. Against the real API, take the
// endpoints from extract.RegionEndpoints("us") and a BudgetHistory kept in Postgres.
func Example() {
	ctx := context.Background()
	sandbox, err := plutoratest.NewServer(plutoratest.Options{Sizes: plutoratest.Sizes{Hosts: 250}})
	if err != nil {
		log.Fatal(err)
	}
	defer sandbox.Close()
	creds := sandbox.Plutora.Credentials()

	client, err := extract.New(ctx, extract.Config{
		Product:      synctype.ProductPlutora,
		Endpoints:    extract.Endpoints{APIURL: sandbox.Plutora.URL, TokenURL: sandbox.Plutora.TokenURL},
		ClientID:     creds.ClientID,
		ClientSecret: creds.ClientSecret,
		Username:     creds.Username,
		Password:     creds.Password,
		// The settings sync/config decides, here at its defaults.
		Budget:        plutoratest.BudgetPerHour,
		Reserve:       0.05,
		PagesInFlight: 4,
		MaxBodyBytes:  8 << 20,
		History:       extract.NewMemoryHistory(time.Minute),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	hosts, _ := synctype.EntityByName("hosts")
	err = client.Pages(ctx, hosts, synctype.Query{}, func(p synctype.Page) error {
		fmt.Printf("page %d: %d of %d hosts\n", p.Num, len(p.Records), p.TotalCount)
		return nil // a sync writes the page and its checkpoint here
	})
	if err != nil {
		log.Fatal(err)
	}
	used, limit := client.BudgetUsed(time.Now())
	fmt.Printf("%d of %d requests used in the last hour (the token request included)\n", used, limit)
	// Output:
	// page 0: 100 of 250 hosts
	// page 1: 100 of 250 hosts
	// page 2: 50 of 250 hosts
	// 4 of 24700 requests used in the last hour (the token request included)
}
