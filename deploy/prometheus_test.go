package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"text/template"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

const alertsFile = "prometheus/alerts.yaml"

// ruleFile is the Prometheus rule file format (what promtool check rules reads).
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert         string            `yaml:"alert"`
	Record        string            `yaml:"record"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for"`
	KeepFiringFor string            `yaml:"keep_firing_for"`
	Labels        map[string]string `yaml:"labels"`
	Annotations   map[string]string `yaml:"annotations"`
}

var promql = parser.NewParser(parser.Options{})

func TestAlertRules(t *testing.T) {
	var f ruleFile
	decodeStrict(t, alertsFile, &f)
	if len(f.Groups) == 0 {
		t.Fatalf("%s: no rule groups", alertsFile)
	}
	groups, alerts := map[string]bool{}, map[string]rule{}
	for _, g := range f.Groups {
		if g.Name == "" || groups[g.Name] {
			t.Errorf("%s: group name %q is empty or repeated", alertsFile, g.Name)
		}
		groups[g.Name] = true
		for i, r := range g.Rules {
			where := fmt.Sprintf("%s: group %s rule %d (%s)", alertsFile, g.Name, i, r.Alert)
			checkRule(t, where, r)
			if alerts[r.Alert].Alert != "" {
				t.Errorf("%s: alert name repeated", where)
			}
			alerts[r.Alert] = r
		}
	}
	// The alerts the operators were promised, each on the metric that detects it.
	for _, want := range []struct{ alert, metric string }{
		{"PlutoraSyncEntityStale", "plutora_sync_last_success_timestamp_seconds"},
		{"PlutoraSyncEntityStale", "plutora_sync_schedule_interval_seconds"},
		{"PlutoraSyncEntityNeverSucceeded", "plutora_sync_last_success_timestamp_seconds"},
		{"PlutoraSyncBudgetHigh", "plutora_sync_budget_used_ratio"},
		{"PlutoraSyncAccessDenied", "plutora_sync_auth_errors_total"},
		{"PlutoraSyncCredentialsRefused", "plutora_sync_credentials_refused"},
		{"PlutoraSyncQuarantineGrowing", "plutora_sync_quarantined_records"},
		{"PlutoraSyncAllQuarantined", "plutora_sync_last_run_all_quarantined"},
		{"PlutoraSyncRunFailing", "plutora_sync_consecutive_failures"},
		{"PlutoraSyncNoLeader", "plutora_sync_leader"},
	} {
		r, ok := alerts[want.alert]
		if !ok {
			t.Errorf("%s: alert %s is missing", alertsFile, want.alert)
			continue
		}
		if !strings.Contains(r.Expr, want.metric) {
			t.Errorf("%s: alert %s does not use %s: %s", alertsFile, want.alert, want.metric, r.Expr)
		}
	}
}

// checkRule checks what promtool checks of one rule, and that its annotation
// templates only name labels the expression keeps.
func checkRule(t *testing.T, where string, r rule) {
	t.Helper()
	if (r.Alert == "") == (r.Record == "") {
		t.Errorf("%s: exactly one of alert and record must be set", where)
	}
	expr, err := promql.ParseExpr(r.Expr)
	if err != nil {
		t.Errorf("%s: expr does not parse: %v", where, err)
		return
	}
	for _, d := range []string{r.For, r.KeepFiringFor} {
		if _, err := model.ParseDuration(d); d != "" && err != nil {
			t.Errorf("%s: bad duration %q: %v", where, d, err)
		}
	}
	if r.Record != "" {
		return
	}
	if s := r.Labels["severity"]; s != "warning" && s != "critical" {
		t.Errorf("%s: severity %q, want warning or critical", where, s)
	}
	for _, a := range []string{"summary", "description"} {
		if r.Annotations[a] == "" {
			t.Errorf("%s: annotation %s is missing", where, a)
		}
	}
	labels := map[string]string{}
	for _, l := range outputLabels(expr) {
		labels[l] = "x"
	}
	for name, text := range r.Annotations {
		if err := expandAlertTemplate(text, labels); err != nil {
			t.Errorf("%s: annotation %s: %v", where, name, err)
		}
	}
}

// outputLabels returns the labels an alert expression keeps, as far as this
// simple reading can tell: the grouping of the aggregation it compares.
func outputLabels(e parser.Expr) []string {
	switch e := e.(type) {
	case *parser.ParenExpr:
		return outputLabels(e.Expr)
	case *parser.AggregateExpr:
		if !e.Without {
			return e.Grouping
		}
	case *parser.BinaryExpr:
		if e.LHS.Type() == parser.ValueTypeVector {
			return outputLabels(e.LHS)
		}
		return outputLabels(e.RHS)
	}
	return nil
}

// expandAlertTemplate parses and runs an annotation the way Prometheus does
// (the same $labels/$value preamble and function names), failing on a label
// the alert does not carry.
func expandAlertTemplate(text string, labels map[string]string) error {
	const preamble = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	str := func(v any) (string, error) { return fmt.Sprint(v), nil }
	funcs := template.FuncMap{
		"humanize": str, "humanize1024": str, "humanizeDuration": str, "humanizePercentage": str,
		"humanizeTimestamp": str, "title": strings.ToTitle, "toUpper": strings.ToUpper,
		"toLower": strings.ToLower, "reReplaceAll": func(p, r, s string) string { return regexp.MustCompile(p).ReplaceAllString(s, r) },
	}
	tmpl, err := template.New("annotation").Funcs(funcs).Option("missingkey=error").Parse(preamble + text)
	if err != nil {
		return err
	}
	return tmpl.Execute(io.Discard, map[string]any{
		"Labels": labels, "ExternalLabels": map[string]string{}, "ExternalURL": "", "Value": 1.0,
	})
}

// dashboard is the part of a Grafana dashboard the tests read.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// grafanaRange replaces Grafana's range variables by a duration PromQL parses.
var grafanaRange = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// labelValues reads label_values(metric, label) of a template variable.
var labelValues = regexp.MustCompile(`^label_values\((\w+),\s*(\w+)\)$`)

func dashboardExprs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("%s: uid, title or panels missing", path)
	}
	var exprs []string
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("%s: variable %s: want label_values(metric, label), got %q", path, v.Name, v.Definition)
			continue
		}
		exprs = append(exprs, fmt.Sprintf("%s{%s!=\"\"}", m[1], m[2]))
	}
	ids := map[int]bool{}
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("%s: panel id %d repeated", path, p.ID)
			}
			ids[p.ID] = true
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", path, p.Title)
			}
			for _, q := range p.Targets {
				exprs = append(exprs, grafanaRange.Replace(q.Expr))
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return exprs
}

func TestDashboards(t *testing.T) {
	files := deployFiles(t, ".json")
	if len(files) == 0 {
		t.Fatal("no dashboard under deploy/")
	}
	for _, f := range files {
		for _, e := range dashboardExprs(t, f) {
			if _, err := promql.ParseExpr(e); err != nil {
				t.Errorf("%s: query does not parse: %s: %v", f, e, err)
			}
		}
	}
}

// TestMetricNames checks that every metric and label the rules and dashboards
// select is one the daemon registers.
func TestMetricNames(t *testing.T) {
	registered := registeredMetrics(t)
	var f ruleFile
	decodeStrict(t, alertsFile, &f)
	exprs := map[string][]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			exprs[alertsFile] = append(exprs[alertsFile], r.Expr)
		}
	}
	for _, path := range deployFiles(t, ".json") {
		exprs[path] = dashboardExprs(t, path)
	}
	used := map[string]bool{}
	for path, list := range exprs {
		for _, e := range list {
			parsed, err := promql.ParseExpr(e)
			if err != nil {
				continue // reported by TestAlertRules and TestDashboards
			}
			parser.Inspect(parsed, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok {
					used[checkSelector(t, path, vs, registered)] = true
				}
				return nil
			})
		}
	}
	for name := range registered {
		if !used[name] {
			t.Logf("metric %s is on no dashboard and in no rule", name)
		}
	}
}

// scrapeLabels are added by Prometheus to every series.
var scrapeLabels = map[string]bool{"job": true, "instance": true}

// checkSelector checks the metric and label names of a selector and returns
// the registered metric it reads (a histogram for its _bucket series).
func checkSelector(t *testing.T, path string, vs *parser.VectorSelector, registered map[string]metricInfo) string {
	t.Helper()
	name := vs.Name
	info, ok := registered[name]
	if !ok {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, cut := strings.CutSuffix(name, suffix); cut && registered[base].histogram {
				info, ok, name = registered[base], true, base
				if suffix == "_bucket" {
					info.labels = withLabel(info.labels, "le")
				}
			}
		}
	}
	if !ok {
		t.Errorf("%s: metric %s is not registered by sync.NewMetrics", path, name)
		return name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name != model.MetricNameLabel && !info.labels[m.Name] && !scrapeLabels[m.Name] {
			t.Errorf("%s: %s has no label %q", path, name, m.Name)
		}
	}
	return name
}

func withLabel(labels map[string]bool, name string) map[string]bool {
	out := map[string]bool{name: true}
	for l := range labels {
		out[l] = true
	}
	return out
}
