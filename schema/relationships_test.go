package schema_test

import (
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

type relationship struct {
	FromView    string `db:"from_view"`
	FromColumn  string `db:"from_column"`
	ToView      string `db:"to_view"`
	ToColumn    string `db:"to_column"`
	Cardinality string `db:"cardinality"`
}

// TestRelationshipsFollowTheDeclarations: reporting.relationships holds
// every declared Ref from some view of its entity (a release's
// assigned_to_id is its activities'), and a key-named column of
// another view (changes.organization_id); every from_column is a uuid
// (docs/warehouse.md, "Keys and relationships").
func TestRelationshipsFollowTheDeclarations(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	var rels []relationship
	if err := db.Select(&rels, `SELECT * FROM reporting.relationships`); err != nil {
		t.Fatal(err)
	}
	have := map[relationship]bool{}
	for _, r := range rels {
		have[r] = true
		have[relationship{"", r.FromColumn, r.ToView, r.ToColumn, r.Cardinality}] = true
	}
	want := []relationship{{"changes", "organization_id", "organizations", "organization_id", "many-to-one"},
		{"change_systems", "system_id", "systems", "system_id", "many-to-one"}}
	for _, e := range synctype.Entities() {
		for _, r := range e.Refs {
			to, ok := synctype.EntityByName(r.To)
			if !ok {
				t.Fatalf("%s: ref %s names no entity %q", e.Name, r.Column, r.To)
			}
			want = append(want, relationship{"", r.Column, to.Name, to.Key, "many-to-one"})
		}
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("reporting.relationships lacks %q.%s → %s.%s", w.FromView, w.FromColumn, w.ToView, w.ToColumn)
		}
	}
	var notUUID []string
	if err := db.Select(&notUUID, `SELECT r.from_view || '.' || r.from_column FROM reporting.relationships r
		JOIN pg_attribute a ON a.attrelid = ('reporting.' || quote_ident(r.from_view))::regclass AND a.attname = r.from_column
		WHERE a.atttypid <> 'uuid'::regtype`); err != nil {
		t.Fatal(err)
	}
	for _, c := range notUUID {
		t.Errorf("reporting.%s is in reporting.relationships but is not a uuid", c)
	}
}
