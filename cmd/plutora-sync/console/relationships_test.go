package console

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/lib/pq"
)

// relationshipsHold runs the check of every row of reporting.relationships
// on the demo warehouse, as CI's dbt relationships tests would: every
// non-NULL from_column value is a to_column value of to_view
// (docs/warehouse.md, "Keys and relationships"). Each relationship reports
// its orphans on its own.
func relationshipsHold(t *testing.T, db *sql.DB) {
	t.Helper()
	type rel struct{ fromView, fromCol, toView, toCol string }
	rows, err := db.Query(`SELECT from_view, from_column, to_view, to_column FROM reporting.relationships ORDER BY 1, 2, 3`)
	if err != nil {
		t.Fatal(err)
	}
	var rels []rel
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.fromView, &r.fromCol, &r.toView, &r.toCol); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, r)
	}
	if err := rows.Err(); err != nil || len(rels) < 50 {
		t.Fatalf("reporting.relationships: %d rows (%v)", len(rels), err)
	}
	checked := 0
	for _, r := range rels {
		var orphans, named int
		q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM reporting.%[3]s t WHERE t.%[4]s = f.%[2]s)),
			count(*) FROM reporting.%[1]s f WHERE f.%[2]s IS NOT NULL`,
			pq.QuoteIdentifier(r.fromView), pq.QuoteIdentifier(r.fromCol), pq.QuoteIdentifier(r.toView), pq.QuoteIdentifier(r.toCol))
		if err := db.QueryRow(q).Scan(&orphans, &named); err != nil {
			t.Errorf("%s.%s → %s.%s: %v", r.fromView, r.fromCol, r.toView, r.toCol, err)
			continue
		}
		if named > 0 {
			checked++
		}
		if orphans > 0 {
			t.Errorf("%s.%s → %s.%s: %d of %d values name no row of %s", r.fromView, r.fromCol, r.toView, r.toCol, orphans, named, r.toView)
		}
	}
	t.Logf("%d relationships, %d with values on the demo warehouse", len(rels), checked)
}
