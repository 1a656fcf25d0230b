package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestRefusedKeySaidOnce: a wrong client secret fails every entity of its
// product; the one-off sync says so in one log line and names the product
// beside each entity in the table, while the other product syncs, and the
// ledger still records every failed run.
func TestRefusedKeySaidOnce(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 8, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn, "PLUTORA_CLIENT_SECRET", "not-the-secret"))
	var logs, out bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	err = SyncNow(context.Background(), cfg, logger, SyncOptions{Progress: &out})

	plutora := 0 // the entities of the refused key
	for _, e := range synctype.Entities() {
		if e.Product == synctype.ProductPlutora {
			plutora++
		}
	}
	want := fmt.Sprintf("sync: %d of %d entities failed: the entities of plutora: invalid credentials (the log and the table above say why)", plutora, len(synctype.Entities()))
	if err == nil || err.Error() != want || !errors.Is(err, extract.ErrInvalidCredentials) {
		t.Fatalf("error %v, want %q wrapping ErrInvalidCredentials", err, want)
	}
	all := logs.String() + out.String() + err.Error()
	if n := strings.Count(all, "check the client id, client secret"); n != 1 {
		t.Errorf("the refusal is said %d times, want once:\n%s\n%s", n, logs.String(), out.String())
	}
	if n := strings.Count(logs.String(), `"msg":"API key refused: its entities were not synced","product":"plutora","entities":"changes,releases,`); n != 1 {
		t.Errorf("%d refusal lines, want 1 naming the product and its entities:\n%s", n, logs.String())
	}
	for _, e := range synctype.Entities() {
		row := fieldsOf(out.String(), e.Name)
		result := strings.Join(row[min(9, len(row)):], " ")
		want := "failed: plutora: invalid credentials (logged once, above)"
		if e.Product == synctype.ProductPlutoraTest {
			want = "ok"
		}
		if result != want {
			t.Errorf("%s: result %q, want %q:\n%s", e.Name, result, want, out.String())
		}
	}
	var failed int
	if err := db.Get(&failed, `SELECT count(*) FROM plutora_sync.runs WHERE status = 'failed' AND error LIKE '%invalid credentials%'`); err != nil || failed != plutora {
		t.Errorf("%d failed runs in the ledger (%v), want %d", failed, err, plutora)
	}
}
