package sync

import (
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

type testMetrics struct {
	*Metrics
	reg *prometheus.Registry
}

func newTestMetrics() testMetrics {
	reg := prometheus.NewRegistry()
	return testMetrics{NewMetrics(reg), reg}
}

// value returns the value of the series of name whose labels include the
// given pairs (summed over the others).
func (m testMetrics) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	v, _ := m.lookup(t, name, labels...)
	return v
}

// lookup is value, and whether such a series exists at all.
func (m testMetrics) lookup(t *testing.T, name string, labels ...string) (sum float64, found bool) {
	t.Helper()
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, mt := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range mt.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue metric
				}
			}
			sum += metricValue(mt)
			found = true
		}
	}
	return sum, found
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

func TestMetricsNames(t *testing.T) {
	m := newTestMetrics()
	tally := new(synctype.Tally)
	ctx := synctype.WithTally(t.Context(), tally)
	m.Request(ctx, "plutora", "/changes/filter", 200, time.Second)
	m.DataAnswer(ctx, "plutora", true)
	m.PacerWait("plutora", 2*time.Second)
	m.TokenRenewed(ctx, "plutora")
	m.Retry(ctx, "plutora", "/hosts")
	m.Throttled(ctx, "plutora")
	m.AuthError("plutora", "access_denied")
	m.Budget("plutora", 13000, 26000)
	m.PacerWaiting("plutoratest", t0, 40, 40)
	m.Leader("plutora", true)
	m.ScheduleInterval("changes", synctype.ModeIncremental, 15*time.Minute)
	m.PollWait("changes", "key_budget", 90*time.Second)
	m.PollWait("changes", "fallback", 2*time.Minute) // replaces the series of another reason
	m.RunSkipped("changes", synctype.ModeIncremental)
	m.RunFinished(synctype.RunResult{Entity: "changes", Mode: synctype.ModeSweep, Outcome: synctype.OutcomeSuccess, Inserted: 5, Quarantined: 1,
		StartedAt: t0, FinishedAt: t0.Add(time.Second)})
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"plutora_sync_requests_total", []string{"product", "plutora", "endpoint", "/changes/filter", "status", "200"}, 1},
		{"plutora_sync_budget_used_ratio", []string{"product", "plutora"}, 0.5},
		{"plutora_sync_budget_requests", []string{"product", "plutora"}, 13000},
		{"plutora_sync_budget_limit", []string{"product", "plutora"}, 26000},
		{"plutora_sync_budget_used_ratio", []string{"product", "plutoratest"}, 1},
		{"plutora_sync_pacer_wait_seconds_total", []string{"product", "plutora"}, 2},
		{"plutora_sync_token_renewals_total", []string{"product", "plutora"}, 1},
		{"plutora_sync_rows_total", []string{"entity", "changes", "outcome", "inserted"}, 5},
		{"plutora_sync_run_duration_seconds", []string{"entity", "changes", "mode", "sweep"}, 1},
		{"plutora_sync_runs_total", []string{"entity", "changes", "mode", "incremental", "outcome", "skipped"}, 1},
		{"plutora_sync_runs_total", []string{"entity", "changes", "mode", "sweep", "outcome", "success"}, 1},
		{"plutora_sync_consecutive_failures", []string{"entity", "changes"}, 0},
		{"plutora_sync_last_success_timestamp_seconds", []string{"entity", "changes"}, float64(t0.Add(time.Second).Unix())},
		{"plutora_sync_quarantined_records", []string{"entity", "changes"}, 1},
		{"plutora_sync_auth_errors_total", []string{"product", "plutora", "kind", "access_denied"}, 1},
		{"plutora_sync_schedule_interval_seconds", []string{"entity", "changes", "mode", "incremental"}, 900},
		{"plutora_sync_leader", []string{"product", "plutora"}, 1},
		{"plutora_sync_poll_wait_seconds", []string{"entity", "changes"}, 120},
		{"plutora_sync_poll_wait_seconds", []string{"entity", "changes", "reason", "fallback"}, 120},
	}
	for _, tt := range tests {
		if got := m.value(t, tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	// The same calls count in the run's Tally: one path for both.
	want := synctype.SourceStats{Requests: 1, Throttled: 1, Retries: 1, TokenRenewals: 1, SandboxMarked: 1}
	if got := tally.Stats(); got != want {
		t.Errorf("the Tally in the context counted %+v, want %+v", got, want)
	}
}
