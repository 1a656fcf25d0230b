package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// A one-off sync says each failure once. A key that the API refuses (bad
// credentials, or a whitelist that turns away a fresh token) fails every
// entity of its product alike: the log says it once per product, the closing
// table names the product beside each entity, and the command's error only
// counts the entities.

// KeyRefusal names what refused a product's key when err is such a failure,
// else "".
func KeyRefusal(err error) string {
	switch {
	case errors.Is(err, extract.ErrInvalidCredentials):
		return extract.ErrInvalidCredentials.Error()
	case errors.Is(err, extract.ErrAccessDenied):
		return extract.ErrAccessDenied.Error()
	}
	return ""
}

// refusal is a product's key refused in a one-off sync: the first error
// and the entities it stopped.
type refusal struct {
	err      error
	entities []string
}

// logRefusals logs each refused product once (the runs' own lines were
// dropped by quietRefusals): the token endpoint's refusal itself, the same
// whichever run asked it (the others were answered without a request,
// extract.RefusedError), else the first entity's error.
func logRefusals(logger *slog.Logger, entities []synctype.Entity, errs []error) {
	refused := map[synctype.Product]*refusal{}
	var order []synctype.Product
	for i, e := range entities {
		if KeyRefusal(errs[i]) == "" {
			continue
		}
		r, ok := refused[e.Product]
		if !ok {
			r = &refusal{err: errs[i]}
			refused[e.Product] = r
			order = append(order, e.Product)
		}
		r.entities = append(r.entities, e.Name)
	}
	for _, p := range order {
		r := refused[p]
		var cause *extract.CredentialsError
		if errors.As(r.err, &cause) {
			r.err = cause
		}
		logger.Error("API key refused: its entities were not synced", "product", p,
			"entities", strings.Join(r.entities, ","), "error", r.err)
	}
}

// SyncError is the error of a one-off sync in which entities failed. Its
// text names them (the log and the closing table said why); errors.Is and
// errors.As see each run's error.
type SyncError struct {
	Entities int      // entities synced
	Failed   []string // the entities whose run failed, except those of Refused
	Refused  []string // "plutora: invalid credentials", once per refused product
	errs     []error
}

func (e *SyncError) Error() string {
	var parts []string
	if len(e.Failed) > 0 {
		parts = append(parts, strings.Join(e.Failed, ", "))
	}
	for _, r := range e.Refused {
		parts = append(parts, "the entities of "+r)
	}
	return fmt.Sprintf("sync: %d of %d entities failed: %s (the log and the table above say why)",
		len(e.errs), e.Entities, strings.Join(parts, "; "))
}

func (e *SyncError) Unwrap() []error { return e.errs }

// syncError returns nil when no entity failed, else a *SyncError.
// errs[i] is the error of entities[i]'s run.
func syncError(entities []synctype.Entity, errs []error) error {
	e := &SyncError{Entities: len(entities)}
	refused := map[string]bool{}
	for i, err := range errs {
		if err == nil {
			continue
		}
		e.errs = append(e.errs, fmt.Errorf("%s: %w", entities[i].Name, err))
		if kind := KeyRefusal(err); kind != "" {
			r := string(entities[i].Product) + ": " + kind
			if !refused[r] {
				refused[r] = true
				e.Refused = append(e.Refused, r)
			}
			continue
		}
		e.Failed = append(e.Failed, entities[i].Name)
	}
	if len(e.errs) == 0 {
		return nil
	}
	sort.Strings(e.Refused)
	return e
}

// quietRefusals is a log handler that drops the runner's "run failed" lines
// of runs whose key was refused: logRefusals says it once per product.
type quietRefusals struct{ slog.Handler }

func (h quietRefusals) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError && r.Message == "run failed" {
		refused := false
		r.Attrs(func(a slog.Attr) bool {
			if err, ok := a.Value.Any().(error); ok && a.Key == "error" {
				refused = KeyRefusal(err) != ""
			}
			return true
		})
		if refused {
			return nil
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietRefusals) WithAttrs(as []slog.Attr) slog.Handler {
	return quietRefusals{h.Handler.WithAttrs(as)}
}

func (h quietRefusals) WithGroup(name string) slog.Handler {
	return quietRefusals{h.Handler.WithGroup(name)}
}
