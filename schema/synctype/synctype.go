// Package synctype defines the types that cross the boundaries between
// extract (the API client), load (the warehouse writer) and sync (the runner
// and daemon): products, entities, run modes and outcomes, pages, checkpoints
// and the records of a run. It is a leaf: it imports nothing of the project,
// and every other package imports it, so each type has one definition and no
// adapter copies it field by field (as river keeps rivertype).
package synctype

import (
	"fmt"
	"strings"
)

// Product names an API, and so an API key with its own budget.
type Product string

// The two products.
const (
	ProductPlutora     Product = "plutora"     // releases, changes, environments, hosts, systems
	ProductPlutoraTest Product = "plutoratest" // Plutora Test (formerly Stryka): defects
)

// Products lists the products in a stable order (Plutora's first).
func Products() []Product { return []Product{ProductPlutora, ProductPlutoraTest} }

// SandboxHeader is set to "1" on every answer of the sandbox
// (extract/plutoratest), error and token answers included; Plutora never
// sends it. A run is recorded as the sandbox's only when every one of its
// data answers carries it (sync.Runner), or when the worker started the
// sandbox itself (demo); one header on one answer proves nothing.
const SandboxHeader = "X-Plutora-Sandbox"

// Mode is how a run reads an entity.
type Mode string

// The modes of a run.
const (
	// ModeIncremental reads the records modified since the watermark.
	ModeIncremental Mode = "incremental"
	// ModeSweep reads every record, for entities that cannot be read incrementally.
	ModeSweep Mode = "sweep"
	// ModeCensus reads every record to find the deleted ones.
	ModeCensus Mode = "census"
)

// Valid reports whether m is one of the modes.
func (m Mode) Valid() bool {
	return m == ModeIncremental || m == ModeSweep || m == ModeCensus
}

// ParseMode returns the mode named s (in any case).
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToLower(strings.TrimSpace(s)))
	if !m.Valid() {
		return "", fmt.Errorf("unknown mode %q (incremental, sweep or census)", s)
	}
	return m, nil
}

// Outcome is how a run ended, as the ledger and the metrics record it.
type Outcome string

// The outcomes of a run.
const (
	OutcomeSuccess Outcome = "success"
	// OutcomeWarning is a run that read everything it should but loaded
	// none of it: every record it read (at least one) was quarantined.
	OutcomeWarning Outcome = "warning"
	OutcomeFailed  Outcome = "failed"
	OutcomeSkipped Outcome = "skipped"
)

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool {
	return o == OutcomeSuccess || o == OutcomeWarning || o == OutcomeFailed || o == OutcomeSkipped
}

// Completed reports whether a run with outcome o read all it should: a
// success, or a warning. Its checkpoint starts the next run afresh.
func (o Outcome) Completed() bool {
	return o == OutcomeSuccess || o == OutcomeWarning
}
