package plutoratest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// RecordsAsRead returns the live records of e as a client that follows its
// declaration reads them: Records, each with its sub-resources
// (synctype.Entity.Subresources) as array members, as GET
// {detail}/{id}{path} answers them now. Reading them here is not a request:
// the log, the budget and the faults see nothing.
func (s *Server) RecordsAsRead(e synctype.Entity) map[string]json.RawMessage {
	recs := s.Records(e.Name)
	if !e.Enriched() {
		return recs
	}
	p := s.Plutora
	if e.Product == synctype.ProductPlutoraTest {
		p = s.Test
	}
	for id, raw := range recs {
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil {
			continue
		}
		for _, sub := range e.Subresources {
			// As the worker asks: page 0 of at most 100 (a sub-resource is
			// small), which some answer as the envelope.
			path := e.DetailPath + "/" + url.PathEscape(id) + sub.Path
			r := httptest.NewRequest(http.MethodGet, path+"?pageNum=0&recordsPerPage=100", nil)
			rs := p.route(r, strings.ToLower(path), s.opts.Now())
			if rs == nil || rs.status != http.StatusOK {
				continue
			}
			var items []json.RawMessage
			if json.Unmarshal(itemsOf(rs.body), &items) != nil {
				continue
			}
			if items = sub.Keep(items); items == nil {
				items = []json.RawMessage{}
			}
			fields[sub.Key], _ = json.Marshal(items)
		}
		recs[id], _ = json.Marshal(fields)
	}
	return recs
}

// itemsOf is the array of a list answer: the bare array, or the
// envelope's resultSet.
func itemsOf(body []byte) json.RawMessage {
	var env struct {
		ResultSet json.RawMessage `json:"resultSet"`
	}
	if json.Unmarshal(body, &env) == nil && env.ResultSet != nil {
		return env.ResultSet
	}
	return append(json.RawMessage(nil), body...)
}
