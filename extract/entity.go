package extract

import "strings"

// Entity describes how one kind of record is listed. The table in Entities is the only
// place that knows the paths and field names.
type Entity struct {
	Name          string  // "changes"
	Product       Product // the API (and key) that serves it
	ListMethod    string  // GET or POST
	ListPath      string  // "/changes/filter", "/hosts", "/defects/Search"
	IDField       string  // "id" or "Id"
	ModifiedField string  // "lastModifiedDate", or "" when it cannot be read incrementally
	DetailPath    string  // "/changes": GET DetailPath/{id} answers one record, 404 when there is none
}

// Incremental reports whether the entity can be filtered by its modified field.
func (e Entity) Incremental() bool { return e.ModifiedField != "" }

var entities = []Entity{
	{Name: "changes", Product: ProductPlutora, ListMethod: "POST", ListPath: "/changes/filter", IDField: "id", ModifiedField: "lastModifiedDate", DetailPath: "/changes"},
	{Name: "releases", Product: ProductPlutora, ListMethod: "POST", ListPath: "/releases/filter", IDField: "id", ModifiedField: "lastModifiedDate", DetailPath: "/releases"},
	{Name: "environments", Product: ProductPlutora, ListMethod: "GET", ListPath: "/environments", IDField: "id", DetailPath: "/environments"},
	{Name: "hosts", Product: ProductPlutora, ListMethod: "GET", ListPath: "/hosts", IDField: "id", DetailPath: "/hosts"},
	{Name: "systems", Product: ProductPlutora, ListMethod: "GET", ListPath: "/systems", IDField: "id", DetailPath: "/systems"},
	{Name: "defects", Product: ProductPlutoraTest, ListMethod: "POST", ListPath: "/defects/Search", IDField: "Id", ModifiedField: "LastModifiedDate", DetailPath: "/defects"},
}

// Entities returns the entity table, in a stable order (Plutora's first).
func Entities() []Entity {
	out := make([]Entity, len(entities))
	copy(out, entities)
	return out
}

// EntityByName returns the entity called name (case-insensitive).
func EntityByName(name string) (Entity, bool) {
	for _, e := range entities {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Entity{}, false
}
