// Package console is what the commands of plutora-sync show a person: the
// status tables, check's report, the demo's output, and a one-off sync's
// progress bars and closing table. It reads the warehouse through load only,
// and gets everything else built and wired by sync/daemon.
package console
