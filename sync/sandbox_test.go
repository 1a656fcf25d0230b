package sync_test

import (
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// sandboxRunner is a runner of product's entities that reads p, one of
// sb's products, with the real client, and writes into a fresh database,
// all on clk; o gives the rest of the runner's options.
func sandboxRunner(t *testing.T, p *plutoratest.Product, product synctype.Product, clk *workertest.Clock, o sync.RunnerOptions) (*sync.Runner, *sqlx.DB) {
	t.Helper()
	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr := p.Credentials()
	c, err := extract.New(t.Context(), extract.Config{Product: product, Endpoints: extract.Endpoints{APIURL: p.URL, TokenURL: p.TokenURL},
		ClientID: cr.ClientID, ClientSecret: cr.ClientSecret, Username: cr.Username, Password: cr.Password, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	o.Writer, o.Now = w, clk.Now
	o.Sources = map[synctype.Product]sync.Source{product: {API: c, URL: p.URL}}
	if o.DeleteMaxShare == 0 {
		o.DeleteMaxShare = 0.5
	}
	r, err := sync.NewRunner(o)
	if err != nil {
		t.Fatal(err)
	}
	return r, db
}
