package plutoratest

import (
	"encoding/json"
	"strings"
)

// referenceRecords returns the records of a reference entity as the
// warehouse names it (organizations, users, lookup_values,
// environment_groups), in the order the endpoints serve them, each as the
// JSON it is served as; ok is false for any other entity. Records, Count
// and IDs answer for them from it. Reference data is fixed for a server's
// life (environment groups follow the live environments).
func (s *Server) referenceRecords(entity string) (recs []json.RawMessage, ok bool) {
	g := s.gen
	var lists [][]byte
	switch entity {
	case "organizations":
		lists = append(lists, organizationsJSON(g.orgs))
	case "users":
		lists = append(lists, usersJSON(g.people))
	case "lookup_values":
		for _, typ := range g.lookups.types() {
			b, _ := g.lookups.json(typ)
			lists = append(lists, b)
		}
	case "environment_groups":
		lists = append(lists, s.Plutora.environmentGroups())
	default:
		return nil, false
	}
	for _, b := range lists {
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			panic("plutoratest: a reference list is not a JSON array: " + err.Error())
		}
		recs = append(recs, items...)
	}
	return recs, true
}

// referenceIDs returns the ids of recs, in order.
func referenceIDs(recs []json.RawMessage) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		var v struct{ ID string }
		_ = json.Unmarshal(r, &v)
		out = append(out, strings.ToLower(v.ID))
	}
	return out
}
