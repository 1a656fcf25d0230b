package daemon

import (
	"context"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// TestOpenLedgerNamesWhatIsMissing: a command that reads the ledger
// (status, the status page without a daemon) on a database never migrated
// says so, names the command and the database (its password hidden) and
// what to run; on a migrated one it opens.
func TestOpenLedgerNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	empty, dsn := loadtest.NewEmptyDB(t)
	withPassword := strings.Replace(dsn, "postgres@", "postgres:s3cret-pw@", 1)
	_, err := OpenLedger(ctx, withPassword, "status")
	if err == nil {
		t.Fatal("an unmigrated database opened as a ledger")
	}
	for _, want := range []string{"status: database ", "no ledger yet", "run plutora-sync migrate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error %q shows the password", err)
	}
	if err := loadtest.Migrate(ctx, empty.DB); err != nil {
		t.Fatal(err)
	}
	db, err := OpenLedger(ctx, dsn, "status")
	if err != nil {
		t.Fatalf("a migrated database: %v", err)
	}
	db.Close()
}
