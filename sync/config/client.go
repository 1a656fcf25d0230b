package config

import (
	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Client returns product's client settings as extract.New takes them: the
// endpoints, the credentials and the validated budget, reserve, pages in
// flight and body limit. The caller adds what is not configuration (HTTP
// client, clock, logger, observer, budget history, retry policy).
func (c *Config) Client(product synctype.Product) extract.Config {
	p := c.ProductConfig(product)
	return extract.Config{
		Product:   product,
		Endpoints: extract.Endpoints{APIURL: p.APIURL, TokenURL: p.TokenURL},
		ClientID:  p.ClientID, ClientSecret: p.ClientSecret, Username: p.Username, Password: p.Password,
		Budget:          c.BudgetPerHour,
		Reserve:         c.BudgetReserve,
		PagesInFlight:   c.PagesInFlight,
		MaxBodyBytes:    c.MaxBodyBytes,
		ForegroundShare: c.ForegroundShare(),
	}
}
