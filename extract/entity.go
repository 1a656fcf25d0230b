package extract

import (
	"fmt"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// route says how the API lists and reads one entity. Only this file knows the paths.
type route struct {
	listMethod string // GET or POST
	listPath   string // "/changes/filter", "/hosts", "/defects/Search"
	detailPath string // "/changes": GET detailPath/{id} answers one record, 404 when there is none
}

// routeOf returns the route of entity e (synctype.Entities).
func routeOf(e synctype.Entity) (route, error) {
	switch e.Name {
	case "changes":
		return route{"POST", "/changes/filter", "/changes"}, nil
	case "releases":
		return route{"POST", "/releases/filter", "/releases"}, nil
	case "environments":
		return route{"GET", "/environments", "/environments"}, nil
	case "hosts":
		return route{"GET", "/hosts", "/hosts"}, nil
	case "systems":
		return route{"GET", "/systems", "/systems"}, nil
	case "defects":
		return route{"POST", "/defects/Search", "/defects"}, nil
	case "organizations":
		return route{"GET", "/organizations", ""}, nil
	case "users":
		return route{"GET", "/users", ""}, nil
	case "lookup_values":
		return route{"GET", "/lookupfields", ""}, nil
	case "environment_groups":
		return route{"GET", "/environmentgroups", ""}, nil
	}
	return route{}, fmt.Errorf("no API route for entity %q", e.Name)
}

// listShape says how an entity's list answers, beyond the paged envelope.
type listShape int

const (
	shapePaged   listShape = iota // the envelope, paged by totalCount
	shapeWhole                    // a bare array of every record (one page), or the envelope
	shapeLookups                  // a list of lists: GET listPath names the types, GET listPath/{type} holds each one's values
)

// shapeOf returns how e's list answers. Organizations and environment groups
// are old endpoints that may answer a bare array even with pageNum
// (docs/plutora-api.md, "Paging and filtering"); the lookup values come type by type. An entity with
// no detailPath has no GET {detail}/{id}: a census cannot ask about one
// record of it (Exists says so), and trusts its counts alone.
func shapeOf(e synctype.Entity) listShape {
	switch e.Name {
	case "organizations", "environment_groups":
		return shapeWhole
	case "lookup_values":
		return shapeLookups
	}
	return shapePaged
}
