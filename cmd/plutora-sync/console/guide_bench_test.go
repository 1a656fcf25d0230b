package console

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// BenchmarkGuideQueries times each SQL example of the warehouse guide
// (docs/warehouse.md) on a demo warehouse, ANALYZEd: by default one it
// builds at -scale 20 (100,000 changes, 120,000 defects; minutes), or the
// warehouse at PLUTORA_BENCH_GUIDE_DB. Run alone:
//
//	PLUTORA_BENCH_GUIDE=1 go test ./cmd/plutora-sync/console -run '^$' -bench GuideQueries -benchtime 7x
//
// PLUTORA_BENCH_GUIDE_SCALE sets another scale, PLUTORA_BENCH_GUIDE_DOC
// another guide (an older one, against a warehouse of its schema, for a
// before and after). make bench leaves it out unless PLUTORA_BENCH_GUIDE
// is set.
func BenchmarkGuideQueries(b *testing.B) {
	if os.Getenv("PLUTORA_BENCH_GUIDE") == "" {
		b.Skip("set PLUTORA_BENCH_GUIDE=1: it builds a demo warehouse at -scale 20 (minutes)")
	}
	ctx := context.Background()
	db := guideWarehouse(b, ctx)
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	doc := "../../../docs/warehouse.md"
	if d := os.Getenv("PLUTORA_BENCH_GUIDE_DOC"); d != "" {
		doc = d
	}
	guide, err := os.ReadFile(doc)
	if err != nil {
		b.Fatal(err)
	}
	for i, m := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(guide), -1) {
		first, _, _ := strings.Cut(m[1], "\n")
		first = strings.TrimSpace(first)
		b.Run(fmt.Sprintf("%02d %s", i+1, first[:min(len(first), 40)]), func(b *testing.B) {
			for b.Loop() {
				rows, err := db.QueryContext(ctx, m[1])
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
			}
		})
	}
}

// guideWarehouse opens PLUTORA_BENCH_GUIDE_DB, or builds a demo warehouse
// at PLUTORA_BENCH_GUIDE_SCALE (20 unless set) in a database of its own.
func guideWarehouse(b *testing.B, ctx context.Context) *sql.DB {
	b.Helper()
	dsn := os.Getenv("PLUTORA_BENCH_GUIDE_DB")
	if dsn == "" {
		scale := 20.0
		if s := os.Getenv("PLUTORA_BENCH_GUIDE_SCALE"); s != "" {
			var err error
			if scale, err = strconv.ParseFloat(s, 64); err != nil {
				b.Fatalf("PLUTORA_BENCH_GUIDE_SCALE: %v", err)
			}
		}
		_, dsn = loadtest.NewEmptyDB(b)
		cfg, err := config.LoadFrom(ctx, envconfig.MapLookuper(map[string]string{"DATABASE_URL": dsn}))
		if err != nil {
			b.Fatal(err)
		}
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		if err := Demo(ctx, cfg, quiet, DemoOptions{Seed: 1, Scale: scale, Out: io.Discard, Progress: io.Discard}); err != nil {
			b.Fatal(err)
		}
	}
	db, err := daemon.OpenDB(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db.DB
}
