package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync"
)

// TestServePolls runs the daemon with changes polled (SCHEDULE_CHANGES
// unset) and releases pinned to a yearly cron: after the first runs, a
// changed change reaches the warehouse by a poll, while a changed release
// waits for its schedule.
func TestServePolls(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 3, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn, "SCHEDULE_RELEASES", "0 0 1 1 *", "POLL_FLOOR", "1s", "POLL_CEILING", "1s",
		"PLUTORA_BUDGET_PER_HOUR", "1000000"))
	if p := cfg.Polls(); len(p) != 2 || p[0].Entity != "changes" || p[1].Entity != "defects" {
		t.Fatalf("polls %+v, want changes and defects", p)
	}
	landed := make(chan string, 256)
	a, err := Open(context.Background(), cfg, testLogger(t), Options{Progress: func(p sync.Progress) {
		if p.Records == p.TotalCount && p.Records > 0 {
			select {
			case landed <- p.Entity.Name:
			default:
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	wait := func(entities ...string) {
		t.Helper()
		want := map[string]bool{}
		for _, e := range entities {
			want[e] = true
		}
		deadline := time.After(60 * time.Second)
		for len(want) > 0 {
			select {
			case e := <-landed:
				delete(want, e)
			case <-deadline:
				t.Fatalf("no run of %v brought records", want)
			}
		}
	}
	wait("changes", "releases")

	change, release := sb.IDs(plutoratest.Changes)[0], sb.IDs(plutoratest.Releases)[0]
	if err := sb.Update(plutoratest.Changes, change); err != nil {
		t.Fatal(err)
	}
	if err := sb.Update(plutoratest.Releases, release); err != nil {
		t.Fatal(err)
	}
	wait("changes") // a poll, not a schedule: none is set
	for _, tc := range []struct {
		table, id string
		want      int
	}{{"changes", change, 1}, {"releases", release, 0}} {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM plutora.`+tc.table+` WHERE id = $1 AND last_modified_date > now() - interval '1 minute'`, tc.id).Scan(&n)
		if err != nil || n != tc.want {
			t.Errorf("%s %s at its new version in the warehouse: %d, %v; want %d", tc.table, tc.id, n, err, tc.want)
		}
	}
}
