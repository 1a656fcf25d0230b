package deploy

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	psync "github.com/plutora-sync/plutora-sync/sync"
)

// TestAllQuarantinedAlert evaluates the expression of the rule
// PlutoraSyncAllQuarantined on what two replicas export: the leader's
// metrics after the runs the daemon records, and a standby's (no run). It
// selects hosts after a run of hosts that quarantined every record, keeps it
// through a failed run, and selects nothing after a success; another
// entity's success never raises it.
func TestAllQuarantinedAlert(t *testing.T) {
	r := alertRule(t, "PlutoraSyncAllQuarantined")
	if r.For == "" {
		t.Errorf("%s: PlutoraSyncAllQuarantined has no `for`: one poll that read only a bad record would page", alertsFile)
	}
	expr, err := promql.ParseExpr(r.Expr)
	if err != nil {
		t.Fatal(err)
	}
	leader, standby := prometheus.NewRegistry(), prometheus.NewRegistry()
	m := psync.NewMetrics(leader)
	psync.NewMetrics(standby)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	run := func(entity string, outcome synctype.Outcome, quarantined, inserted int) {
		m.RunFinished(synctype.RunResult{Entity: entity, Mode: synctype.ModeSweep, Outcome: outcome,
			StartedAt: now, FinishedAt: now, Quarantined: quarantined, Inserted: inserted})
	}
	for _, step := range []struct {
		what string
		run  func()
		want []string // entities the alert's expression selects
	}{
		{"no run yet", func() {}, nil},
		{"hosts: every record quarantined", func() { run("hosts", synctype.OutcomeWarning, 90, 0) }, []string{"hosts"}},
		{"changes: a success", func() { run("changes", synctype.OutcomeSuccess, 0, 5) }, []string{"hosts"}},
		{"hosts: a failed run", func() { run("hosts", synctype.OutcomeFailed, 0, 0) }, []string{"hosts"}},
		{"hosts: a success with one bad record", func() { run("hosts", synctype.OutcomeSuccess, 1, 89) }, nil},
	} {
		step.run()
		got := selected(t, expr, gather(t, leader, "a:9090"), gather(t, standby, "b:9090"))
		if fmt.Sprint(got) != fmt.Sprint(step.want) {
			t.Errorf("after %s the alert selects %v, want %v", step.what, got, step.want)
		}
	}
}

// sample is one scraped series.
type sample struct {
	labels labels.Labels
	value  float64
}

// gather is what Prometheus scrapes of reg at instance.
func gather(t *testing.T, reg *prometheus.Registry, instance string) []sample {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []sample
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			b := labels.NewBuilder(labels.FromStrings(model.MetricNameLabel, f.GetName(), "instance", instance))
			for _, l := range m.GetLabel() {
				b.Set(l.GetName(), l.GetValue())
			}
			out = append(out, sample{b.Labels(), m.GetGauge().GetValue() + m.GetCounter().GetValue()})
		}
	}
	return out
}

// selected evaluates an alert expression over the scraped series and
// returns the entity label of each series it keeps. It reads what the rules
// of alerts.yaml of this kind use, an aggregation by labels of a selector
// compared with a number, and fails the test on anything else.
func selected(t *testing.T, expr parser.Expr, scraped ...[]sample) []string {
	t.Helper()
	var all []sample
	for _, s := range scraped {
		all = append(all, s...)
	}
	var entities []string
	for _, s := range eval(t, expr, all) {
		entities = append(entities, s.labels.Get("entity"))
	}
	return entities
}

func eval(t *testing.T, e parser.Expr, all []sample) []sample {
	t.Helper()
	switch e := e.(type) {
	case *parser.ParenExpr:
		return eval(t, e.Expr, all)
	case *parser.VectorSelector:
		var out []sample
	series:
		for _, s := range all {
			for _, m := range e.LabelMatchers {
				if !m.Matches(s.labels.Get(m.Name)) {
					continue series
				}
			}
			out = append(out, s)
		}
		return out
	case *parser.AggregateExpr:
		if e.Without || e.Op != parser.MAX {
			t.Fatalf("the test reads max by (…) only, not %s", e)
		}
		groups, order := map[string]sample{}, []string{}
		for _, s := range eval(t, e.Expr, all) {
			key := labels.NewBuilder(s.labels).Keep(e.Grouping...).Labels()
			g, seen := groups[key.String()]
			if !seen {
				order = append(order, key.String())
				g = sample{key, s.value}
			}
			g.value = max(g.value, s.value)
			groups[key.String()] = g
		}
		out := make([]sample, 0, len(order))
		for _, k := range order {
			out = append(out, groups[k])
		}
		return out
	case *parser.BinaryExpr:
		n, ok := e.RHS.(*parser.NumberLiteral)
		if !ok || e.Op != parser.GTR || e.ReturnBool {
			t.Fatalf("the test reads `… > number` only, not %s", e)
		}
		var out []sample
		for _, s := range eval(t, e.LHS, all) {
			if s.value > n.Val {
				out = append(out, s)
			}
		}
		return out
	}
	t.Fatalf("the test cannot evaluate %s", e)
	return nil
}

// alertRule returns the alert named name of alerts.yaml.
func alertRule(t *testing.T, name string) rule {
	t.Helper()
	var f ruleFile
	decodeStrict(t, alertsFile, &f)
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert == name {
				return r
			}
		}
	}
	t.Fatalf("%s: no alert %s", alertsFile, name)
	return rule{}
}
