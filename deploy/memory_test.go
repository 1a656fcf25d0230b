package deploy

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// Byte-size suffixes: each format has its own (Kubernetes' M is 10^6,
// systemd's is 2^20, and GOMEMLIMIT knows only the IEC ones).
var (
	goUnits         = map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
	kubernetesUnits = map[string]int64{"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}
	systemdUnits    = map[string]int64{"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
)

var memorySize = regexp.MustCompile(`^([0-9]+)([A-Za-z]*)$`)

// parseMemory reads a byte size such as 256Mi with the suffixes of units.
func parseMemory(t *testing.T, where, s string, units map[string]int64) int64 {
	t.Helper()
	m := memorySize.FindStringSubmatch(s)
	if m == nil || units[m[2]] == 0 {
		t.Fatalf("%s: %q is not a byte size: want a number and one of the suffixes of %v", where, s, units)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatalf("%s: %q: %v", where, s, err)
	}
	return n * units[m[2]]
}

// checkMemoryLimit checks that GOMEMLIMIT leaves the Go runtime 5-20% of the
// hard limit as headroom: above it the GC gives up before the OOM killer acts,
// far below it the GC runs for nothing.
func checkMemoryLimit(t *testing.T, where, goMemLimit, hardLimit string, units map[string]int64) {
	t.Helper()
	if goMemLimit == "" || hardLimit == "" {
		t.Errorf("%s: GOMEMLIMIT %q and memory limit %q: want both set", where, goMemLimit, hardLimit)
		return
	}
	soft := parseMemory(t, where+" GOMEMLIMIT", goMemLimit, goUnits)
	hard := parseMemory(t, where+" memory limit", hardLimit, units)
	if share := float64(soft) / float64(hard); share < 0.80 || share > 0.95 {
		t.Errorf("%s: GOMEMLIMIT %s is %.0f%% of the memory limit %s, want 80-95%%", where, goMemLimit, 100*share, hardLimit)
	}
}

func TestKubernetesMemoryLimit(t *testing.T) {
	dep := byKind(objects(t, "kubernetes/base"), "Deployment")
	c := at(dep, "spec", "template", "spec", "containers", "0")
	env, _ := at(c, "env").([]any)
	goMemLimit := ""
	for _, e := range env {
		if at(e, "name") == "GOMEMLIMIT" {
			goMemLimit = fmt.Sprint(at(e, "value"))
		}
	}
	limit, _ := at(c, "resources", "limits", "memory").(string)
	checkMemoryLimit(t, "Deployment", goMemLimit, limit, kubernetesUnits)
}
