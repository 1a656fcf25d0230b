package synctype

import (
	"encoding/json"
	"strings"
)

// Entity is the one declaration of a kind of record the worker syncs: how
// the API lists and reads it, the table it lands in, and how it is
// scheduled. Every other place derives from it (docs/design.md, "Target
// layout"): extract's routes, load's page statement, the configuration's
// SCHEDULE_* variables and plan, the data dictionary and the
// plutora_sync.entities rows that the views over all entities read. The
// declarations are in entities.go.
type Entity struct {
	Name    string  // "changes": the ledger's, the metrics' and the checkpoints' name
	Product Product // the API (and key) that serves it
	IDField string  // the record's id field: "id", or "Id" on Plutora Test
	// ModifiedField is the record's last-modified field, which the API can
	// filter on; "" when it cannot (then every run is a sweep).
	ModifiedField string

	List Route // how the API lists it
	// DetailPath answers one record at DetailPath/{id} (404 when there is
	// none); "" when the API has no GET by id: a census cannot ask about one
	// record, and trusts its counts alone.
	DetailPath string
	Shape      Shape // how the list answers
	// Subresources are read with each detail, GET DetailPath/{id}+Path, and
	// kept in the record as an array member each: what a record holds
	// beyond its detail (a release's phases), which may change without
	// moving its modified field. The list is then enriched like a summary
	// list: the record is read again when its list item changes, and on
	// the rolling refresh (DETAIL_REFRESH).
	Subresources []Subresource

	Table    string   // schema-qualified table; its history is Table+"_history"
	Key      string   // the column other tables name a record of it by: "change_id"
	Columns  []Column // the typed columns beside id and raw
	Children []Child  // arrays of the record kept as child rows
	// Refs are the columns of the entity's reporting views that name a
	// record of another entity but not by its key (raised_by_id names a
	// user): what reporting.relationships cannot find by name
	// (docs/warehouse.md, "Keys and relationships").
	Refs    []Ref
	Periods *Periods // status periods kept at load; nil for none

	// Schedule is the default of the entity's SCHEDULE_* variable: "" refreshes
	// it adaptively (polls, or sweeps within their share), a cron spec pins it.
	Schedule string
}

// Ref is a reporting column that names a record of entity To by its id:
// in every reporting view that carries the entity's key and Column.
type Ref struct {
	Column string // as the reporting views name it: "status_id"
	To     string // the entity it names a record of: "lookup_values"
}

// Subresource is a list the API answers below one record.
type Subresource struct {
	Path string // "/phases": GET DetailPath/{id}/phases
	Key  string // the member of the record that holds it: "phases"
	// Members, when set, are the only members of each item kept: the
	// items are records of another entity (a TECR's linked changes are
	// whole changes), which the warehouse holds on their own; keeping
	// their ids alone spares the record a new version at each of their
	// edits.
	Members []string
}

// Route is an API list: the method and the path, "/changes/filter" or "/hosts".
type Route struct {
	Method string // GET, or POST for a filter/search list
	Path   string
}

// Shape says how an entity's list answers, beyond the paged envelope.
type Shape int

// The list shapes (docs/plutora-api.md, "Paging and filtering").
const (
	ShapePaged   Shape = iota // the envelope, paged by totalCount
	ShapeWhole                // a bare array of every record (one page), or the envelope
	ShapeLookups              // a list of lists: GET Path names the types, GET Path/{type} holds each one's values
)

// Enriched reports whether each record is read with more than its list
// item: its sub-resources. Such a list is enriched as a summary list is.
func (e Entity) Enriched() bool { return len(e.Subresources) > 0 }

// SubresourceKey reports whether k is the member a sub-resource of e is
// kept in: a member no list item carries, whatever its list holds.
func (e Entity) SubresourceKey(k string) bool {
	for _, s := range e.Subresources {
		if s.Key == k {
			return true
		}
	}
	return false
}

// Incremental reports whether the entity can be read incrementally.
func (e Entity) Incremental() bool { return e.ModifiedField != "" }

// ScheduleVar is the environment variable that pins the entity to a cron
// spec: SCHEDULE_ and its name in capitals.
func (e Entity) ScheduleVar() string { return "SCHEDULE_" + strings.ToUpper(e.Name) }

// Same reports whether e and o are the same entity (an Entity holds slices,
// so == does not compile).
func (e Entity) Same(o Entity) bool { return e.Product == o.Product && e.Name == o.Name }

func (e Entity) String() string { return string(e.Product) + "/" + e.Name }

// Entities returns every entity, in a stable order (Plutora's first).
func Entities() []Entity {
	return append([]Entity(nil), declared...)
}

// EntityByName returns the entity called name (in any case).
func EntityByName(name string) (Entity, bool) {
	for _, e := range declared {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Entity{}, false
}

// EntityNames returns the names of every entity, in the order of Entities.
func EntityNames() []string {
	var out []string
	for _, e := range declared {
		out = append(out, e.Name)
	}
	return out
}

// Keep returns the items of s as the record keeps them: each with only
// s.Members when they are set; an item that is not an object is kept whole.
func (s Subresource) Keep(items []json.RawMessage) []json.RawMessage {
	if len(s.Members) == 0 {
		return items
	}
	out := make([]json.RawMessage, len(items))
	for i, it := range items {
		var all map[string]json.RawMessage
		if json.Unmarshal(it, &all) != nil {
			out[i] = it
			continue
		}
		kept := make(map[string]json.RawMessage, len(s.Members))
		for _, m := range s.Members {
			if v, ok := all[m]; ok {
				kept[m] = v
			}
		}
		out[i], _ = json.Marshal(kept)
	}
	return out
}
