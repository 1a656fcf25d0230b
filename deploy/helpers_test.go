package deploy

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	psync "github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// deployFiles returns the files under the deploy directory whose names end in
// one of exts, sorted.
func deployFiles(t *testing.T, exts ...string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, ext := range exts {
			if !d.IsDir() && strings.HasSuffix(path, ext) {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk deploy: %v", err)
	}
	sort.Strings(files)
	return files
}

// yamlDocs decodes every document of a YAML file into generic values.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// decodeStrict decodes a single-document YAML file into v, rejecting unknown
// fields, so that a misspelt key fails instead of being ignored.
func decodeStrict(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// at walks a generic YAML value along keys (map keys or, for lists, "0", "1"…)
// and returns what it finds, or nil.
func at(v any, keys ...string) any {
	for _, k := range keys {
		switch m := v.(type) {
		case map[string]any:
			v = m[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(m) {
				return nil
			}
			v = m[i]
		default:
			return nil
		}
	}
	return v
}

// configVariables returns every environment variable the daemon reads, from
// the env tags of config.Config, the entities' SCHEDULE_*, and GOMEMLIMIT.
func configVariables(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for name := range configDefaults(t) {
		vars[name] = true
	}
	vars["GOMEMLIMIT"] = true // read by the Go runtime: the soft memory limit
	return vars
}

// configDefaults returns every environment variable of config.Config and
// every entity's SCHEDULE_*, with its default ("" when it has none).
func configDefaults(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{}
	var walk func(typ reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, ok := f.Tag.Lookup("env")
			if !ok {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			name, opts = strings.TrimSpace(name), strings.TrimSpace(opts)
			if f.Type.Kind() == reflect.Struct && name == "" {
				sub, _ := strings.CutPrefix(opts, "prefix=")
				walk(f.Type, prefix+sub)
				continue
			}
			def, _ := strings.CutPrefix(opts, "default=")
			vars[prefix+name] = def
		}
	}
	walk(reflect.TypeFor[config.Config](), "")
	for _, e := range synctype.Entities() { // read by a loop over the declarations
		vars[e.ScheduleVar()] = e.Schedule
	}
	if len(vars) < 10 {
		t.Fatalf("config.Config has only %d env variables: %v", len(vars), vars)
	}
	return vars
}

// metricInfo is one metric the daemon registers.
type metricInfo struct {
	labels    map[string]bool
	histogram bool
}

// registeredMetrics returns the metrics sync.NewMetrics registers, by name,
// with their label names: the only names the dashboards and rules may use.
func registeredMetrics(t *testing.T) map[string]metricInfo {
	t.Helper()
	var rec recorder
	psync.NewMetrics(&rec)
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	varLabels := regexp.MustCompile(`variableLabels: \{([^}]*)\}\}$`)
	metrics := map[string]metricInfo{}
	for _, c := range rec.collectors {
		ch := make(chan *prometheus.Desc, 8)
		go func() { c.Describe(ch); close(ch) }()
		_, isHist := c.(*prometheus.HistogramVec)
		for d := range ch {
			s := d.String()
			n, l := fqName.FindStringSubmatch(s), varLabels.FindStringSubmatch(s)
			if n == nil || l == nil {
				t.Fatalf("cannot read the name and labels of %s", s)
			}
			info := metricInfo{labels: map[string]bool{}, histogram: isHist}
			for _, name := range strings.Split(l[1], ",") {
				if name = strings.TrimSpace(name); name != "" {
					info.labels[strings.TrimSuffix(strings.TrimPrefix(name, "c("), ")")] = true
				}
			}
			metrics[n[1]] = info
		}
	}
	if len(metrics) == 0 {
		t.Fatal("sync.NewMetrics registered no metric")
	}
	return metrics
}

// recorder is a prometheus.Registerer that keeps what is registered.
type recorder struct{ collectors []prometheus.Collector }

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	r.collectors = append(r.collectors, cs...)
}

func (r *recorder) Unregister(prometheus.Collector) bool { return false }

// checkConfig validates env as the daemon would at start (config.LoadFrom),
// with stand-in values for the secrets that env reads from files.
func checkConfig(t *testing.T, where string, env map[string]string) {
	t.Helper()
	lookup := map[string]string{}
	for k, v := range env {
		lookup[k] = v
	}
	for _, s := range []string{"PLUTORA_CLIENT_ID", "PLUTORA_CLIENT_SECRET", "PLUTORA_USERNAME", "PLUTORA_PASSWORD"} {
		if lookup[s] == "" {
			lookup[s] = "stand-in"
		}
	}
	if lookup["PLUTORA_REGION"] == "" && lookup["PLUTORA_API_URL"] == "" {
		lookup["PLUTORA_REGION"] = "us"
	}
	if _, err := config.LoadFrom(t.Context(), mapLookuper(lookup)); err != nil {
		t.Errorf("%s: not a valid configuration: %v", where, err)
	}
}

// mapLookuper is an envconfig.Lookuper over a map.
type mapLookuper map[string]string

func (m mapLookuper) Lookup(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}
