package synctype

import "strings"

// Entity is one kind of record that is synced. The table in Entities is the
// only list of them: extract's paths, load's table specs and the config's
// schedules key into it by Name.
type Entity struct {
	Name    string  // "changes": the table, the ledger's and the metrics' name
	Product Product // the API (and key) that serves it
	IDField string  // the record's id field: "id", or "Id" on Plutora Test
	// ModifiedField is the record's last-modified field, which the API can
	// filter on; "" when it cannot (then every run is a sweep).
	ModifiedField string
}

// Incremental reports whether the entity can be read incrementally.
func (e Entity) Incremental() bool { return e.ModifiedField != "" }

func (e Entity) String() string { return string(e.Product) + "/" + e.Name }

// Entities returns every entity, in a stable order (Plutora's first).
func Entities() []Entity {
	return []Entity{
		{Name: "changes", Product: ProductPlutora, IDField: "id", ModifiedField: "lastModifiedDate"},
		{Name: "releases", Product: ProductPlutora, IDField: "id", ModifiedField: "lastModifiedDate"},
		{Name: "environments", Product: ProductPlutora, IDField: "id"},
		{Name: "hosts", Product: ProductPlutora, IDField: "id"},
		{Name: "systems", Product: ProductPlutora, IDField: "id"},
		{Name: "defects", Product: ProductPlutoraTest, IDField: "Id", ModifiedField: "LastModifiedDate"},
		// Reference data (issue 15): small lists without a modified field,
		// swept on a slow schedule, that BI joins the records' typed ids to.
		{Name: "organizations", Product: ProductPlutora, IDField: "id"},
		{Name: "users", Product: ProductPlutora, IDField: "id"},
		{Name: "lookup_values", Product: ProductPlutora, IDField: "id"},
		{Name: "environment_groups", Product: ProductPlutora, IDField: "id"},
	}
}

// EntityByName returns the entity called name (in any case).
func EntityByName(name string) (Entity, bool) {
	for _, e := range Entities() {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Entity{}, false
}

// EntityNames returns the names of every entity, in the order of Entities.
func EntityNames() []string {
	var out []string
	for _, e := range Entities() {
		out = append(out, e.Name)
	}
	return out
}
