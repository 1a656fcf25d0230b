package sync

import (
	"context"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func TestJobNoOverlapAndPanic(t *testing.T) {
	m := newTestMetrics()
	s := NewScheduler(nil, m.Metrics)
	started, release := make(chan struct{}), make(chan struct{})
	j := &Job{Name: "plutora/changes incremental", Spec: "*/15 * * * *", Entity: "changes", Mode: synctype.ModeIncremental,
		Fn: func(ctx context.Context) error {
			close(started)
			<-release
			return nil
		}}
	if err := s.Add(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	go func() { done <- j.RunNow(context.Background()) }()
	<-started
	if j.RunNow(context.Background()) {
		t.Error("an overlapping run was not skipped")
	}
	close(release)
	if !<-done {
		t.Error("first run did not run")
	}
	if v := m.value(t, "plutora_sync_runs_total", "entity", "changes", "outcome", "skipped"); v != 1 {
		t.Errorf("skipped runs = %v, want 1", v)
	}
	if v := m.value(t, "plutora_sync_schedule_interval_seconds", "entity", "changes"); v != 900 {
		t.Errorf("interval = %v", v)
	}

	p := &Job{Name: "p", Spec: "@hourly", Entity: "hosts", Mode: synctype.ModeSweep, Fn: func(context.Context) error { panic("boom") }}
	if err := s.Add(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if !p.RunNow(context.Background()) {
		t.Error("panicking job did not run")
	}
	if v := m.value(t, "plutora_sync_runs_total", "entity", "hosts", "outcome", "failed"); v != 1 {
		t.Errorf("failed runs after panic = %v, want 1", v)
	}
	// It runs again after a panic.
	if !p.RunNow(context.Background()) {
		t.Error("job did not run after a panic")
	}
}

func TestSchedulerRejectsBadSpec(t *testing.T) {
	s := NewScheduler(nil, nil)
	if err := s.Add(context.Background(), &Job{Name: "x", Spec: "every day"}); err == nil {
		t.Error("bad spec accepted")
	}
}

func TestSchedulerBridgesRootContext(t *testing.T) {
	s := NewScheduler(nil, nil)
	got := make(chan context.Context, 1)
	j := &Job{Name: "x", Spec: "@every 1s", Fn: func(ctx context.Context) error {
		select {
		case got <- ctx:
		default:
		}
		return nil
	}}
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "root"))
	if err := s.Add(ctx, j); err != nil {
		t.Fatal(err)
	}
	s.Start()
	jctx := <-got // the first tick, within a second
	if jctx.Value(key{}) != "root" {
		t.Error("job context not derived from the root context")
	}
	cancel()
	if jctx.Err() == nil {
		t.Error("job context not cancelled with the root")
	}
	stop, cancelStop := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelStop()
	if err := s.Stop(stop); err != nil {
		t.Fatal(err)
	}
}
