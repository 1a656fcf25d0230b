// Package daemon wires the parts of plutora-sync together: the configuration,
// the database and its migrations, one extract.Client per product, the
// load.Writer, the sync runner, scheduler and leadership, and the HTTP
// endpoints /metrics, /healthz and /readyz. Package main only parses the
// command line and calls into it.
package daemon
