package load

import (
	"slices"
	"testing"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestSpecsCoverEveryEntity: every shared entity has a table spec, and no
// spec names an entity the rest of the worker does not know.
func TestSpecsCoverEveryEntity(t *testing.T) {
	if got, want := Entities(), synctype.EntityNames(); !slices.Equal(got, want) {
		t.Errorf("load specs %v, synctype.Entities %v: want the same, in the same order", got, want)
	}
	for _, s := range specs {
		if e, _ := synctype.EntityByName(s.Name); e != s.Entity {
			t.Errorf("spec %s carries %+v, synctype has %+v", s.Name, s.Entity, e)
		}
	}
}
