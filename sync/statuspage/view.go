package statuspage

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// view is what the template shows: every value already a string to print.
type view struct {
	Style      string
	Host       string
	Daemon     bool
	ReadAt     string
	Refresh    int // seconds; 0 when paused
	PauseURL   string
	ResumeURL  string
	Banners    []banner
	AllClear   bool
	Sandbox    bool // every run read the sandbox: a demo warehouse
	Entities   []entityRow
	Keys       []keyPlot
	PlotSize   string
	Limit      int
	Leaders    []leaderRow
	Runs       []runRow
	Filter     load.RunFilter
	EntityOpts []string
	StatusOpts []string
	RunsShown  string
	Quarantine []quarantineRow
	Cost       string
}

type entityRow struct {
	Product, Entity, State, StateClass string
	LastSuccess, Age                   string
	Rows, LagP50, LagP95               string
	Next, NextWhy                      string
	Error, ErrorAt                     string
	Quarantined, QuarantineWhy         string
	Pending, PendingWhy                string
}

type leaderRow struct {
	Product, Replica, Role, Since, Source, Session string
}

type runRow struct {
	ID, Entity, Mode, Started, Took, Outcome string
	OutcomeClass                             string
	Pages, Requests, Ins, Upd, Same, Del     string
	Quar, Error, Note                        string
}

type quarantineRow struct {
	Entity, RecordID, Reason, Seen, FirstSeen, LastSeen string
}

// clean is a text from the ledger made fit to show: secrets replaced.
func (p *Page) clean(s string) string { return p.o.Secrets.Replace(s) }

func (p *Page) view(s snapshot, q query, d *Daemon) view {
	o := s.o
	v := view{Style: styleSheet, Host: p.o.Host, Daemon: d != nil, PlotSize: plotSize, Limit: p.o.Limit,
		ReadAt: o.ReadAt.UTC().Format("2006-01-02 15:04:05 UTC"), Filter: q.filter,
		EntityOpts: entityNames(p.o.Entities), StatusOpts: load.RunStatuses()}
	if !q.paused {
		v.Refresh = int(p.o.Refresh / time.Second)
	}
	v.PauseURL, v.ResumeURL = selfURL(q.filter, "off"), selfURL(q.filter, "")
	v.Keys = plots(o.Minutes, o.ReadAt, p.o.Limit)
	v.Banners = p.banners(o, v.Keys, d)
	v.AllClear = len(v.Banners) == 0
	v.Sandbox = o.SandboxRuns && !o.RealRuns
	v.Entities = p.entityRows(o, d)
	v.Leaders = p.leaderRows(o, d)
	for _, r := range o.Runs {
		v.Runs = append(v.Runs, p.runRow(r))
	}
	v.RunsShown = fmt.Sprintf("the last %d runs", len(o.Runs))
	if q.filter != (load.RunFilter{}) {
		v.RunsShown += " of " + strings.TrimSpace(q.filter.Entity+" "+q.filter.Status)
	}
	v.RunsShown += fmt.Sprintf(" (at most %d, among the ledger's last %d)", load.RecentRuns, load.RunWindow)
	for _, r := range o.Quarantine {
		v.Quarantine = append(v.Quarantine, quarantineRow{Entity: r.Entity, RecordID: p.clean(r.RecordID), Reason: p.clean(r.Reason),
			Seen: fmt.Sprint(r.Seen), FirstSeen: stamp(r.FirstSeen), LastSeen: stamp(r.LastSeen)})
	}
	v.Cost = fmt.Sprintf("read from the warehouse at %s in %d queries, %s, in one read-only transaction; requests within %s share that read",
		s.at.UTC().Format("15:04:05"), o.Queries, s.took.Round(100*time.Microsecond), max(p.o.CacheFor, slowFactor*s.took).Round(100*time.Millisecond))
	return v
}

// selfURL is the page with filter f and refresh r.
func selfURL(f load.RunFilter, r string) string {
	q := url.Values{}
	if f.Entity != "" {
		q.Set("entity", f.Entity)
	}
	if f.Status != "" {
		q.Set("outcome", f.Status)
	}
	if r != "" {
		q.Set("refresh", r)
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}

func (p *Page) entityRows(o *load.Overview, d *Daemon) []entityRow {
	configured := map[string]bool{}
	for _, e := range p.o.Entities {
		configured[e.Name] = true
	}
	standby := map[string]bool{}
	if d != nil {
		for _, ps := range d.Products {
			standby[string(ps.Product)] = !ps.Leader
		}
	}
	var out []entityRow
	for _, e := range o.Entities {
		if !configured[e.Entity] && e.LastRunStatus == "" {
			continue // neither configured nor ever run
		}
		r := entityRow{Product: productName(e.Product), Entity: e.Entity, LastSuccess: "never", Age: "–",
			Rows: fmt.Sprint(e.Rows), LagP50: dur(e.LagP50), LagP95: dur(e.LagP95),
			Quarantined: fmt.Sprint(e.Quarantined), QuarantineWhy: p.clean(e.QuarantineWhy),
			Pending: fmt.Sprint(e.PendingDeletions), PendingWhy: p.clean(e.PendingWhy)}
		if e.LastSuccess != nil {
			r.LastSuccess, r.Age = stamp(*e.LastSuccess), age(o.ReadAt.Sub(*e.LastSuccess))+" ago"
		}
		if e.LastFailure != "" {
			r.Error, r.ErrorAt = p.clean(e.LastFailure), stamp(*e.LastFailureAt)
		}
		r.State, r.StateClass = state(e, p.stale(e, o.ReadAt))
		r.Next, r.NextWhy = p.next(e, o.ReadAt, standby[e.Product])
		out = append(out, r)
	}
	return out
}

// interval is how often e is expected to run: the larger of the median gap
// between its last runs and the interval its schedule allows; nil when
// neither is known.
func (p *Page) interval(e load.EntityStatus) *time.Duration {
	every, ok := p.o.Intervals[e.Entity]
	if e.Interval != nil && *e.Interval > every {
		every, ok = *e.Interval, true
	}
	if !ok || every <= 0 {
		return nil
	}
	return &every
}

// stale reports whether e's last success is older than twice its interval.
func (p *Page) stale(e load.EntityStatus, now time.Time) bool {
	every := p.interval(e)
	return e.LastSuccess != nil && every != nil && now.Sub(*e.LastSuccess) > 2**every
}

// state is an entity's one-word state and its class.
func state(e load.EntityStatus, stale bool) (string, string) {
	switch {
	case e.PageFailures >= sync.MaxPageFailures:
		return "skipped", "bad"
	case e.LastRunStatus == "failed" && classify(e.LastFailure) != notRefused:
		return "refused", "bad"
	case e.LastSuccess == nil && e.LastRunStatus == "":
		return "never synced", "idle"
	case e.LastSuccess == nil:
		return "no success yet", "bad"
	case stale:
		return "stale", "warn"
	case e.LastRunStatus == "failed":
		return "last run failed", "warn"
	}
	return "fresh", "ok"
}

// next is when the entity runs next and why it waits.
func (p *Page) next(e load.EntityStatus, now time.Time, standby bool) (string, string) {
	switch {
	case standby:
		return "–", "standby: another replica leads " + productName(e.Product)
	case e.PageFailures >= sync.MaxPageFailures:
		return "skipped", "its page keeps failing"
	case e.NextDue != nil && e.NextDue.After(now):
		return "in " + age(e.NextDue.Sub(now)), e.NextReason
	case e.NextDue != nil:
		return "due", e.NextReason
	case p.o.Schedules[e.Entity] != "":
		spec := p.o.Schedules[e.Entity]
		if s, err := config.ParseSchedule(spec); err == nil {
			return "in " + age(s.Next(now).Sub(now)), "cron " + spec
		}
		return "cron", spec
	}
	return "–", ""
}

func (p *Page) leaderRows(o *load.Overview, d *Daemon) []leaderRow {
	var out []leaderRow
	holders := map[int64]load.LockHolder{}
	for _, h := range o.Locks {
		holders[h.Key] = h
	}
	session := func(product string) string {
		key, ok := p.o.LockKeys[synctype.Product(product)]
		if !ok {
			return ""
		}
		h, ok := holders[key]
		if !ok {
			return "no session holds the lock"
		}
		s := fmt.Sprintf("held by backend %d", h.PID)
		if h.ApplicationName != "" {
			s += " (" + p.clean(h.ApplicationName) + ")"
		}
		if h.ClientAddr != "" {
			s += " from " + h.ClientAddr
		}
		if h.BackendStart != nil {
			s += ", connected " + stamp(*h.BackendStart)
		}
		return s
	}
	if d != nil {
		for _, ps := range d.Products {
			r := leaderRow{Product: productName(string(ps.Product)), Replica: p.o.Host, Role: "standby",
				Source: p.clean(ps.APIURL), Session: session(string(ps.Product))}
			if ps.Leader {
				r.Role = "leader"
			}
			if ps.Sandbox {
				r.Source += " (sandbox)"
			}
			if !ps.Since.IsZero() {
				r.Since = stamp(ps.Since) + " (" + age(o.ReadAt.Sub(ps.Since)) + " ago)"
			}
			out = append(out, r)
		}
		return out
	}
	for _, pr := range sortedProducts(p.o.LockKeys) {
		out = append(out, leaderRow{Product: productName(pr), Replica: "–", Role: "–", Session: session(pr)})
	}
	return out
}

func (p *Page) runRow(r load.RunRow) runRow {
	row := runRow{ID: fmt.Sprint(r.ID), Entity: r.Entity, Mode: r.Mode, Started: stamp(r.Started), Took: "–", Outcome: r.Status,
		Pages: fmt.Sprint(r.Pages), Requests: fmt.Sprint(r.Requests), Ins: fmt.Sprint(r.Inserted), Upd: fmt.Sprint(r.Updated),
		Same: fmt.Sprint(r.Unchanged), Del: fmt.Sprint(r.Deleted), Quar: fmt.Sprint(r.Quarantined),
		Error: p.clean(r.Error), Note: p.clean(r.Note)}
	row.OutcomeClass = map[string]string{"success": "ok", "failed": "bad", "skipped": "bad", "abandoned": "warn"}[r.Status]
	if row.OutcomeClass == "" {
		row.OutcomeClass = "idle"
	}
	if r.Finished != nil {
		row.Took = r.Finished.Sub(r.Started).Round(time.Millisecond).String()
	}
	return row
}

func sortedProducts[V any](m map[synctype.Product]V) []string {
	var out []string
	for k := range m {
		out = append(out, string(k))
	}
	slices.Sort(out)
	return out
}

// stamp is a time as the page shows it: UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

// age is a duration as people say it: "4s", "3m10s", "2h05m", "3d4h".
func age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

func dur(d *time.Duration) string {
	if d == nil {
		return "–"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}
