package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/robfig/cron/v3"
)

// JobFunc is the work of one scheduled job.
type JobFunc func(ctx context.Context) error

// Scheduler runs jobs on cron schedules (UTC). A job never overlaps itself:
// a tick that finds the previous run still going is skipped and logged. A
// panic in a job is recovered, logged and counted as a failed run.
type Scheduler struct {
	cron    *cron.Cron
	logger  *slog.Logger
	metrics *Metrics
}

// NewScheduler returns a Scheduler; metrics may be nil.
func NewScheduler(logger *slog.Logger, metrics *Metrics) *Scheduler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{cron: cron.New(cron.WithLocation(time.UTC)), logger: logger, metrics: metrics}
}

// Job is one scheduled job.
type Job struct {
	Name   string        // for logs, e.g. "plutora/changes incremental"
	Spec   string        // cron expression
	Entity string        // metric label
	Mode   synctype.Mode // metric label
	Fn     JobFunc

	s       *Scheduler
	running atomic.Bool
}

// Add schedules j; each tick runs it with ctx (cron.Job has no context: the
// closure bridges the tick to the daemon's root context), and none once ctx
// is done.
func (s *Scheduler) Add(ctx context.Context, j *Job) error {
	sched, err := cron.ParseStandard(j.Spec)
	if err != nil {
		return fmt.Errorf("schedule %s: %q: %w", j.Name, j.Spec, err)
	}
	j.s = s
	s.cron.Schedule(sched, cron.FuncJob(func() {
		if ctx.Err() == nil {
			j.RunNow(ctx)
		}
	}))
	next := sched.Next(time.Now().UTC())
	s.metrics.ScheduleInterval(j.Entity, j.Mode, sched.Next(next).Sub(next))
	return nil
}

// Start starts the cron loop.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling and waits for running jobs until ctx is done. The
// jobs' own context should be cancelled by the caller (the root context) so
// that they stop after the page in hand.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop()
	select {
	case <-done.Done():
	case <-ctx.Done():
		return fmt.Errorf("stop scheduler: jobs still running: %w", ctx.Err())
	}
	return nil
}

// RunNow runs the job once now, unless it is already running (then it is
// skipped and logged). It reports whether the job ran. Tests drive schedules
// with a fake clock by calling RunNow.
func (j *Job) RunNow(ctx context.Context) (ran bool) {
	logger, metrics := slog.New(slog.DiscardHandler), (*Metrics)(nil)
	if j.s != nil {
		logger, metrics = j.s.logger, j.s.metrics
	}
	if !j.running.CompareAndSwap(false, true) {
		logger.Warn("run skipped: the previous run is still going", "job", j.Name)
		metrics.RunSkipped(j.Entity, j.Mode)
		return false
	}
	defer j.running.Store(false)
	ran = true
	defer func() {
		if v := recover(); v != nil {
			logger.Error("job panicked", "job", j.Name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			metrics.RunFinished(synctype.RunResult{Entity: j.Entity, Mode: j.Mode, Outcome: synctype.OutcomeFailed, StartedAt: time.Now(), FinishedAt: time.Now()})
		}
	}()
	if err := j.Fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Debug("job returned an error", "job", j.Name, "error", err)
	}
	return ran
}
