package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
)

// TestTypedHistoryMigrationFillsWhatWasThere migrates a warehouse holding a
// change with history in the shape before 00013 and checks what 00013 makes
// of it: typed history columns from raw, status periods (the first from the
// raised date), dates as written, all-zero GUIDs as NULL. Then down and up
// again.
func TestTypedHistoryMigrationFillsWhatWasThere(t *testing.T) {
	ctx := context.Background()
	db, _ := loadtest.NewEmptyDB(t)
	p, err := schema.NewProvider(db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO plutora.changes (id, change_id, name, change_status, change_status_id, raised_date, expected_delivery_date, last_modified_date, raw)
		 VALUES ('5c0a7d10-0000-4000-8000-000000000001', 7, 'c', 'B', '00000000-0000-0000-0000-000000000000', '2024-12-01', '2025-03-31', '2025-02-01T09:00:00Z',
		 '{"changeId":7,"name":"c","changeStatus":"B","expectedDeliveryDate":"2025-03-31T00:00:00","lastModifiedDate":"2025-02-01T09:00:00"}')`,
		`INSERT INTO plutora.changes_history (id, valid_from, valid_to, raw) VALUES
		 ('5c0a7d10-0000-4000-8000-000000000001', '2025-01-01T09:00:00Z', '2025-01-15T09:00:00Z',
		  '{"changeId":7,"name":"a","changeStatus":"A","changeStatusId":"00000000-0000-0000-0000-000000000000"}'),
		 ('5c0a7d10-0000-4000-8000-000000000001', '2025-01-15T09:00:00Z', '2025-02-01T09:00:00Z', '{"changeId":7,"name":"b","changeStatus":"A"}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	texts := func(q string) string {
		t.Helper()
		var out []string
		if err := db.SelectContext(ctx, &out, q); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, "; ")
	}
	tests := []struct{ query, want string }{
		{`SELECT status || ' ' || valid_from || ' ' || coalesce(valid_to::text, 'open') FROM plutora.changes_status_periods ORDER BY valid_from`,
			"A 2024-12-01 00:00:00+00 2025-02-01 09:00:00+00; B 2025-02-01 09:00:00+00 open"},
		{`SELECT name || ' ' || change_number || ' ' || change_status || ' ' || coalesce(change_status_id::text, 'NULL') FROM plutora.changes_history ORDER BY valid_from`,
			"a 7 A NULL; b 7 A NULL"},
		{`SELECT expected_delivery_date || ' ' || coalesce(change_status_id::text, 'NULL') FROM plutora.changes`, "2025-03-31 NULL"},
	}
	for _, tc := range tests {
		if got := texts(tc.query); got != tc.want {
			t.Errorf("%s\ngot  %s\nwant %s", tc.query, got, tc.want)
		}
	}
	if _, err := p.DownTo(ctx, 10); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
