package load_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
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
