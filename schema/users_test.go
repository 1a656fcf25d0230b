package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
)

// TestUsersMigrationFillsRealFields migrates a warehouse holding a user
// and a superseded version of it, synced before 00070 (typed columns name
// and email), and checks that 00070 fills user_name, first_name and
// last_name from raw, in the table, its history and the reporting views,
// so that no sweep is needed. Then down and up again.
func TestUsersMigrationFillsRealFields(t *testing.T) {
	ctx := context.Background()
	db, _ := loadtest.NewEmptyDB(t)
	p, err := schema.NewProvider(db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 69); err != nil {
		t.Fatal(err)
	}
	const user = `{"id":"5c0a7d10-0000-4000-8000-00000000000a","userName":"ana.okafor@example.com","firstName":"Ana","lastName":"Okafor"}`
	for _, q := range []string{
		`INSERT INTO plutora.users (id, email, raw) VALUES ('5c0a7d10-0000-4000-8000-00000000000a', NULL, '` + user + `')`,
		`INSERT INTO plutora.users_history (id, valid_from, valid_to, raw) VALUES ('5c0a7d10-0000-4000-8000-00000000000a',
		 '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z', '{"id":"5c0a7d10-0000-4000-8000-00000000000a","userName":"ana@example.com","firstName":"Ana","lastName":"Smith"}')`,
		`INSERT INTO plutora.changes (id, change_number, raised_by_id, raw) VALUES ('5c0a7d10-0000-4000-8000-000000000001', 7,
		 '5c0a7d10-0000-4000-8000-00000000000a', '{"changeId":7}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	check := func() {
		t.Helper()
		for q, want := range map[string]string{
			`SELECT username || ' ' || first_name || ' ' || last_name || ' ' || coalesce(email, 'NULL') FROM reporting.users`: "ana.okafor@example.com Ana Okafor NULL",
			`SELECT user_name || ' ' || first_name || ' ' || last_name FROM plutora.users_history`:                            "ana@example.com Ana Smith",
			`SELECT raised_by_name FROM reporting.change_references`:                                                          "Ana Okafor",
		} {
			var got []string
			if err := db.SelectContext(ctx, &got, q); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "; ") != want {
				t.Errorf("%s\ngot  %v\nwant %s", q, got, want)
			}
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	check()
	if _, err := p.DownTo(ctx, 69); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	check()
}
