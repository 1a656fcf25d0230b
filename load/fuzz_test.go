package load_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// FuzzWritePageRecord puts arbitrary bytes as a record next to a good one:
// the page never fails, and the bad record is loaded or quarantined, never
// dropped.
func FuzzWritePageRecord(f *testing.F) {
	for _, s := range []string{
		`{"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","name":"fine"}`,
		`{"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","changeId":"x"}`,
		`{"id":"not-a-uuid"}`, `{}`, `[]`, `"x"`, `null`, ``, `{`, "{\"id\":\"\xff\"}",
		`{"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3302","name":"\u0000"}`,
		`{"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3303","systems":[{"systemId":7}]}`,
		`{"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3304","systems":{"systemId":7},"stakeholders":"none"}`,
		`{"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3305","raisedDate":"2025-13-45"}`,
		`{"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3306","additionalInformation":[{"multiListItem":[{"id":"q"}]}]}`,
	} {
		f.Add([]byte(s))
	}
	db := loadtest.NewDB(f)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		f.Fatal(err)
	}
	good := json.RawMessage(`{"id":"11111111-2222-4333-8444-555555555555","changeId":1,"name":"good"}`)
	page := 0
	f.Fuzz(func(t *testing.T, rec []byte) {
		page++
		res, err := w.WritePage(context.Background(), synctype.PageWrite{Entity: "changes", Mode: synctype.ModeSweep,
			PageNum: page, Records: []json.RawMessage{good, rec}})
		if err != nil {
			t.Fatalf("record %q failed the page: %v", rec, err)
		}
		if n := res.Inserted + res.Updated + res.Unchanged + res.Quarantined; n < 1 || n > 2 || res.Quarantined > 1 {
			t.Fatalf("record %q: %+v", rec, res)
		}
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM plutora.changes WHERE id = '11111111-2222-4333-8444-555555555555'`); err != nil || n != 1 {
			t.Fatalf("the good record is missing: %d %v", n, err)
		}
	})
}
