package load_test

import (
	"context"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// TestTestDatabasesRunAsTheWorker: the databases of the tests and the
// benchmarks are opened with the worker's session settings, so that they
// measure what the worker runs.
func TestTestDatabasesRunAsTheWorker(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	var jit string
	if err := db.GetContext(context.Background(), &jit, "SHOW jit"); err != nil || jit != "off" {
		t.Errorf("jit = %q (%v) in a loadtest database; want off", jit, err)
	}
}
