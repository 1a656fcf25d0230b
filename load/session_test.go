package load_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// TestTestDatabasesRunAsTheWorker: the databases of the tests and the
// benchmarks are opened with the worker's session settings, so that they
// measure what the worker runs.
func TestTestDatabasesRunAsTheWorker(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	if got := show(t, db, "jit"); got != "off" {
		t.Errorf("jit = %q in a loadtest database; want off", got)
	}
}

func show(t *testing.T, db *sqlx.DB, setting string) string {
	t.Helper()
	var v string
	if err := db.GetContext(context.Background(), &v, "SHOW "+setting); err != nil {
		t.Fatal(err)
	}
	return v
}
