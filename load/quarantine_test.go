package load_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestBadRecordsAreQuarantinedAndThePageLoads puts one bad record of each
// kind in the middle of a page of good ones.
func TestBadRecordsAreQuarantinedAndThePageLoads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	good := records(srv, "changes")
	const id = `"id":"7a1c1f9e-0000-4000-8000-000000000001"`
	tests := []struct {
		name, entity string
		bad          string
		reason       string // the quarantine reason contains this
		recordID     string
	}{
		{"broken JSON", "changes", `{"id":"7a1c1f9e-0000-4000-8000-000000000001","name":"x"`, "broken JSON", ""},
		{"empty", "changes", ``, "broken JSON: empty record", ""},
		{"not an object", "changes", `["7a1c1f9e-0000-4000-8000-000000000001"]`, "not a JSON object", ""},
		{"no id", "changes", `{"name":"nameless"}`, "no id", ""},
		{"null id", "changes", `{"id":null,"name":"x"}`, "no id", ""},
		{"id not a uuid", "changes", `{"id":"CHG-12","name":"x"}`, "id: invalid input syntax for type uuid", "CHG-12"},
		{"date not a date", "changes", `{` + id + `,"raisedDate":"next Tuesday"}`, "raisedDate: invalid input syntax for type timestamp", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"date out of range", "changes", `{` + id + `,"lastModifiedDate":"2025-02-30T10:00:00"}`, "lastModifiedDate: date/time field value out of range", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"number not a number", "changes", `{` + id + `,"changeId":"twelve"}`, "changeId: invalid input syntax for type bigint", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"number an object", "changes", `{` + id + `,"businessValueScore":{"v":1}}`, "businessValueScore: invalid input syntax for type numeric", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"reference not a uuid", "changes", `{` + id + `,"changeStatusId":42}`, "changeStatusId: invalid input syntax for type uuid", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"child bool", "changes", `{` + id + `,"deliveryReleases":[{"releaseId":null},{"targetRelease":"maybe"}]}`, "deliveryReleases[1].targetRelease: invalid input syntax for type boolean", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"custom field time", "changes", `{` + id + `,"additionalInformation":[{"id":null,"time":"25:99"}]}`, "additionalInformation[0].time:", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"NUL escape", "changes", `{` + id + `,"name":"a\u0000b"}`, "broken JSON: unsupported Unicode escape sequence", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"invalid UTF-8", "changes", "{" + id + ",\"name\":\"a\xff\"}", "broken JSON: not valid UTF-8", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"defect status id", "defects", `{"Id":"7a1c1f9e-0000-4000-8000-000000000001","Status":{"Id":"open","Value":"Open"}}`, "Status.Id: invalid input syntax for type uuid", "7a1c1f9e-0000-4000-8000-000000000001"},
		{"host layer uuid", "hosts", `{` + id + `,"layers":[{"stackLayerID":"db"}]}`, "layers[0].stackLayerID: invalid input syntax for type uuid", "7a1c1f9e-0000-4000-8000-000000000001"},
	}
	for i, tc := range tests {
		// One record each: the quarantine keeps a row per record.
		own := fmt.Sprintf("7a1c1f9e-0000-4000-8000-%012d", 100+i)
		tc.bad = strings.ReplaceAll(tc.bad, "7a1c1f9e-0000-4000-8000-000000000001", own)
		tc.recordID = strings.ReplaceAll(tc.recordID, "7a1c1f9e-0000-4000-8000-000000000001", own)
		t.Run(tc.name, func(t *testing.T) {
			src := good
			if tc.entity != "changes" {
				src = records(srv, tc.entity)
			}
			off := i * 4 % (len(src) - 4)
			page := append([]json.RawMessage{}, src[off:off+4]...)
			page = append(page[:2], append([]json.RawMessage{json.RawMessage(tc.bad)}, page[2:]...)...)
			runID, err := w.StartRun(ctx, synctype.RunStart{Entity: tc.entity, Mode: synctype.ModeSweep})
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: tc.entity, Mode: synctype.ModeSweep, PageNum: 7, Records: page, TotalCount: 5})
			if err != nil {
				t.Fatalf("the page failed: %v", err)
			}
			if res.Quarantined != 1 || res.Inserted != 4 {
				t.Fatalf("%+v, want 4 inserted and 1 quarantined", res)
			}
			var q struct {
				Entity   string  `db:"entity"`
				RunID    int64   `db:"run_id"`
				Page     int     `db:"page"`
				Index    int     `db:"record_index"`
				RecordID *string `db:"record_id"`
				Reason   string  `db:"reason"`
				Raw      []byte  `db:"raw"`
				Seen     int     `db:"seen_count"`
			}
			getQ := func() {
				t.Helper()
				if err := db.GetContext(ctx, &q, `SELECT entity, run_id, page, record_index, record_id, reason, raw, seen_count
					FROM plutora_sync.quarantine WHERE raw = $1`, []byte(tc.bad)); err != nil {
					t.Fatalf("quarantine row: %v", err)
				}
			}
			getQ()
			if q.Entity != tc.entity || q.RunID != runID || q.Page != 7 || q.Index != 2 || string(q.Raw) != tc.bad {
				t.Errorf("quarantine row %+v", q)
			}
			if !strings.Contains(q.Reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", q.Reason, tc.reason)
			}
			if got := deref(q.RecordID); got != tc.recordID {
				t.Errorf("record id %q, want %q", got, tc.recordID)
			}
			if n := count(t, db, "SELECT quarantined FROM plutora_sync.run_entities WHERE run_id = $1", runID); n != 1 {
				t.Errorf("ledger: %d quarantined", n)
			}
			// A replay counts the same bad record again, once.
			res, err = w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: tc.entity, Mode: synctype.ModeSweep, PageNum: 7, Records: page, TotalCount: 5})
			if err != nil || res.Quarantined != 1 || res.Unchanged != 4 {
				t.Fatalf("replay: %+v, %v", res, err)
			}
			getQ()
			if q.Seen != 2 {
				t.Errorf("seen_count %d after a replay, want 2", q.Seen)
			}
		})
	}
	if n := count(t, db, "SELECT count(*) FROM plutora_sync.quarantine"); n != len(tests) {
		t.Errorf("%d quarantine rows for %d bad records", n, len(tests))
	}
	if n := count(t, db, "SELECT count(*) FROM plutora_sync.quarantine WHERE raw_text IS NULL"); n != 1 {
		t.Errorf("%d rows without raw_text, want 1 (the invalid UTF-8)", n)
	}
}

func TestQuarantineResolvesWhenTheRecordLoads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	const id = "7a1c1f9e-0000-4000-8000-000000000002"
	bad := json.RawMessage(`{"id":"` + id + `","name":"s","status":"Active","organizationId":"nope"}`)
	fixed := json.RawMessage(`{"id":"` + id + `","name":"s","status":"Active","organizationId":null}`)
	for i, page := range [][]json.RawMessage{{bad}, {fixed}} {
		if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "systems", Mode: synctype.ModeSweep, PageNum: i, Records: page}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM plutora_sync.quarantine WHERE record_id = $1 AND resolved_at IS NOT NULL", id); n != 1 {
		t.Errorf("quarantine of %s not resolved when the record loaded", id)
	}
	if n := count(t, db, "SELECT quarantined FROM reporting.freshness WHERE entity = 'systems'"); n != 0 {
		t.Errorf("freshness counts %d open quarantined systems, want 0", n)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestQuarantineResolvesAnUppercaseID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	bad := json.RawMessage(`{"id":"7A1C1F9E-0000-4000-8000-000000000003","name":"s","organizationId":"nope"}`)
	fixed := json.RawMessage(`{"id":"7A1C1F9E-0000-4000-8000-000000000003","name":"s"}`)
	for i, page := range [][]json.RawMessage{{bad}, {fixed}} {
		if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "systems", Mode: synctype.ModeSweep, PageNum: i, Records: page}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM plutora_sync.quarantine WHERE resolved_at IS NULL"); n != 0 {
		t.Errorf("%d open quarantine rows after the record loaded", n)
	}
}

// TestQuarantineKeepsOneRowPerRecord (issue 23): three sweeps of the same
// 1,000 bad records, whose bytes differ from sweep to sweep (as a site's
// do when they change), leave 1,000 rows, each with the last sweep's reason
// and bytes, counted three times; records without an id are kept once per
// bytes. A fourth sweep of the mended records resolves every row of them.
func TestQuarantineKeepsOneRowPerRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	const n, anonymous = 1000, 5
	id := func(i int) string { return fmt.Sprintf("7a1c1f9e-0000-4000-8000-%012d", i) }
	sweep := func(k int, mended bool) (runID int64) {
		t.Helper()
		var recs []json.RawMessage
		for i := range n {
			org := fmt.Sprintf(`"sweep-%d"`, k) // not a uuid
			if mended {
				org = "null"
			}
			recs = append(recs, json.RawMessage(fmt.Sprintf(`{"id":%q,"name":"system %d of sweep %d","organizationId":%s}`, id(i), i, k, org)))
		}
		for i := range anonymous {
			recs = append(recs, json.RawMessage(fmt.Sprintf(`{"name":"nameless %d"}`, i)))
		}
		runID, err := w.StartRun(ctx, synctype.RunStart{Entity: "systems", Mode: synctype.ModeSweep})
		if err != nil {
			t.Fatal(err)
		}
		for p, page := range slices.Collect(slices.Chunk(recs, 100)) {
			if _, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: "systems", Mode: synctype.ModeSweep,
				PageNum: p, Records: page, TotalCount: len(recs)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Entity: "systems", Mode: synctype.ModeSweep, Outcome: synctype.OutcomeSuccess}); err != nil {
			t.Fatal(err)
		}
		return runID
	}
	var last int64
	for k := 1; k <= 3; k++ {
		last = sweep(k, false)
	}
	if got := count(t, db, "SELECT count(*) FROM plutora_sync.quarantine"); got != n+anonymous {
		t.Fatalf("%d quarantine rows after three sweeps of %d bad records and %d without an id, want %d", got, n, anonymous, n+anonymous)
	}
	if got := count(t, db, `SELECT count(*) FROM plutora_sync.quarantine
		WHERE seen_count = 3 AND run_id = $1 AND resolved_at IS NULL AND first_seen_at < last_seen_at`, last); got != n+anonymous {
		t.Errorf("%d rows seen 3 times, last by run %d, open, first seen before last seen; want all %d", got, last, n+anonymous)
	}
	if got := count(t, db, `SELECT count(*) FROM plutora_sync.quarantine
		WHERE reason LIKE '%sweep-3%' AND raw_text LIKE '%of sweep 3"%' AND raw_sha256 = sha256(raw)`); got != n {
		t.Errorf("%d rows hold the third sweep's reason and bytes, want %d", got, n)
	}

	sweep(4, true)
	if got := count(t, db, "SELECT count(*) FROM plutora.systems WHERE _deleted_at IS NULL"); got != n {
		t.Fatalf("%d systems loaded from the mended sweep, want %d", got, n)
	}
	if got := count(t, db, "SELECT count(*) FROM plutora_sync.quarantine WHERE record_id IS NOT NULL AND resolved_at IS NOT NULL"); got != n {
		t.Errorf("%d of the %d mended records' rows resolved", got, n)
	}
	if got := count(t, db, "SELECT quarantined FROM reporting.freshness WHERE entity = 'systems'"); got != anonymous {
		t.Errorf("freshness counts %d open quarantined systems, want the %d without an id", got, anonymous)
	}
}

// TestQuarantineResolvesWhenAnUnchangedRecordLoads: a record that loaded,
// then came bad, then came back as the version the warehouse holds is
// unchanged (nothing is written), and yet it loaded: its row resolves.
func TestQuarantineResolvesWhenAnUnchangedRecordLoads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	const id = "7a1c1f9e-0000-4000-8000-000000000004"
	good := json.RawMessage(`{"id":"` + id + `","name":"s","organizationId":null}`)
	bad := json.RawMessage(`{"id":"` + id + `","name":"s","organizationId":"nope"}`)
	var got []synctype.PageResult
	for i, page := range [][]json.RawMessage{{good}, {bad}, {good}} {
		res, err := w.WritePage(ctx, synctype.PageWrite{Entity: "systems", Mode: synctype.ModeSweep, PageNum: i, Records: page})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res)
	}
	if got[1].Quarantined != 1 || got[2].Unchanged != 1 {
		t.Fatalf("page results %+v, want the bad version quarantined and the good one unchanged", got)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora_sync.quarantine WHERE record_id = $1 AND resolved_at IS NULL", id); n != 0 {
		t.Errorf("the quarantine row of %s is still open after its good version loaded again", id)
	}
}

// TestQuarantineRetention: finishing a run prunes the rows resolved longer
// ago than the retention and the rows of records without an id not seen
// for as long; open rows of records with an id stay however old. A
// retention of 0 keeps every row, and so does a Writer told none: the
// retention's default is sync/config's, not the writer's.
func TestQuarantineRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := loadtest.NewDB(t)
	if _, err := load.NewWriter(db, nil, load.QuarantineRetention(-time.Hour)); err == nil {
		t.Error("a negative retention was accepted")
	}
	keepAll, err := load.NewWriter(db, nil, load.QuarantineRetention(0))
	if err != nil {
		t.Fatal(err)
	}
	toldNone, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := load.NewWriter(db, nil, load.QuarantineRetention(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rec := func(name, org string, withID bool) json.RawMessage {
		if !withID {
			return json.RawMessage(`{"name":"` + name + `"}`)
		}
		return json.RawMessage(fmt.Sprintf(`{"id":"7a1c1f9e-0000-4000-8000-0000000001%s","name":%q,"organizationId":%s}`, name[:2], name, org))
	}
	pages := [][]json.RawMessage{
		{rec("10 resolved long ago", `"x"`, true), rec("11 resolved lately", `"x"`, true), rec("12 open and old", `"x"`, true),
			rec("idless, old", "", false), rec("idless, recent", "", false)},
		{rec("10 resolved long ago", "null", true), rec("11 resolved lately", "null", true)},
	}
	for i, p := range pages {
		if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "systems", Mode: synctype.ModeSweep, PageNum: i, Records: p}); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`UPDATE plutora_sync.quarantine SET resolved_at = now() - interval '31 days' WHERE raw_text LIKE '%resolved long ago%'`,
		`UPDATE plutora_sync.quarantine SET resolved_at = now() - interval '29 days' WHERE raw_text LIKE '%resolved lately%'`,
		`UPDATE plutora_sync.quarantine SET first_seen_at = now() - interval '90 days', last_seen_at = now() - interval '60 days'
			WHERE raw_text LIKE '%open and old%' OR raw_text LIKE '%idless, old%'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rows := func() []string {
		t.Helper()
		var names []string
		if err := db.SelectContext(ctx, &names, `SELECT raw_text::jsonb->>'name' FROM plutora_sync.quarantine ORDER BY 1`); err != nil {
			t.Fatal(err)
		}
		return names
	}
	finish := func(w *load.Writer) {
		t.Helper()
		runID, err := w.StartRun(ctx, synctype.RunStart{Entity: "hosts", Mode: synctype.ModeSweep})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Entity: "hosts", Mode: synctype.ModeSweep, Outcome: synctype.OutcomeSuccess}); err != nil {
			t.Fatal(err)
		}
	}
	all := rows()
	finish(keepAll)
	if got := rows(); !slices.Equal(got, all) {
		t.Errorf("with a retention of 0, finishing a run left %q of %q", got, all)
	}
	finish(toldNone)
	if got := rows(); !slices.Equal(got, all) {
		t.Errorf("with no retention given, finishing a run left %q of %q", got, all)
	}
	finish(w)
	want := []string{"11 resolved lately", "12 open and old", "idless, recent"}
	if got := rows(); !slices.Equal(got, want) {
		t.Errorf("after a run finished with a retention of 30 days the quarantine holds %q, want %q", got, want)
	}
}
