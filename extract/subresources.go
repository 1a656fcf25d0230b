package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// withSubresources returns the record rec of e with id, read with its
// sub-resources (synctype.Entity.Subresources): GET {detail}/{id}{path} for
// each, read whole like the lookup lists (wholeList: a bare array or the
// envelope, within MaxBodyBytes), kept as the array member Key. A record
// gone meanwhile (404 or 410 on a sub-resource) is nil with no error, as
// Detail answers for it.
func (c *Client) withSubresources(ctx context.Context, e synctype.Entity, id string, rec json.RawMessage) (json.RawMessage, error) {
	if !e.Enriched() {
		return rec, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(rec, &fields); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	for _, s := range e.Subresources {
		held := &wholeRead{entity: e.Name, maxBytes: c.cfg.MaxBodyBytes}
		items, err := c.wholeList(ctx, e.DetailPath+"/"+url.PathEscape(id)+s.Path, e.DetailPath+"/{id}"+s.Path, held)
		var bad *BadResponseError
		if errors.As(err, &bad) && (bad.Status == http.StatusNotFound || bad.Status == http.StatusGone) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("its %s: %w", s.Path, err)
		}
		if items = s.Keep(items); items == nil {
			items = []json.RawMessage{}
		}
		if fields[s.Key], err = json.Marshal(items); err != nil {
			return nil, fmt.Errorf("its %s: %w", s.Path, err)
		}
	}
	return json.Marshal(fields)
}
