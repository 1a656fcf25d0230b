package loadtest_test

import (
	"context"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

func TestNewDBIsMigratedAndDropped(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		db := loadtest.NewDB(t)
		if err := db.GetContext(context.Background(), &name, "SELECT current_database()"); err != nil {
			t.Fatal(err)
		}
		var tables int
		if err := db.GetContext(context.Background(), &tables,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('plutora','plutora_sync')"); err != nil {
			t.Fatal(err)
		}
		if tables < 10 {
			t.Fatalf("want the migrated tables, found %d", tables)
		}
	})
	admin, _ := loadtest.NewEmptyDB(t)
	var n int
	if err := admin.GetContext(context.Background(), &n, "SELECT count(*) FROM pg_database WHERE datname = $1", name); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after the test", name)
	}
}
