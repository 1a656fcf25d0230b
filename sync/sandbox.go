package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// ErrSandboxMarker: the sandbox marker (synctype.SandboxHeader) on a run's
// data answers contradicts itself (some answers carry it, others do not) or
// what the worker holds the source to be. The run stops before it writes
// anything more: records of the sandbox and of a real site must not mix in
// one warehouse, nor be recorded as the other kind.
var ErrSandboxMarker = errors.New("sandbox marker")

// known is the mark of a run at its start: the sandbox when the worker
// knows it is (the demo), else unknown until its data answers say.
func (s Source) known() *bool {
	if s.Known && s.Sandbox {
		return &s.Sandbox
	}
	return nil
}

// vouch checks the data answers the run in ctx has had so far
// (checkMarkers); the runner calls it before every write.
func vouch(ctx context.Context, e synctype.Entity, src Source) error {
	return checkMarkers(e, src, synctype.TallyFrom(ctx).Stats())
}

// checkMarkers returns ErrSandboxMarker, saying what was seen, when the data
// answers counted in made are of both kinds, or of the other kind than src
// is held to be.
func checkMarkers(e synctype.Entity, src Source, made synctype.SourceStats) error {
	marked, unmarked := made.SandboxMarked, made.SandboxUnmarked
	held := "GET /me answered without it at start (a real Plutora)"
	if src.Sandbox {
		held = "GET /me answered with it at start (the sandbox)"
		if src.Known {
			held = "the worker started the sandbox itself"
		}
	}
	switch {
	case marked > 0 && unmarked > 0:
		return fmt.Errorf("%w: %d of this %s run's %d data answers from %s carried %s: 1 and %d did not: answers of the sandbox and of another server are mixed (a proxy that adds or strips the header?); the run stops without writing more",
			ErrSandboxMarker, marked, e, marked+unmarked, src.URL, synctype.SandboxHeader, unmarked)
	case unmarked > 0 && src.Sandbox:
		return fmt.Errorf("%w: %s: 1 marks every answer of the sandbox, and %s, but this %s run's %d data answers from %s came without it: they are not the sandbox's (a proxy that adds the header to GET /me only?); nothing of them is written",
			ErrSandboxMarker, synctype.SandboxHeader, held, e, unmarked, src.URL)
	case marked > 0 && !src.Sandbox:
		return fmt.Errorf("%w: %s, but this %s run's %d data answers from %s carry %s: 1 (a proxy that strips the header from GET /me?); nothing of them is written",
			ErrSandboxMarker, held, e, marked, src.URL, synctype.SandboxHeader)
	}
	return nil
}

// answered is what a run's data answers say of its source: the sandbox
// (all carried the marker), a real API (none did), or nil (none, or both).
func answered(made synctype.SourceStats) *bool {
	marked, unmarked := made.SandboxMarked > 0, made.SandboxUnmarked > 0
	if marked == unmarked {
		return nil
	}
	return &marked
}
