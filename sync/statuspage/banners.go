package statuspage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// banner is something that needs a person, at the top of the page.
type banner struct {
	Level  string // "critical" or "warning"
	Kind   string // a stable name (data-kind, for tests and for styling)
	Title  string
	Detail string // what to do
	Error  string // the error as the ledger holds it, redacted
}

// refusal is how an API refused a key, read from a run's error as the
// client words it (extract's ErrInvalidCredentials and AccessDeniedError).
type refusal int

const (
	notRefused refusal = iota
	credentialsRefused
	whitelistDenied // a fresh token answered 401: what Plutora answers outside the IP whitelist
	accessDenied    // a fresh token answered 403, or a token endpoint's 401/403
)

func classify(err string) refusal {
	switch {
	case strings.Contains(err, "invalid credentials"):
		return credentialsRefused
	case strings.Contains(err, "access denied by") && strings.Contains(err, "(HTTP 401 on "):
		return whitelistDenied
	case strings.Contains(err, "access denied"):
		return accessDenied
	}
	return notRefused
}

// productName is a product as people call it.
func productName(p string) string {
	switch synctype.Product(p) {
	case synctype.ProductPlutora:
		return "Plutora"
	case synctype.ProductPlutoraTest:
		return "Plutora Test"
	}
	return p
}

// productVar is the prefix of a product's variables.
func productVar(p string) string { return strings.ToUpper(p) + "_" }

// banners lists what needs a person, most urgent first: keys refused (by
// product, naming the entities), pages that keep failing, stale entities,
// exhausted budgets, sandbox and real runs in one warehouse, and the
// daemon's own notes.
func (p *Page) banners(o *load.Overview, keys []keyPlot, d *Daemon) []banner {
	var out []banner
	type refused struct {
		kind     refusal
		entities []string
		err      string
	}
	byProduct := map[string]*refused{}
	var order []string
	for _, e := range o.Entities {
		if e.LastRunStatus != "failed" {
			continue
		}
		k := classify(e.LastFailure)
		if k == notRefused {
			continue
		}
		id := e.Product + "/" + fmt.Sprint(k)
		r, ok := byProduct[id]
		if !ok {
			r = &refused{kind: k, err: p.clean(e.LastFailure)}
			byProduct[id] = r
			order = append(order, id)
		}
		r.entities = append(r.entities, e.Entity)
	}
	for _, id := range order {
		r := byProduct[id]
		product, _, _ := strings.Cut(id, "/")
		name, ents := productName(product), strings.Join(r.entities, ", ")
		b := banner{Level: "critical", Error: r.err}
		switch r.kind {
		case credentialsRefused:
			b.Kind, b.Title = "credentials", fmt.Sprintf("%s: the token endpoint refused the API key (invalid credentials); not synced: %s", name, ents)
			b.Detail = fmt.Sprintf("Check %sCLIENT_ID, %[1]sCLIENT_SECRET, %[1]sUSERNAME and %[1]sPASSWORD (or their _FILE), whether the user is locked or its password expired, then restart the worker (it asks at once; left alone, it asks again after a wait that doubles up to an hour, as Plutora locks accounts after repeated failed logins).", productVar(product))
		case whitelistDenied:
			b.Kind, b.Title = "whitelist", fmt.Sprintf("%s: \"Authorization has been denied for this request\" to a freshly issued token; not synced: %s", name, ents)
			b.Detail = "The site's API IP whitelist must admit this worker's address (its NAT gateway's, in a cloud): add it in Plutora's settings. plutora-sync check makes one GET /me to prove it."
		default:
			b.Kind, b.Title = "access", fmt.Sprintf("%s: access denied to a freshly issued token; not synced: %s", name, ents)
			b.Detail = "The API user lacks a permission the endpoint needs, or the whitelist refuses this address: see the error."
		}
		out = append(out, b)
	}
	for _, e := range o.Entities {
		if e.PageFailures >= sync.MaxPageFailures {
			out = append(out, banner{Level: "critical", Kind: "page", Error: p.clean(e.PageFailure),
				Title:  fmt.Sprintf("%s: %d runs in a row failed at the same page; the job is skipped until a census succeeds", e.Entity, e.PageFailures),
				Detail: fmt.Sprintf("Mend the cause, then retry at once: UPDATE plutora_sync.checkpoints SET failures = 0 WHERE entity = '%s';", e.Entity)})
		}
	}
	for _, e := range o.Entities {
		// A warning run read records and loaded none: every one is in the quarantine.
		if e.LastRunStatus == "warning" {
			out = append(out, banner{Level: "warning", Kind: "quarantine", Error: p.clean(e.LastFailure),
				Title:  fmt.Sprintf("%s: the last run quarantined every record it read", e.Entity),
				Detail: "See the quarantined records below: their reasons name what could not be loaded."})
		}
	}
	for _, e := range o.Entities {
		if p.stale(e, o.ReadAt) {
			b := banner{Level: "warning", Kind: "stale", Title: fmt.Sprintf("%s is stale: last success %s ago, expected every %s",
				e.Entity, age(o.ReadAt.Sub(*e.LastSuccess)), age(*p.interval(e)))}
			if e.LastFailure != "" && e.LastRunStatus == "failed" {
				b.Detail, b.Error = "Its last run failed:", p.clean(e.LastFailure)
			}
			out = append(out, b)
		}
	}
	for _, k := range keys {
		if k.Exhausted {
			out = append(out, banner{Level: "warning", Kind: "budget",
				Title:  fmt.Sprintf("API key %s has spent its budget: %d of %d requests in the rolling hour", k.Key, k.Total, k.Limit),
				Detail: "Runs wait until " + k.FreesAt + ". Steady 429s mean another client uses the same key: raise PLUTORA_BUDGET_RESERVE, or give the worker a key of its own."})
		}
	}
	if o.SandboxRuns && o.RealRuns {
		out = append(out, banner{Level: "critical", Kind: "sandbox",
			Title:  "This warehouse holds runs that read the sandbox beside runs that read a real Plutora",
			Detail: "Sandbox records are mixed with real ones (a --force run or demo). BI reports from it are not to be trusted: rebuild the warehouse from the real site."})
	}
	if d != nil {
		for _, ps := range d.Products {
			if !ps.Sandbox && o.SandboxRuns && !o.RealRuns {
				out = append(out, banner{Level: "critical", Kind: "sandbox",
					Title:  productName(string(ps.Product)) + " is a real site, and this warehouse's ledger holds only sandbox runs",
					Detail: "The worker reads " + ps.APIURL + " into a warehouse the sandbox filled: point DATABASE_URL at another database."})
			}
			for _, n := range ps.Notes {
				out = append(out, banner{Level: "warning", Kind: "daemon", Title: productName(string(ps.Product)) + ": " + p.clean(n)})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b banner) int {
		if a.Level == b.Level {
			return 0
		}
		if a.Level == "critical" {
			return -1
		}
		return 1
	})
	return out
}
