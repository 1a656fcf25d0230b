package plutoratest_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// Start the sandbox, get a token with the password grant and read the
// first page of changes modified since a date, oldest first.
func ExampleNewServer() {
	s, err := plutoratest.NewServer(plutoratest.Options{Seed: 1, Sizes: plutoratest.Sizes{Changes: 120}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	c := s.Plutora.Credentials()
	form := url.Values{"grant_type": {"password"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}, "username": {c.Username}, "password": {c.Password}}
	res, err := http.PostForm(s.Plutora.TokenURL, form)
	if err != nil {
		log.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	fmt.Println("expires_in:", tok.ExpiresIn)

	body := `{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC","value":"2000-01-01T00:00:00.000Z","operator":"GreaterOrEqual"}],"recordsPerPage":100,"pageNum":0}`
	req, _ := http.NewRequest("POST", s.Plutora.URL+"/changes/filter", strings.NewReader(body))
	req.Header.Set("Authorization", "bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var page struct {
		ResultSet   []json.RawMessage `json:"resultSet"`
		ReturnCount int               `json:"returnCount"`
		TotalCount  int               `json:"totalCount"`
	}
	_ = json.NewDecoder(res.Body).Decode(&page)
	fmt.Println("page 0:", page.ReturnCount, "of", page.TotalCount)
	fmt.Println("requests logged:", len(s.Plutora.RequestLog()))
	// Output:
	// expires_in: 82800
	// page 0: 100 of 120
	// requests logged: 2
}
