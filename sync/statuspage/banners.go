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
	for _, r := range p.refusals(o) {
		out = append(out, r.banner())
	}
	out = append(out, p.pageBanners(o)...)
	out = append(out, p.quarantineBanners(o)...)
	out = append(out, p.staleBanners(o)...)
	out = append(out, budgetBanners(keys)...)
	out = append(out, mixedBanners(o)...)
	if d != nil {
		out = append(out, p.daemonBanners(o, d)...)
	}
	slices.SortStableFunc(out, criticalFirst)
	return out
}

// refused is one product's entities whose last run failed in the same
// refusal, with the first one's error.
type refused struct {
	product  string
	kind     refusal
	entities []string
	err      string
}

// refusals groups the entities whose last run an API refused by product and
// refusal, in the order of their first entity.
func (p *Page) refusals(o *load.Overview) []*refused {
	byProduct := map[string]*refused{}
	var order []*refused
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
			r = &refused{product: e.Product, kind: k, err: p.clean(e.LastFailure)}
			byProduct[id] = r
			order = append(order, r)
		}
		r.entities = append(r.entities, e.Entity)
	}
	return order
}

// banner says what the refusal means and what to do about it.
func (r *refused) banner() banner {
	name, ents := productName(r.product), strings.Join(r.entities, ", ")
	b := banner{Level: "critical", Error: r.err}
	switch r.kind {
	case credentialsRefused:
		b.Kind, b.Title = "credentials", fmt.Sprintf("%s: the token endpoint refused the API key (invalid credentials); not synced: %s", name, ents)
		b.Detail = fmt.Sprintf("Check %sCLIENT_ID, %[1]sCLIENT_SECRET, %[1]sUSERNAME and %[1]sPASSWORD (or their _FILE), whether the user is locked or its password expired, then restart the worker (it asks at once; left alone, it asks again after a wait that doubles up to an hour, as Plutora locks accounts after repeated failed logins).", productVar(r.product))
	case whitelistDenied:
		b.Kind, b.Title = "whitelist", fmt.Sprintf("%s: \"Authorization has been denied for this request\" to a freshly issued token; not synced: %s", name, ents)
		b.Detail = "The site's API IP whitelist must admit this worker's address (its NAT gateway's, in a cloud): add it in Plutora's settings. plutora-sync check makes one GET /me to prove it."
	default:
		b.Kind, b.Title = "access", fmt.Sprintf("%s: access denied to a freshly issued token; not synced: %s", name, ents)
		b.Detail = "The API user lacks a permission the endpoint needs, or the whitelist refuses this address: see the error."
	}
	return b
}

// pageBanners names the entities whose runs keep failing at the same page.
func (p *Page) pageBanners(o *load.Overview) []banner {
	var out []banner
	for _, e := range o.Entities {
		if e.PageFailures >= sync.MaxPageFailures {
			out = append(out, banner{Level: "critical", Kind: "page", Error: p.clean(e.PageFailure),
				Title:  fmt.Sprintf("%s: %d runs in a row failed at the same page; the job is skipped until a census succeeds", e.Entity, e.PageFailures),
				Detail: fmt.Sprintf("Mend the cause, then retry at once: UPDATE plutora_sync.checkpoints SET failures = 0 WHERE entity = '%s';", e.Entity)})
		}
	}
	return out
}

// quarantineBanners names the entities whose last run loaded none of the
// records it read (a warning run: every one is in the quarantine).
func (p *Page) quarantineBanners(o *load.Overview) []banner {
	var out []banner
	for _, e := range o.Entities {
		if e.LastRunStatus == "warning" {
			out = append(out, banner{Level: "warning", Kind: "quarantine", Error: p.clean(e.LastFailure),
				Title:  fmt.Sprintf("%s: the last run quarantined every record it read", e.Entity),
				Detail: "See the quarantined records below: their reasons name what could not be loaded."})
		}
	}
	return out
}

// staleBanners names the entities not synced as often as expected, with
// their last failure.
func (p *Page) staleBanners(o *load.Overview) []banner {
	var out []banner
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
	return out
}

// budgetBanners names the API keys that have spent their budget.
func budgetBanners(keys []keyPlot) []banner {
	var out []banner
	for _, k := range keys {
		if k.Exhausted {
			out = append(out, banner{Level: "warning", Kind: "budget",
				Title:  fmt.Sprintf("API key %s has spent its budget: %d of %d requests in the rolling hour", k.Key, k.Total, k.Limit),
				Detail: "Runs wait until " + k.FreesAt + ". Steady 429s mean another client uses the same key: raise PLUTORA_BUDGET_RESERVE, or give the worker a key of its own."})
		}
	}
	return out
}

// mixedBanners warns of a warehouse whose ledger holds sandbox and real runs.
func mixedBanners(o *load.Overview) []banner {
	if !o.SandboxRuns || !o.RealRuns {
		return nil
	}
	return []banner{{Level: "critical", Kind: "sandbox",
		Title:  "This warehouse holds runs that read the sandbox beside runs that read a real Plutora",
		Detail: "Sandbox records are mixed with real ones (a --force run or demo). BI reports from it are not to be trusted: rebuild the warehouse from the real site."}}
}

// daemonBanners gives, product by product, a real site pointed at a
// warehouse of sandbox runs, and the daemon's own notes.
func (p *Page) daemonBanners(o *load.Overview, d *Daemon) []banner {
	var out []banner
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
	return out
}

// criticalFirst orders critical banners before warnings (a stable sort
// keeps each level's order).
func criticalFirst(a, b banner) int {
	if a.Level == b.Level {
		return 0
	}
	if a.Level == "critical" {
		return -1
	}
	return 1
}
