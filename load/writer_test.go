package load_test

import (
	"context"
	"testing"

	"github.com/plutora-sync/plutora-sync/load"
)

func TestWritePageSmoke(t *testing.T) {
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	for _, entity := range load.Entities() {
		recs := records(srv, entity)
		_, res := loadAll(t, w, entity, load.ModeSweep, recs)
		if res.Inserted != len(recs) || res.Quarantined != 0 {
			t.Errorf("%s: %+v, want %d inserted", entity, res, len(recs))
		}
		_, res = loadAll(t, w, entity, load.ModeSweep, recs)
		if res.Unchanged != len(recs) {
			t.Errorf("%s again: %+v, want %d unchanged", entity, res, len(recs))
		}
	}
	_ = db
	_ = context.Background()
}
