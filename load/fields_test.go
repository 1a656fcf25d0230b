package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestEveryTableFieldByField loads every entity of a sandbox and checks each
// typed column, each child row and the raw record against the records. The
// sandbox's quirks are on, so the records hold all-zero GUIDs (NULL in
// typed columns), null references and null arrays (no child rows).
func TestEveryTableFieldByField(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	w, err := NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	// With every quirk: zero and null references, null arrays.
	srv, err := plutoratest.NewServer(plutoratest.Options{Seed: 11, Quirks: plutoratest.AllQuirks(), Sizes: plutoratest.Sizes{
		Changes: 300, Releases: 80, Environments: 25, Hosts: 60, Systems: 20, Defects: 150}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, spec := range specs {
		t.Run(spec.Name, func(t *testing.T) {
			recs := srv.RecordsAsRead(spec.Entity)
			if len(recs) == 0 {
				t.Fatalf("the sandbox has no %s", spec.Name)
			}
			runID, err := w.StartRun(ctx, synctype.RunStart{Entity: spec.Name, Mode: synctype.ModeSweep})
			if err != nil {
				t.Fatal(err)
			}
			ids := srv.IDs(spec.Name)
			for p := 0; p*100 < len(ids); p++ {
				page := make([]json.RawMessage, 0, 100)
				for _, id := range ids[p*100 : min(len(ids), p*100+100)] {
					page = append(page, recs[id])
				}
				res, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: spec.Name, Mode: synctype.ModeSweep, PageNum: p, Records: page, TotalCount: len(ids)})
				if err != nil {
					t.Fatal(err)
				}
				if res.Quarantined != 0 || res.Inserted != len(page) {
					t.Fatalf("page %d: %+v", p, res)
				}
			}
			checkRows(t, db, spec, recs, runID)
			for _, ch := range spec.Children {
				checkChildren(t, db, spec, ch, recs)
			}
		})
	}
	for what, q := range map[string]string{
		"an all-zero GUID": `SELECT count(*) FROM plutora.changes WHERE raw::text LIKE '%00000000-0000-0000-0000-000000000000%'`,
		"null layers":      `SELECT count(*) FROM plutora.hosts WHERE raw->'layers' = 'null'`,
		"null hosts":       `SELECT count(*) FROM plutora.environments WHERE raw->'hosts' = 'null'`,
		"no linked system": `SELECT count(*) FROM plutora.environments WHERE linked_system_id IS NULL`,
		"no risk level":    `SELECT count(*) FROM plutora.releases WHERE release_risk_level_id IS NULL`,
	} {
		var n int
		if err := db.Get(&n, q); err != nil || n == 0 {
			t.Errorf("no record with %s was loaded (%v): the test checks less than it says", what, err)
		}
	}
}

func checkRows(t *testing.T, db *sqlx.DB, spec *entitySpec, recs map[string]json.RawMessage, runID int64) {
	t.Helper()
	rows, err := db.Queryx(`SELECT id::text, to_jsonb(t) FROM ` + spec.Table + ` t`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id string
		var row []byte
		if err := rows.Scan(&id, &row); err != nil {
			t.Fatal(err)
		}
		seen++
		raw, ok := recs[id]
		if !ok {
			t.Fatalf("row %s is not a sandbox record", id)
		}
		got := decode(t, row)
		want := decode(t, raw)
		if !reflect.DeepEqual(decodeFloat(t, raw), decodeFloat(t, mustMarshal(got["raw"]))) {
			t.Errorf("%s %s: raw differs from the record", spec.Name, id)
		}
		for _, col := range spec.Columns {
			if msg := compare(col, want, got[strings.Trim(col.Name, `"`)]); msg != "" {
				t.Errorf("%s %s column %s: %s", spec.Name, id, col.Name, msg)
			}
		}
		if got["_run_id"] != json.Number(strconv.FormatInt(runID, 10)) || got["_first_seen_at"] == nil || got["_deleted_at"] != nil {
			t.Errorf("%s %s: system columns %v %v %v", spec.Name, id, got["_run_id"], got["_first_seen_at"], got["_deleted_at"])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(recs) {
		t.Errorf("%s: %d rows for %d records", spec.Name, seen, len(recs))
	}
}

func checkChildren(t *testing.T, db *sqlx.DB, spec *entitySpec, ch child, recs map[string]json.RawMessage) {
	t.Helper()
	rows, err := db.Queryx(`SELECT ` + ch.ParentCol + `::text, to_jsonb(t) FROM ` + ch.Table + ` t ORDER BY 1, ordinal`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string][]map[string]any{}
	for rows.Next() {
		var parent string
		var row []byte
		if err := rows.Scan(&parent, &row); err != nil {
			t.Fatal(err)
		}
		got[parent] = append(got[parent], decode(t, row))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for id, raw := range recs {
		rec := decode(t, raw)
		elems, _ := rec[ch.Array].([]any)
		total += len(elems)
		if len(got[id]) != len(elems) {
			t.Errorf("%s %s: %d rows for %d %s", ch.Table, id, len(got[id]), len(elems), ch.Array)
			continue
		}
		for i, e := range elems {
			em, _ := e.(map[string]any)
			if s, ok := e.(string); ok { // an array of ids: the column is the element itself (empty path)
				em = map[string]any{"": s}
			}
			if got[id][i]["ordinal"] != json.Number(strconv.Itoa(i+1)) {
				t.Errorf("%s %s[%d]: ordinal %v", ch.Table, id, i, got[id][i]["ordinal"])
			}
			for _, col := range ch.Columns {
				if msg := compare(col, em, got[id][i][strings.Trim(col.Name, `"`)]); msg != "" {
					t.Errorf("%s %s[%d] column %s: %s", ch.Table, id, i, col.Name, msg)
				}
			}
		}
	}
	if total == 0 {
		t.Errorf("%s: the sandbox records have no %s: the test checks nothing", ch.Table, ch.Array)
	}
}

// compare checks a column value (as to_jsonb gives it) against the record,
// converting the record's value in Go, independently of the SQL.
func compare(col column, rec map[string]any, got any) string {
	var v any = rec
	if len(col.Path) == 0 {
		v = rec[""]
	}
	for _, k := range col.Path {
		m, ok := v.(map[string]any)
		if !ok {
			v = nil
			break
		}
		v = m[k]
	}
	switch col.Kind {
	case kText:
		var want any
		switch x := v.(type) {
		case nil:
		case string:
			want = x
		default:
			want = string(mustMarshal(x))
		}
		return diff(want, got)
	case kUUID:
		s, _ := v.(string)
		if s == "" || s == zeroGUID {
			return diff(nil, got)
		}
		return diff(strings.ToLower(s), got)
	case kDate:
		s, _ := v.(string)
		if s == "" {
			return diff(nil, got)
		}
		return diff(s[:min(10, len(s))], got) // the date as written
	case kTime:
		s, _ := v.(string)
		if s == "" {
			return diff(nil, got)
		}
		want, err := parseAPITime(s)
		if err != nil {
			return err.Error()
		}
		gs, _ := got.(string)
		g, err := time.Parse(time.RFC3339Nano, gs)
		if err != nil {
			return fmt.Sprintf("want %s, got %v", s, got)
		}
		if d := g.Sub(want); d > time.Microsecond || d < -time.Microsecond {
			return fmt.Sprintf("want %s (%s), got %s", s, want, gs)
		}
		return ""
	case kInt, kNum:
		if v == nil {
			return diff(nil, got)
		}
		w, _ := v.(json.Number).Float64()
		gn, ok := got.(json.Number)
		if !ok {
			return fmt.Sprintf("want %v, got %v", v, got)
		}
		g, _ := gn.Float64()
		if math.Abs(w-g) > 1e-9 {
			return fmt.Sprintf("want %v, got %v", v, got)
		}
		return ""
	case kBool, kClock:
		return diff(v, got)
	case kUUIDs, kItemIDs, kItemVals:
		want := []any{}
		arr, _ := v.([]any)
		for _, e := range arr {
			switch col.Kind {
			case kUUIDs:
				want = append(want, wantUUID(e.(string)))
			case kItemIDs:
				want = append(want, wantUUID(e.(map[string]any)["id"].(string)))
			default:
				want = append(want, e.(map[string]any)["value"])
			}
		}
		if got == nil {
			got = []any{}
		}
		return diff(want, got)
	}
	return "unknown kind"
}

func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("want %#v, got %#v", want, got)
}

// parseAPITime reads the API's date forms; zone-less means UTC.
func parseAPITime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not an API date: %q", s)
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func decodeFloat(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// wantUUID is the column value of uuid s in an array: NULL for "" and the
// all-zero GUID.
func wantUUID(s string) any {
	if s == "" || s == zeroGUID {
		return nil
	}
	return strings.ToLower(s)
}

// TestSpecCoversTablesAndRecords checks that every column of every entity
// and child table is filled by the mapping, and that every scalar field the
// sandbox serves has a typed column.
func TestSpecCoversTablesAndRecords(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	srv, err := plutoratest.NewServer(plutoratest.Options{Seed: 3, Quirks: plutoratest.AllQuirks(), Sizes: plutoratest.Sizes{
		Changes: 50, Releases: 20, Environments: 10, Hosts: 10, Systems: 10, Defects: 30}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	system := map[string]bool{"id": true, "raw": true, "_first_seen_at": true, "_last_changed_at": true,
		"_synced_at": true, "_deleted_at": true, "_run_id": true, "ordinal": true}
	tableCols := func(table string) []string {
		var cols []string
		schema, name, _ := strings.Cut(table, ".")
		if err := db.Select(&cols, `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, schema, name); err != nil {
			t.Fatal(err)
		}
		sort.Strings(cols)
		return cols
	}
	mapped := func(cols []column, extra ...string) map[string]bool {
		m := map[string]bool{}
		for _, c := range cols {
			m[strings.Trim(c.Name, `"`)] = true
		}
		for _, e := range extra {
			m[e] = true
		}
		return m
	}
	for _, spec := range specs {
		m := mapped(spec.Columns)
		for _, c := range tableCols(spec.Table) {
			if !system[c] && !m[c] {
				t.Errorf("%s.%s is filled by no mapping", spec.Table, c)
			}
		}
		for _, ch := range spec.Children {
			m := mapped(ch.Columns, ch.ParentCol)
			for _, c := range tableCols(ch.Table) {
				if !system[c] && !m[c] {
					t.Errorf("%s.%s is filled by no mapping", ch.Table, c)
				}
			}
		}
		paths := map[string]bool{spec.IDField: true}
		for _, c := range spec.Columns {
			paths[strings.Join(c.Path, ".")] = true
		}
		arrays := map[string]bool{}
		for _, ch := range spec.Children {
			arrays[ch.Array] = true
		}
		for _, raw := range srv.Records(spec.Name) {
			for k, v := range decode(t, raw) {
				switch v := v.(type) {
				case map[string]any:
					for k2 := range v {
						if !paths[k+"."+k2] {
							t.Errorf("%s: field %s.%s has no column", spec.Name, k, k2)
						}
					}
				case []any:
					if !arrays[k] && !knownUnmappedArrays[spec.Name+"."+k] {
						t.Errorf("%s: array %s has no child table", spec.Name, k)
					}
				case nil:
					if !paths[k] && !arrays[k] && !knownUnmappedArrays[spec.Name+"."+k] && !prefixOf(paths, k+".") {
						t.Errorf("%s: null field %s has no column", spec.Name, k)
					}
				default:
					if !paths[k] {
						t.Errorf("%s: field %s has no column", spec.Name, k)
					}
				}
			}
		}
	}
}

// knownUnmappedArrays are arrays kept only in raw: comments of changes, and
// an environment's embedded hosts (the hosts table has them).
var knownUnmappedArrays = map[string]bool{"changes.comments": true, "environments.hosts": true}

func prefixOf(paths map[string]bool, prefix string) bool {
	for p := range paths {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
