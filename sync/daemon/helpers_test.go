package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sort"
	gosync "sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// clock is a fake clock shared by the sandbox, the clients and the runner.
type clock struct {
	mu gosync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

// smallSizes keep the tests fast.
var smallSizes = plutoratest.Sizes{Changes: 260, Releases: 60, Environments: 30, Hosts: 90, Systems: 25, Defects: 230}

// sandboxEnv is the environment of a daemon syncing sb into dsn.
func sandboxEnv(sb *plutoratest.Server, dsn string, extra ...string) map[string]string {
	pc, tc := sb.Plutora.Credentials(), sb.Test.Credentials()
	env := map[string]string{
		"DATABASE_URL":              dsn,
		"PLUTORA_API_URL":           sb.Plutora.URL,
		"PLUTORA_TOKEN_URL":         sb.Plutora.TokenURL,
		"PLUTORA_CLIENT_ID":         pc.ClientID,
		"PLUTORA_CLIENT_SECRET":     pc.ClientSecret,
		"PLUTORA_USERNAME":          pc.Username,
		"PLUTORA_PASSWORD":          pc.Password,
		"PLUTORATEST_API_URL":       sb.Test.URL,
		"PLUTORATEST_TOKEN_URL":     sb.Test.TokenURL,
		"PLUTORATEST_CLIENT_ID":     tc.ClientID,
		"PLUTORATEST_CLIENT_SECRET": tc.ClientSecret,
		"PLUTORATEST_USERNAME":      tc.Username,
		"PLUTORATEST_PASSWORD":      tc.Password,
		"METRICS_ADDR":              "127.0.0.1:0",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func loadConfig(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.LoadFrom(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newEmptyDB is a fresh, empty database; the daemon migrates it. The
// daemon's sessions commit without waiting for the disk (a test database
// need not survive a power cut), which keeps the suite fast on a busy disk.
func newEmptyDB(t *testing.T) (*sqlx.DB, string) {
	t.Helper()
	db, dsn := loadtest.NewEmptyDB(t)
	return db, withParam(dsn, "synchronous_commit", "off")
}

func withParam(dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// canonical re-encodes JSON with sorted keys, so that equal documents
// compare equal whatever their key order or spacing.
func canonical(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("bad JSON %q: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// assertTablesEqualSandbox compares every entity's live rows, raw jsonb
// field by field, with the sandbox's records; and that no history row is
// duplicated.
func assertTablesEqualSandbox(t *testing.T, db *sqlx.DB, sb *plutoratest.Server) {
	t.Helper()
	for _, e := range synctype.Entities() {
		want := sb.Records(e.Name)
		rows, err := db.Query(`SELECT id::text, raw::text FROM plutora.` + e.Name + ` WHERE _deleted_at IS NULL`)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for rows.Next() {
			var id, raw string
			if err := rows.Scan(&id, &raw); err != nil {
				t.Fatal(err)
			}
			got[id] = raw
		}
		rows.Close()
		var missing, extra, differ []string
		for id, raw := range want {
			g, ok := got[id]
			switch {
			case !ok:
				missing = append(missing, id)
			case canonical(t, []byte(g)) != canonical(t, raw):
				differ = append(differ, id)
			}
		}
		for id := range got {
			if _, ok := want[id]; !ok {
				extra = append(extra, id)
			}
		}
		sort.Strings(differ)
		if len(missing)+len(extra)+len(differ) > 0 {
			detail := ""
			if len(differ) > 0 {
				detail = fmt.Sprintf("\n first differing %s:\n  db:      %s\n  sandbox: %s", differ[0], got[differ[0]], want[differ[0]])
			}
			t.Errorf("%s: %d live rows, sandbox has %d: %d missing, %d extra (not marked deleted), %d differ%s",
				e.Name, len(got), len(want), len(missing), len(extra), len(differ), detail)
		}
		var dups int
		// Two consecutive versions of a record (history, then the current
		// row) never have the same content: every sandbox change alters it.
		if err := db.QueryRow(`SELECT count(*) FROM (
			SELECT raw = lag(raw) OVER (PARTITION BY id ORDER BY valid_from) AS same FROM (
				SELECT id, valid_from, raw FROM plutora.` + e.Name + `_history
				UNION ALL SELECT id, 'infinity'::timestamptz, raw FROM plutora.` + e.Name + `) v) x
			WHERE same`).Scan(&dups); err != nil {
			t.Fatal(err)
		}
		if dups > 0 {
			t.Errorf("%s_history has %d duplicated versions", e.Name, dups)
		}
	}
}
