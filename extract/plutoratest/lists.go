package plutoratest

import "fmt"

// Lists is the shape of the items of the GET lists.
type Lists int

const (
	// ListsDefault is the zero value: the sandbox's default, DefaultLists.
	ListsDefault Lists = iota
	// ListsFull answers the full record (the detail) in every list.
	ListsFull
	// ListsReal answers as the real API does (docs/plutora-api.md, "Paging
	// and filtering"): GET /environments, /systems and /releases items are
	// summaries; the detail GET /{entity}/{id} is the full record, with the
	// members that today's warehouse has no column for (environments'
	// usageWorkItemId, systems' isAllowEdit and inMyOrganization).
	ListsReal
)

// DefaultLists is what a zero Options.Lists means: the real API's shapes,
// now that the worker fetches the details of summary lists (issue 15).
const DefaultLists = ListsReal

func (l Lists) String() string {
	switch l {
	case ListsDefault:
		return "default"
	case ListsFull:
		return "full"
	case ListsReal:
		return "real"
	}
	return fmt.Sprintf("Lists(%d)", int(l))
}

// ParseLists reads "full", "real" or "default" (or "").
func ParseLists(s string) (Lists, error) {
	switch s {
	case "", "default":
		return ListsDefault, nil
	case "full":
		return ListsFull, nil
	case "real":
		return ListsReal, nil
	}
	return 0, fmt.Errorf("lists %q: want full, real or default", s)
}

// releaseListFields are what a release list item carries
// (docs/plutora-api.md, "Paging and filtering").
var releaseListFields = []string{"id", "identifier", "name", "implementationDate", "displayColor", "plutoraReleaseType"}

// summaryFields are the members of a GET list item that is a summary, in
// order (docs/plutora-api.md, "Paging and filtering").
var summaryFields = map[string][]string{
	Environments: {"id", "name", "url", "linkedSystem", "usageWorkItem", "status", "color"},
	Systems:      {"id", "name"},
	Releases:     releaseListFields,
}

// filterSummaryFields are the members of a summary POST …/filter item
// before its last-modified date: assumed, as the real API's is unknown.
var filterSummaryFields = map[string][]string{
	Changes:  {"id", "changeId", "name", "changeStatus"},
	Releases: releaseListFields,
}

// getListFields returns the members of a GET list item of entity; nil
// means the full record. The bare legacy GET /releases array always
// answers summaries, as the real API does.
func (o *Options) getListFields(entity string, bare bool) []string {
	if o.Lists == ListsReal || bare && entity == Releases {
		return summaryFields[entity]
	}
	return nil
}

// filterFields returns the members of a POST /{entity}/filter item: the
// summary plus the last-modified date the filter seeks on, when
// Options.SummaryFilters names entity; nil (full records) otherwise.
func (o *Options) filterFields(spec *entitySpec) []string {
	if !o.SummaryFilters[spec.name] {
		return nil
	}
	return append(append([]string(nil), filterSummaryFields[spec.name]...), spec.modField)
}

// project returns the members of the record raw named by fields, in the
// order of fields; a record that is not an object is returned as it is.
func project(raw []byte, fields []string) []byte {
	members, err := orderedObject(raw)
	if err != nil {
		return raw
	}
	short := make([]objField, 0, len(fields))
	for _, k := range fields {
		for _, m := range members {
			if m.key == k {
				short = append(short, m)
				break
			}
		}
	}
	return writeObject(short)
}

// AsListed returns the members of the record raw of entity that its GET
// list shows when the list is a summary (Options.Lists ListsReal), in list
// order; raw itself for an entity whose list is the whole record. A change
// outside them reaches a client that reads the list only when it fetches
// the detail again.
func AsListed(entity string, raw []byte) []byte {
	if fields := summaryFields[entity]; fields != nil {
		return project(raw, fields)
	}
	return raw
}
