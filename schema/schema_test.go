package schema_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
)

func TestMigrateTwiceIsANoOp(t *testing.T) {
	ctx := context.Background()
	db := loadtest.NewDB(t) // migrated once
	before := schemaFingerprint(t, db)
	var rows int
	if err := db.GetContext(ctx, &rows, "SELECT count(*) FROM "+schema.VersionTable); err != nil {
		t.Fatal(err)
	}
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var rowsAfter int
	if err := db.GetContext(ctx, &rowsAfter, "SELECT count(*) FROM "+schema.VersionTable); err != nil {
		t.Fatal(err)
	}
	if rowsAfter != rows {
		t.Errorf("version rows: %d before, %d after a second migrate", rows, rowsAfter)
	}
	if after := schemaFingerprint(t, db); after != before {
		t.Errorf("schema changed on a second migrate:\nbefore %s\nafter  %s", before, after)
	}
	cur, target, err := schema.Version(ctx, db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if cur != target || cur == 0 {
		t.Errorf("version %d, target %d", cur, target)
	}
}

func TestConcurrentMigratesDoNotCollide(t *testing.T) {
	ctx := context.Background()
	db, url := loadtest.NewEmptyDB(t)
	// A second pool, as a second replica would have.
	db2, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	errs := make(chan error, 2)
	start := make(chan struct{})
	for _, d := range []*sqlx.DB{db, db2} {
		go func() {
			<-start
			errs <- schema.Migrate(ctx, d.DB)
		}()
	}
	close(start)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent migrate: %v", err)
		}
	}
	var applied, distinct int
	if err := db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT version_id) FROM "+schema.VersionTable+" WHERE version_id > 0").Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	// Count the files, not the newest version: versions may have gaps.
	files, err := fs.Glob(schema.Migrations(), "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied != len(files) {
		t.Errorf("applied %d rows (%d distinct) for %d migrations", applied, distinct, len(files))
	}
}

// schemaFingerprint lists every column and view of the project's schemas.
func schemaFingerprint(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var s string
	err := db.GetContext(context.Background(), &s, `
		SELECT md5(string_agg(table_schema||'.'||table_name||'.'||column_name||':'||data_type, ',' ORDER BY 1))
		FROM (SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
		      WHERE table_schema IN ('plutora','plutora_sync','reporting')) c`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMigrateLogsOneLinePerFile: at info, one line per applied migration
// file and no SQL; the statements show at debug only.
func TestMigrateLogsOneLinePerFile(t *testing.T) {
	ctx := context.Background()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		db, _ := loadtest.NewEmptyDB(t)
		var buf bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))
		if err := schema.Migrate(ctx, db.DB, schema.WithLogger(logger.With("component", "schema"))); err != nil {
			t.Fatal(err)
		}
		_, target, err := schema.Version(ctx, db.DB)
		if err != nil {
			t.Fatal(err)
		}
		var applied, statements int
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if strings.Count(line, `"component":`) != 1 {
				t.Errorf("log line names its component %d times: %s", strings.Count(line, `"component":`), line)
			}
			switch {
			case rec["msg"] == "migration applied" && rec["level"] == "INFO":
				applied++
				if f, _ := rec["file"].(string); !strings.HasSuffix(f, ".sql") {
					t.Errorf("migration line without its file: %s", line)
				}
			case rec["statement"] != nil:
				statements++
				if rec["level"] != "DEBUG" {
					t.Errorf("statement logged at %v: %.200s", rec["level"], line)
				}
			}
		}
		files, err := fs.Glob(schema.Migrations(), "migrations/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		// Count the files, not the newest version: versions may have gaps.
		if applied != len(files) || target == 0 {
			t.Errorf("level %v: %d migration lines for %d files (target version %d)", level, applied, len(files), target)
		}
		if wantSQL := level == slog.LevelDebug; (statements > 0) != wantSQL {
			t.Errorf("level %v: %d statements logged", level, statements)
		}
	}
}

// TestMigrateSummaryIsOneLine: WithSummary logs one info line for a first
// migration, with the number of files and the version reached; the files
// go to debug.
func TestMigrateSummaryIsOneLine(t *testing.T) {
	ctx := context.Background()
	db, _ := loadtest.NewEmptyDB(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := schema.Migrate(ctx, db.DB, schema.WithLogger(logger), schema.WithSummary()); err != nil {
		t.Fatal(err)
	}
	_, target, err := schema.Version(ctx, db.DB)
	if err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(schema.Migrations(), "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var rec map[string]any
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &rec) != nil || rec["msg"] != "migrations applied" ||
		rec["migrations"] != float64(len(files)) || rec["version"] != float64(target) {
		t.Errorf("want one line for %d files up to version %d, got:\n%s", len(files), target, buf.String())
	}
	buf.Reset()
	if err := schema.Migrate(ctx, db.DB, schema.WithLogger(logger), schema.WithSummary()); err != nil || buf.Len() > 0 {
		t.Errorf("nothing to apply: %v, logged %q", err, buf.String())
	}
}
