package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// envelope is a decoded page answer: the raw records and the total.
type envelope struct {
	records []json.RawMessage
	total   int
}

// parseEnvelope accepts the Plutora envelope ({"resultSet":[…],"totalCount":N,…}) and
// the PascalCase one of Plutora Test ({"Data":[…],"TotalCount":N,…}); keys match
// case-insensitively. Anything else is an error saying what is wrong.
func parseEnvelope(body []byte) (envelope, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return envelope{}, errors.New("empty body")
	}
	if body[0] != '{' {
		return envelope{}, fmt.Errorf("not a page envelope: body starts with %q", truncate(body, 16))
	}
	var e struct {
		ResultSet  json.RawMessage `json:"resultSet"`
		Data       json.RawMessage `json:"data"`
		TotalCount json.RawMessage `json:"totalCount"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return envelope{}, fmt.Errorf("not a page envelope: %w", err)
	}
	list := e.ResultSet
	if len(list) == 0 {
		list = e.Data
	}
	if len(list) == 0 {
		return envelope{}, errors.New("not a page envelope: neither resultSet nor Data")
	}
	if len(e.TotalCount) == 0 {
		return envelope{}, errors.New("page envelope without totalCount")
	}
	var out envelope
	if err := json.Unmarshal(e.TotalCount, &out.total); err != nil || out.total < 0 {
		return envelope{}, fmt.Errorf("totalCount %q is not a count", truncate(e.TotalCount, 32))
	}
	if string(list) != "null" {
		if err := json.Unmarshal(list, &out.records); err != nil {
			return envelope{}, fmt.Errorf("records are not an array: %w", err)
		}
	}
	for i, r := range out.records {
		if len(r) == 0 || string(r) == "null" {
			return envelope{}, fmt.Errorf("record %d is null", i)
		}
	}
	return out, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
