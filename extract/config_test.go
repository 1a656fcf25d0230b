package extract_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func validConfig() extract.Config {
	return extract.Config{
		Product:       synctype.ProductPlutora,
		Endpoints:     extract.Endpoints{APIURL: "https://usapi.plutora.com", TokenURL: "https://usoauth.plutora.com/oauth/token"},
		ClientID:      "id",
		ClientSecret:  "secret",
		Username:      "user@example.com",
		Password:      "pw",
		Budget:        testBudget,
		Reserve:       testReserve,
		PagesInFlight: testPagesInFlight,
		MaxBodyBytes:  testMaxBodyBytes,
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*extract.Config)
		want   string // "" = valid
	}{
		{"valid", func(*extract.Config) {}, ""},
		{"loopback http", func(c *extract.Config) {
			c.Endpoints = extract.Endpoints{APIURL: "http://127.0.0.1:8080", TokenURL: "http://localhost:8080/oauth/token"}
		}, ""},
		{"ipv6 loopback", func(c *extract.Config) { c.Endpoints.APIURL = "http://[::1]:8080" }, ""},
		{"plain http", func(c *extract.Config) { c.Endpoints.APIURL = "http://usapi.plutora.com" },
			`Endpoints.APIURL: "http://usapi.plutora.com": only https is allowed, except for loopback addresses`},
		{"ftp token url", func(c *extract.Config) { c.Endpoints.TokenURL = "ftp://x/oauth/token" }, `Endpoints.TokenURL: "ftp://x/oauth/token": scheme "ftp", want https`},
		{"no api url", func(c *extract.Config) { c.Endpoints.APIURL = "" }, "Endpoints.APIURL: is empty"},
		{"relative url", func(c *extract.Config) { c.Endpoints.APIURL = "usapi.plutora.com" }, `Endpoints.APIURL: "usapi.plutora.com" has no host`},
		{"user in url", func(c *extract.Config) { c.Endpoints.APIURL = "https://bob:hunter2@usapi.plutora.com" }, "credentials in URLs are not allowed"},
		{"product", func(c *extract.Config) { c.Product = "jira" }, `Product "jira": want "plutora" or "plutoratest"`},
		{"client id", func(c *extract.Config) { c.ClientID = "" }, "ClientID is empty"},
		{"secret", func(c *extract.Config) { c.ClientSecret = " " }, "ClientSecret is empty"},
		{"username", func(c *extract.Config) { c.Username = "" }, "Username is empty"},
		{"password", func(c *extract.Config) { c.Password = "" }, "Password is empty"},
		{"budget", func(c *extract.Config) { c.Budget = -1 }, "Budget -1: want a positive number of requests"},
		{"reserve", func(c *extract.Config) { c.Reserve = 1 }, "Budget 26000 with Reserve 1 leaves no request per window"},
		{"negative reserve", func(c *extract.Config) { c.Reserve = -0.1 }, "Reserve -0.1 is negative"},
		{"tiny budget", func(c *extract.Config) { c.Budget = 1; c.Reserve = 0.5 }, "leaves no request per window"},
		{"window", func(c *extract.Config) { c.Window = -time.Second }, "Window -1s is negative"},
		{"in flight", func(c *extract.Config) { c.PagesInFlight = -1 }, "PagesInFlight -1: want at least 1"},
		{"body", func(c *extract.Config) { c.MaxBodyBytes = -5 }, "MaxBodyBytes -5: want a positive number of bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.change(&cfg)
			c, err := extract.New(t.Context(), cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				c.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password of the URL", err)
			}
		})
	}
}

func TestBudgetLimit(t *testing.T) {
	c, err := extract.New(t.Context(), validConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if used, limit := c.BudgetUsed(time.Now()); used != 0 || limit != 24700 {
		t.Errorf("BudgetUsed = %d, %d; want 0, 24700 (26000 less 5%%)", used, limit)
	}
}
