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
	whole   bool // a bare array: every record, one page (parseList)
	size    int  // bytes of the body the records are slices of (Client.list)
}

// pageJSON is a page answer as the API spells it: camelCase on Plutora, PascalCase
// ("Data", "TotalCount") on Plutora Test; encoding/json matches keys case-insensitively.
type pageJSON struct {
	ResultSet  []aliasRaw      `json:"resultSet"`
	Data       []aliasRaw      `json:"data"`
	TotalCount json.RawMessage `json:"totalCount"` // raw: missing and null differ
}

// aliasRaw is a record kept as the slice of the body that encoding/json hands
// to UnmarshalJSON, where json.RawMessage would copy it: a page's records
// then hold one copy of the page, not two (docs/performance.md, "Memory"). The body is
// never written to after parsing.
type aliasRaw []byte

func (r *aliasRaw) UnmarshalJSON(b []byte) error {
	*r = b[:len(b):len(b)]
	return nil
}

// parseEnvelope accepts the Plutora envelope ({"resultSet":[…],"totalCount":N,…}) and
// the PascalCase one of Plutora Test ({"Data":[…],"TotalCount":N,…}). The records are
// resultSet's, or Data's when resultSet is missing or null; of duplicate keys the last
// wins. A bare array is refused: the API answers one only to a list request without
// pageNum, which the client never sends, and it has no totalCount to page by (parseList
// accepts one from the old endpoints that answer it even to pageNum). Anything
// else is an error saying what is wrong.
func parseEnvelope(body []byte) (envelope, error) {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return envelope{}, errors.New("empty body")
	case body[0] == '[':
		return envelope{}, errors.New("not a page envelope: body is a bare JSON array (the answer to a list request without pageNum)")
	case body[0] != '{':
		return envelope{}, fmt.Errorf("not a page envelope: body starts with %q", truncate(body, 16))
	}
	var p pageJSON
	if err := json.Unmarshal(body, &p); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return envelope{}, fmt.Errorf("records are not an array: %s is a JSON %s", te.Field, te.Value)
		}
		return envelope{}, fmt.Errorf("not a page envelope: %w", err)
	}
	aliased := p.ResultSet
	if aliased == nil {
		aliased = p.Data
	}
	var records []json.RawMessage
	if aliased != nil {
		records = make([]json.RawMessage, len(aliased))
		for i, r := range aliased {
			records[i] = json.RawMessage(r)
		}
	}
	if records == nil && !hasRecordsKey(body) {
		return envelope{}, errors.New("not a page envelope: neither resultSet nor Data")
	}
	if p.TotalCount == nil {
		return envelope{}, errors.New("page envelope without totalCount")
	}
	out := envelope{records: records}
	if err := json.Unmarshal(p.TotalCount, &out.total); err != nil || out.total < 0 {
		return envelope{}, fmt.Errorf("totalCount %q is not a count", truncate(p.TotalCount, 32))
	}
	for i, r := range records {
		if string(r) == "null" {
			return envelope{}, fmt.Errorf("record %d is null", i)
		}
	}
	return out, nil
}

// parseList is parseEnvelope for a list that may also answer a bare array
// of every record (synctype.ShapeWhole): then the array is the whole list, one page
// whose total is its length.
func parseList(body []byte, bareOK bool) (envelope, error) {
	trimmed := bytes.TrimSpace(body)
	if !bareOK || len(trimmed) == 0 || trimmed[0] != '[' {
		return parseEnvelope(body)
	}
	var aliased []aliasRaw
	if err := json.Unmarshal(trimmed, &aliased); err != nil {
		return envelope{}, fmt.Errorf("not a JSON array of records: %w", err)
	}
	out := envelope{records: make([]json.RawMessage, len(aliased)), total: len(aliased), whole: true}
	for i, r := range aliased {
		if string(r) == "null" {
			return envelope{}, fmt.Errorf("record %d is null", i)
		}
		out.records[i] = json.RawMessage(r)
	}
	return out, nil
}

// hasRecordsKey reports whether the (valid) envelope body has a resultSet or Data key:
// decoded into slices, a null list and a missing one look the same.
func hasRecordsKey(body []byte) bool {
	var keys struct {
		ResultSet json.RawMessage `json:"resultSet"`
		Data      json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &keys)
	return keys.ResultSet != nil || keys.Data != nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
