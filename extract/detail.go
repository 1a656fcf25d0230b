package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Detail returns the full record of entity e with id: GET {detail path}/{id}.
// Some lists answer summaries (docs/plutora-api.md, "Paging and filtering");
// the detail is the record
// the warehouse keeps. A record the API no longer has (404 or 410) is nil
// with no error; any other answer that is not the record asked for is an
// error. The request counts against the budget like any other. An entity
// with sub-resources is read with them, a request each (withSubresources).
func (c *Client) Detail(ctx context.Context, e synctype.Entity, id string) (json.RawMessage, error) {
	rec, err := c.record(ctx, e, id)
	if err != nil || rec == nil {
		return rec, err
	}
	if rec, err = c.withSubresources(ctx, e, id, rec); err != nil {
		return nil, fmt.Errorf("get %s %s: %w", e.Name, id, err)
	}
	return rec, nil
}

// Subresources returns rec, the record of e with id as a list that answers
// whole records gave it, with its sub-resources read onto it: Detail
// without the GET by id. nil with no error when the API no longer has the
// record; an entity without sub-resources answers rec as it is.
func (c *Client) Subresources(ctx context.Context, e synctype.Entity, id string, rec json.RawMessage) (json.RawMessage, error) {
	out, err := c.withSubresources(ctx, e, id, rec)
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", e.Name, id, err)
	}
	return out, nil
}

// record is GET {detail path}/{id}: the record alone, without its
// sub-resources; nil when the API no longer has it (Detail).
func (c *Client) record(ctx context.Context, e synctype.Entity, id string) (json.RawMessage, error) {
	if e.DetailPath == "" { // the reference lists have no GET by id
		return nil, fmt.Errorf("get %s %s: %w", e.Name, id, synctype.ErrNoDetail)
	}
	r := request{method: "GET", path: e.DetailPath + "/" + url.PathEscape(id), route: e.DetailPath + "/{id}", page: -1}
	var rec json.RawMessage
	err := c.do(ctx, r, func(body []byte) error {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return fmt.Errorf("not a JSON object: %w", err)
		}
		var got string
		if err := json.Unmarshal(fields[e.IDField], &got); err != nil || !strings.EqualFold(got, id) {
			return fmt.Errorf("the record's %s is %s, not %s", e.IDField, fields[e.IDField], id)
		}
		rec = append(json.RawMessage(nil), body...)
		return nil
	})
	var bad *BadResponseError
	if errors.As(err, &bad) && (bad.Status == http.StatusNotFound || bad.Status == http.StatusGone) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", e.Name, id, err)
	}
	return rec, nil
}
