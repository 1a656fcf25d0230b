package sync

import (
	"context"
	"strconv"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the daemon's Prometheus collectors (namespace plutora_sync).
// It is also the clients' one Observer (extract.Observer): each request, data
// answer, retry, 429 and token renewal is reported to it once, and counts both
// in the run's synctype.Tally the context carries (the ledger's counts, the
// sandbox check) and in the metrics. A nil *Metrics records no metric, and
// still counts in the Tally.
type Metrics struct {
	requests       *prometheus.CounterVec
	budgetRatio    *prometheus.GaugeVec
	budgetRequests *prometheus.GaugeVec
	budgetLimit    *prometheus.GaugeVec
	pacerWait      *prometheus.CounterVec
	renewals       *prometheus.CounterVec
	retries        *prometheus.CounterVec
	throttled      *prometheus.CounterVec
	rows           *prometheus.CounterVec
	runDuration    *prometheus.HistogramVec
	runs           *prometheus.CounterVec
	failures       *prometheus.GaugeVec
	pageFailures   *prometheus.GaugeVec
	lastSuccess    *prometheus.GaugeVec
	quarantined    *prometheus.GaugeVec
	allQuarantined *prometheus.GaugeVec
	authErrors     *prometheus.CounterVec
	refused        *prometheus.GaugeVec
	interval       *prometheus.GaugeVec
	pollWait       *prometheus.GaugeVec
	leader         *prometheus.GaugeVec
	lag            *prometheus.HistogramVec
	fallbacks      *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns = "plutora_sync"
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, labels)
	}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		requests:       counter("requests_total", "API requests by product, endpoint and status (0 = transport error).", "product", "endpoint", "status"),
		budgetRatio:    gauge("budget_used_ratio", "Requests in the rolling hour divided by the budget.", "product"),
		budgetRequests: gauge("budget_requests", "Requests in the rolling hour.", "product"),
		budgetLimit:    gauge("budget_limit", "Requests allowed per rolling hour (budget less reserve).", "product"),
		pacerWait:      counter("pacer_wait_seconds_total", "Time spent waiting for the budget pacer.", "product"),
		renewals:       counter("token_renewals_total", "OAuth token renewals.", "product"),
		retries:        counter("retries_total", "Retried API requests.", "product", "endpoint"),
		throttled:      counter("throttled_total", "Throttled (429) API answers.", "product"),
		rows:           counter("rows_total", "Rows written by entity and outcome.", "entity", "outcome"),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "run_duration_seconds",
			Help: "Duration of runs.", Buckets: prometheus.ExponentialBuckets(0.5, 2, 16)}, []string{"entity", "mode"}),
		runs:     counter("runs_total", "Runs by entity, mode and outcome.", "entity", "mode", "outcome"),
		failures: gauge("consecutive_failures", "Failed runs since the last success.", "entity"),
		pageFailures: gauge("page_failures", "Runs in a row that failed at the same bad page (the job is skipped from "+
			strconv.Itoa(MaxPageFailures)+" on).", "entity", "mode"),
		lastSuccess: gauge("last_success_timestamp_seconds", "Unix time of the last successful run.", "entity"),
		quarantined: gauge("quarantined_records", "Records quarantined by the last run.", "entity"),
		allQuarantined: gauge("last_run_all_quarantined", "1 when the entity's last completed run quarantined every record "+
			"it read (outcome warning), else 0.", "entity"),
		authErrors: counter("auth_errors_total", "Authentication errors by kind.", "product", "kind"),
		refused: gauge("credentials_refused", "1 while the token endpoint refuses the product's credentials "+
			"(its runs wait; the next grant is tried after a wait that doubles up to an hour).", "product"),
		interval: gauge("schedule_interval_seconds", "Interval between two scheduled runs.", "entity", "mode"),
		pollWait: gauge("poll_wait_seconds", "The wait before an adaptively refreshed entity's next run, labelled with why "+
			"(adaptive, budget_share, fallback, key_budget, catch_up); one series per entity.", "entity", "reason"),
		leader: gauge("leader", "1 when this replica holds the product's API key lock.", "product"),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "lag_seconds",
			Help:    "Freshness: when a changed record landed in the warehouse minus its last-modified date, by entity.",
			Buckets: []float64{0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 600, 1800, 3600}}, []string{"entity"}),
		fallbacks: counter("filter_fallbacks_total", "Runs that read the whole list because the API kept failing on their filter.", "entity"),
	}
	reg.MustRegister(m.requests, m.budgetRatio, m.budgetRequests, m.budgetLimit, m.pacerWait, m.renewals,
		m.retries, m.throttled, m.rows, m.runDuration, m.runs, m.failures, m.lastSuccess, m.quarantined, m.allQuarantined,
		m.authErrors, m.refused, m.interval, m.leader, m.pageFailures, m.lag, m.fallbacks, m.pollWait)
	return m
}

// Request counts one API request.
func (m *Metrics) Request(ctx context.Context, product synctype.Product, endpoint string, status int, _ time.Duration) {
	synctype.TallyFrom(ctx).Request()
	if m != nil {
		m.requests.WithLabelValues(string(product), endpoint, strconv.Itoa(status)).Inc()
	}
}

// PacerWait adds time spent waiting for budget.
func (m *Metrics) PacerWait(product synctype.Product, d time.Duration) {
	if m != nil {
		m.pacerWait.WithLabelValues(string(product)).Add(d.Seconds())
	}
}

// PacerWaiting sets the budget gauges from a wait that starts: the window is
// full, and the gauges should say so while requests wait.
func (m *Metrics) PacerWaiting(product synctype.Product, _ time.Time, used, limit int) {
	m.Budget(product, used, limit)
}

// DataAnswer counts a data answer, with or without the sandbox marker, in
// the run's Tally (no metric).
func (m *Metrics) DataAnswer(ctx context.Context, _ synctype.Product, marked bool) {
	synctype.TallyFrom(ctx).Marker(marked)
}

// TokenRenewed counts a token renewal.
func (m *Metrics) TokenRenewed(ctx context.Context, product synctype.Product) {
	synctype.TallyFrom(ctx).Renewal()
	if m != nil {
		m.renewals.WithLabelValues(string(product)).Inc()
	}
}

// Retry counts a retried request.
func (m *Metrics) Retry(ctx context.Context, product synctype.Product, endpoint string) {
	synctype.TallyFrom(ctx).Retry()
	if m != nil {
		m.retries.WithLabelValues(string(product), endpoint).Inc()
	}
}

// Throttled counts a 429 answer.
func (m *Metrics) Throttled(ctx context.Context, product synctype.Product) {
	synctype.TallyFrom(ctx).Throttle()
	if m != nil {
		m.throttled.WithLabelValues(string(product)).Inc()
	}
}

// AuthError counts an authentication error; kind is invalid_credentials or
// access_denied.
func (m *Metrics) AuthError(product synctype.Product, kind string) {
	if m != nil {
		m.authErrors.WithLabelValues(string(product), kind).Inc()
	}
}

// CredentialsRefused sets whether the token endpoint refuses product's
// credentials.
func (m *Metrics) CredentialsRefused(product synctype.Product, refused bool) {
	if m != nil {
		v := 0.0
		if refused {
			v = 1
		}
		m.refused.WithLabelValues(string(product)).Set(v)
	}
}

// Budget sets the budget gauges of a product.
func (m *Metrics) Budget(product synctype.Product, used, limit int) {
	if m == nil || limit <= 0 {
		return
	}
	m.budgetRequests.WithLabelValues(string(product)).Set(float64(used))
	m.budgetLimit.WithLabelValues(string(product)).Set(float64(limit))
	m.budgetRatio.WithLabelValues(string(product)).Set(float64(used) / float64(limit))
}

// Leader sets whether this replica holds the product's key.
func (m *Metrics) Leader(product synctype.Product, held bool) {
	if m == nil {
		return
	}
	v := 0.0
	if held {
		v = 1
	}
	m.leader.WithLabelValues(string(product)).Set(v)
}

// ScheduleInterval records the interval of a schedule.
func (m *Metrics) ScheduleInterval(entity string, mode synctype.Mode, d time.Duration) {
	if m != nil {
		m.interval.WithLabelValues(entity, string(mode)).Set(d.Seconds())
	}
}

// PollWait records the wait before entity's next adaptive run and its
// reason, replacing the entity's series of another reason.
func (m *Metrics) PollWait(entity, reason string, d time.Duration) {
	if m == nil {
		return
	}
	m.pollWait.DeletePartialMatch(prometheus.Labels{"entity": entity})
	m.pollWait.WithLabelValues(entity, reason).Set(d.Seconds())
}

// RunSkipped counts a run skipped because the previous one still ran.
func (m *Metrics) RunSkipped(entity string, mode synctype.Mode) {
	if m != nil {
		m.runs.WithLabelValues(entity, string(mode), string(synctype.OutcomeSkipped)).Inc()
	}
}

// RunFinished records a finished run.
func (m *Metrics) RunFinished(r synctype.RunResult) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(r.Entity, string(r.Mode), string(r.Outcome)).Inc()
	m.runDuration.WithLabelValues(r.Entity, string(r.Mode)).Observe(r.FinishedAt.Sub(r.StartedAt).Seconds())
	for outcome, n := range map[string]int{"inserted": r.Inserted, "updated": r.Updated, "unchanged": r.Unchanged,
		"deleted": r.Deleted, "quarantined": r.Quarantined} {
		m.rows.WithLabelValues(r.Entity, outcome).Add(float64(n))
	}
	m.quarantined.WithLabelValues(r.Entity).Set(float64(r.Quarantined))
	m.pageFailures.WithLabelValues(r.Entity, string(r.Mode)).Set(float64(r.PageFailures))
	// A warning run completed: the entity is not failing, and not stale;
	// the all-quarantined gauge and its alert tell of the records that did
	// not load.
	if r.Outcome.Completed() {
		warned := 0.0
		if r.Outcome == synctype.OutcomeWarning {
			warned = 1
		}
		m.allQuarantined.WithLabelValues(r.Entity).Set(warned)
		m.failures.WithLabelValues(r.Entity).Set(0)
		m.lastSuccess.WithLabelValues(r.Entity).Set(float64(r.FinishedAt.Unix()))
	} else {
		m.failures.WithLabelValues(r.Entity).Inc()
	}
}

// Lag observes, for each record of e that changed, when it landed (landed)
// minus when it was modified.
func (m *Metrics) Lag(e synctype.Entity, modified []time.Time, landed time.Time) {
	if m == nil {
		return
	}
	h := m.lag.WithLabelValues(e.Name)
	for _, t := range modified {
		h.Observe(max(landed.Sub(t).Seconds(), 0))
	}
}
