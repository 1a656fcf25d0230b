package daemon

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// TestServePolls runs the daemon with changes polled (SCHEDULE_CHANGES
// unset), hosts swept adaptively (SCHEDULE_HOSTS unset) and releases pinned
// to a yearly cron: after the first runs, a changed change reaches the
// warehouse by a poll and a changed host by a sweep, while a changed release
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
	var polled []string
	for _, p := range cfg.Polls() {
		polled = append(polled, p.Entity+" "+string(p.Mode))
	}
	// Every entity but the pinned releases and the reference lists (pinned
	// by default): polled when incremental, else swept.
	var want []string
	for _, e := range synctype.Entities() {
		if e.Name != "releases" && e.Schedule == "" {
			want = append(want, e.Name+" "+map[bool]string{true: "incremental", false: "sweep"}[e.Incremental()])
		}
	}
	if got := strings.Join(polled, ", "); got != strings.Join(want, ", ") || !strings.Contains(got, "changes incremental, environments sweep") {
		t.Fatalf("polls %s, want %s", got, strings.Join(want, ", "))
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
	t.Cleanup(a.Close) // after Serve stops
	ctx := serveUntilCleanup(t, a)
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
	host, env := sb.IDs(plutoratest.Hosts)[0], sb.IDs(plutoratest.Environments)[0]
	oldHost, oldEnv := sb.Records(plutoratest.Hosts)[host], sb.Records(plutoratest.Environments)[env]
	for entity, id := range map[string]string{plutoratest.Changes: change, plutoratest.Releases: release, plutoratest.Hosts: host, plutoratest.Environments: env} {
		if err := sb.Update(entity, id); err != nil {
			t.Fatal(err)
		}
	}
	newHost, newEnv := sb.Records(plutoratest.Hosts)[host], sb.Records(plutoratest.Environments)[env]
	if bytes.Equal(oldHost, newHost) || bytes.Equal(oldEnv, newEnv) {
		t.Fatalf("the sandbox's update left host %s or environment %s as it was", host, env)
	}
	wait("changes") // a poll, not a schedule: none is set
	// A sweep, not a schedule: the new versions land within seconds. The
	// environments' first sweep read 30 details (a summary list), outside
	// the sweep share: counted in it, the next sweep would wait 45 s.
	// Each time a sweep of one of them commits, look at the warehouse.
	pending := map[string][2]string{"hosts": {host, string(newHost)}, "environments": {env, string(newEnv)}}
	deadline := time.After(20 * time.Second)
	for len(pending) > 0 {
		select {
		case table := <-landed:
			want, ok := pending[table]
			if !ok {
				continue
			}
			var same bool
			err := db.QueryRowContext(ctx, `SELECT raw = $2::jsonb FROM plutora.`+table+` WHERE id = $1`, want[0], want[1]).Scan(&same)
			if err != nil {
				t.Fatal(err)
			}
			if same {
				delete(pending, table)
			}
		case <-deadline:
			for table, want := range pending {
				t.Errorf("%s %s not at its new version in the warehouse after 20 s", table, want[0])
			}
			t.FailNow()
		}
	}
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
