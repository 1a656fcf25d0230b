// Package daemon wires the parts of plutora-sync together: the configuration,
// the database and its migrations, one extract.Client per product, the
// load.Writer, the sync runner, scheduler and leadership, and the HTTP
// endpoints /metrics, /healthz and /readyz. It runs no SQL of its own (load
// and schema do) and prints nothing: what a command shows a person is in
// cmd/plutora-sync/console, which a one-off sync tells through a Watcher.
package daemon
