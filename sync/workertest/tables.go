package workertest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// SortedIDs returns the live ids of entity in the sandbox, sorted, so that a
// seeded random pick is the same from run to run.
func SortedIDs(sb *plutoratest.Server, entity string) []string {
	ids := sb.IDs(entity)
	sort.Strings(ids)
	return ids
}

// TableDiff is how one entity's live rows differ from the sandbox's records.
type TableDiff struct {
	Entity                 string
	Live, Want             int      // live rows in the table, records in the sandbox
	Missing, Extra, Differ []string // ids
	Example                string   // the first differing and missing record, for the message
}

// OK reports whether the table equals the sandbox.
func (d TableDiff) OK() bool { return len(d.Missing)+len(d.Extra)+len(d.Differ) == 0 }

func (d TableDiff) String() string {
	return fmt.Sprintf("%s: %d live rows, sandbox has %d: %d missing, %d extra (live but deleted upstream), %d differ%s",
		d.Entity, d.Live, d.Want, len(d.Missing), len(d.Extra), len(d.Differ), d.Example)
}

// WithoutSubresources is the stored record raw of e without the members its
// sub-resources were kept in: they are read with the record when its list
// item changes and on the rolling refresh, so they may lag the API by up to
// DETAIL_REFRESH (docs/design.md, "Sub-resources"), which the tests of
// sync and extract check on their own.
func WithoutSubresources(e synctype.Entity, raw []byte) []byte {
	if !e.Enriched() {
		return raw
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return raw
	}
	for _, s := range e.Subresources {
		delete(fields, s.Key)
	}
	out, err := json.Marshal(fields)
	if err != nil {
		return raw
	}
	return out
}

// CompareTables compares every entity's live rows (raw jsonb, field by
// field) with the sandbox's records, leaving out the ids in skip on both
// sides (records made bad on purpose, or embedding one, which belong in the
// quarantine; a row may hold such a record's last good version). It returns a diff per
// entity and the number of records compared.
func CompareTables(ctx context.Context, db *sqlx.DB, sb *plutoratest.Server, skip map[string]bool) ([]TableDiff, int, error) {
	return compareTables(ctx, db, sb, skip, func(_ synctype.Entity, raw []byte) []byte { return raw })
}

// CompareTablesAsListed is CompareTables, but an entity without a
// modified time whose list is a summary (environments, systems) is compared
// as its list shows it (plutoratest.AsListed): a change its summary cannot
// show reaches the warehouse on the rolling refresh of details, within
// DETAIL_REFRESH (docs/design.md, "Summary lists"), which the tests of the
// refresh check on their own; a soak's quiet phase is far shorter.
func CompareTablesAsListed(ctx context.Context, db *sqlx.DB, sb *plutoratest.Server, skip map[string]bool) ([]TableDiff, int, error) {
	return compareTables(ctx, db, sb, skip, func(e synctype.Entity, raw []byte) []byte {
		if e.Incremental() {
			return raw
		}
		return plutoratest.AsListed(e.Name, raw)
	})
}

// compareTables compares view(entity, record) of both sides.
func compareTables(ctx context.Context, db *sqlx.DB, sb *plutoratest.Server, skip map[string]bool, view func(synctype.Entity, []byte) []byte) ([]TableDiff, int, error) {
	var out []TableDiff
	checked := 0
	for _, decl := range synctype.Entities() {
		e, want := decl.Name, sb.Records(decl.Name)
		for id := range want {
			if skip[id] {
				delete(want, id)
			}
		}
		got, err := liveRows(ctx, db, e)
		if err != nil {
			return nil, 0, err
		}
		d := TableDiff{Entity: e, Live: len(got), Want: len(want)}
		for id, raw := range want {
			checked++
			g, ok := got[id]
			if !ok {
				d.Missing = append(d.Missing, id)
				continue
			}
			cw, err := Canonical(view(decl, raw))
			if err != nil {
				return nil, 0, fmt.Errorf("sandbox %s %s: %w", e, id, err)
			}
			if cg, err := Canonical(view(decl, WithoutSubresources(decl, []byte(g)))); err != nil || cg != cw {
				d.Differ = append(d.Differ, id)
			}
		}
		for id := range got {
			if _, ok := want[id]; !ok && !skip[id] {
				d.Extra = append(d.Extra, id)
			}
		}
		sort.Strings(d.Missing)
		sort.Strings(d.Extra)
		sort.Strings(d.Differ)
		if len(d.Differ) > 0 {
			id := d.Differ[0]
			d.Example = fmt.Sprintf("\n  first differing %s:\n   db:      %.300s\n   sandbox: %.300s", id, got[id], want[id])
		}
		if len(d.Missing) > 0 {
			id := d.Missing[0]
			var q string
			_ = db.QueryRowContext(ctx, `SELECT coalesce(string_agg(reason || CASE WHEN resolved_at IS NULL THEN ' (open)' ELSE ' (resolved)' END, '; '), 'none')
				FROM plutora_sync.quarantine WHERE record_id = $1`, id).Scan(&q)
			d.Example += fmt.Sprintf("\n  first missing %s (quarantine: %s): %.400s", id, q, want[id])
		}
		out = append(out, d)
	}
	return out, checked, nil
}

// liveRows returns the raw jsonb of entity's rows not marked deleted, by id.
func liveRows(ctx context.Context, db *sqlx.DB, entity string) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT id::text, raw::text FROM plutora.`+entity+` WHERE _deleted_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("read plutora.%s: %w", entity, err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, fmt.Errorf("read plutora.%s: %w", entity, err)
		}
		got[id] = raw
	}
	return got, rows.Err()
}

// AssertTablesEqualSandbox fails the test unless every entity's live rows
// equal the sandbox's records, raw jsonb field by field (leaving out the ids
// in except on both sides), and no history holds a version twice in a row
// (AssertNoDuplicateHistory).
func AssertTablesEqualSandbox(t testing.TB, db *sqlx.DB, sb *plutoratest.Server, except ...string) {
	t.Helper()
	skip := map[string]bool{}
	for _, id := range except {
		skip[id] = true
	}
	diffs, _, err := CompareTables(t.Context(), db, sb, skip)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		if !d.OK() {
			t.Error(d)
		}
	}
	for _, e := range synctype.EntityNames() {
		AssertNoDuplicateHistory(t, db, e)
	}
}
