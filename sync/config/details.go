package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// ListKindMap returns LIST_KINDS as a map from entity name to kind (it was
// validated at load); entities not named are found out by the worker.
func (c *Config) ListKindMap() map[string]synctype.ListKind {
	m, _ := parseListKinds(c.ListKinds)
	return m
}

// parseListKinds reads "entity=kind,…" (kind: full, summary or auto).
func parseListKinds(s string) (map[string]synctype.ListKind, error) {
	out := map[string]synctype.ListKind{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, kind, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not entity=kind (kind: full, summary or auto)", part)
		}
		e, found := synctype.EntityByName(strings.TrimSpace(name))
		if !found {
			return nil, fmt.Errorf("%q: unknown entity %q (known: %s)", part, name, strings.Join(synctype.EntityNames(), ", "))
		}
		k, err := synctype.ParseListKind(kind)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		out[e.Name] = k
	}
	return out, nil
}

func (c *Config) validateDetails() []error {
	var errs []error
	if _, err := parseListKinds(c.ListKinds); err != nil {
		errs = append(errs, fmt.Errorf("LIST_KINDS: %w", err))
	}
	if c.DetailRefresh != 0 && c.DetailRefresh < time.Hour {
		errs = append(errs, fmt.Errorf("DETAIL_REFRESH: must be at least 1h (or 0 for never), got %v", c.DetailRefresh))
	}
	return errs
}
