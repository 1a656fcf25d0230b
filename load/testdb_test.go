package load

import (
	"testing"

	"github.com/jmoiron/sqlx"
)

// newTestDB returns a fresh migrated database: loadtest.NewDB, handed in by
// the external tests (helpers_test.go), since loadtest imports load and the
// tests inside the package cannot import it.
var newTestDB func(testing.TB) *sqlx.DB

// SetTestDB hands newTestDB in.
func SetTestDB(f func(testing.TB) *sqlx.DB) { newTestDB = f }
