package plutoratest

import (
	"fmt"
	"strings"
)

// Quirks are shapes a client must survive that the real API is not known
// to give by default (docs/plutora-api.md, "Records"). By default the
// sandbox answers as Plutora's own scripts expect; the worker's tests turn
// the quirks on to see that it keeps loading what a script would crash on.
type Quirks struct {
	// ZeroRequiredRefs makes, in about one record in 200, a required
	// reference the all-zero GUID with a null name (a change's
	// organization, status, priority and type; a release's organization,
	// status and type), and leaves a release's risk level null in about one
	// release in 20.
	ZeroRequiredRefs bool
	// NullArrays answers "hosts": null for an environment without hosts and
	// "layers": null for a host without layers, as the primer's POST
	// answers echo them, instead of [].
	NullArrays bool
	// NullLinkedSystem leaves linkedSystemId and linkedSystem null in about
	// one environment in six, though the primer lists it as required.
	NullLinkedSystem bool
}

// AllQuirks returns every quirk on: the robustness cases together.
func AllQuirks() Quirks {
	return Quirks{ZeroRequiredRefs: true, NullArrays: true, NullLinkedSystem: true}
}

// quirkNames are the names ParseQuirks reads, for sim's -quirks flag.
var quirkNames = map[string]func(*Quirks){
	"zero-refs":          func(q *Quirks) { q.ZeroRequiredRefs = true },
	"null-arrays":        func(q *Quirks) { q.NullArrays = true },
	"null-linked-system": func(q *Quirks) { q.NullLinkedSystem = true },
	"all":                func(q *Quirks) { *q = AllQuirks() },
}

// ParseQuirks reads a comma-separated list of zero-refs, null-arrays,
// null-linked-system or all ("" or "none" for none).
func ParseQuirks(s string) (Quirks, error) {
	var q Quirks
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" || name == "none" {
			continue
		}
		set, ok := quirkNames[name]
		if !ok {
			return Quirks{}, fmt.Errorf("quirk %q: want zero-refs, null-arrays, null-linked-system, all or none", name)
		}
		set(&q)
	}
	return q, nil
}
