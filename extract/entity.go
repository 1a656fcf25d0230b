package extract

import (
	"fmt"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
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
	}
	return route{}, fmt.Errorf("no API route for entity %q", e.Name)
}
