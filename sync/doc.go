// Package sync runs the jobs that keep the warehouse in step with Plutora: one
// job per (product, entity) in one of three modes (incremental, sweep, census),
// resumed from the writer's checkpoint after any crash, scheduled with cron,
// guarded by a Postgres advisory lock per product of a site, and observed through
// Prometheus metrics.
//
// The package owns the small interfaces it needs: a PageSource (the Plutora
// client) and a PageWriter (the warehouse). Package sync/daemon wires the real
// ones.
//
// Inside this package the standard library's sync is imported as gosync.
package sync
