// Package soak proves that plutora-sync converges whatever happens on the way.
// It holds no library code: its tests build the real binary, run it as a
// daemon against the sandbox (extract/plutoratest) and a fresh PostgreSQL
// database, and inject every fault at once, each deterministic under a seed
// that the test prints:
//
//   - sandbox faults: 5xx, 429 bursts, latency spikes, truncated and garbled
//     bodies, HTML error pages, connection resets, tokens revoked mid-run, and
//     an IP whitelist that denies for a while and then admits;
//   - data churn while paging (inserts, updates, deletes on pages already
//     read), records made bad on purpose, and good records full of SQL and
//     shell metacharacters;
//   - the worker killed with SIGKILL at random moments and restarted, as a
//     supervisor would;
//   - database faults: the worker's connections terminated
//     (pg_terminate_backend) mid-page, and the database refusing connections
//     for a while (a TCP proxy between the worker and PostgreSQL that cuts
//     every connection and refuses new ones);
//   - a budget made binding by request counts of an hour ago, so that the
//     pacer's memory across kills is what keeps the worker under it.
//
// After the faults stop and a quiet cycle runs, the test asserts that every
// sandbox record is in its table with equal content (environments and
// systems as their summary list shows them: a change only their detail
// shows waits for the rolling refresh of details, a day by default, far
// longer than the quiet phase), that every deleted
// record is marked deleted and no live one is, that no history row is
// duplicated, that the quarantine holds exactly the records made bad on
// purpose, that the sandbox's request log shows no rolling hour over the
// budget, and that no secret reached a log line, a metric or the ledger.
//
// The churn starts before the worker's first request and lasts the whole
// fault phase. The worker runs with its default (adaptive) schedules: the
// pollers and the adaptive sweeps; -soak.schedules=pinned pins every
// SCHEDULE_* to @every 2s or 3s instead. The census runs every few seconds
// in both (CENSUS_SCHEDULE pins it: the adaptive census's round at the
// default share would outlast the quiet phase), so that deletions converge
// within the quiet phase.
//
// The default run is the CI variant, under a minute: a 20s fault phase (25s
// at most) and a census every 5s. The pacer counts requests by the minute, so
// old counts leave the window only at a minute boundary: the CI variant binds
// the budget only when one falls within 20s of the start (about one run in
// four), and says so when it does not. A long soak, which always binds it
// (go test's default -timeout of 10m would end it first):
//
//	go test ./sync/soak -run '^TestSoak$' -v -soak=10m -seed=42 -timeout=30m
//
// Other hostile cases that need the built binary live here too (a record
// dated in the far future and the incremental watermark). The memory
// benchmark compares the peak RSS of the built binary syncing N and N/10
// records; the figures (1,000,000 against 100,000) are heavy:
//
//	go test ./sync/soak -run '^$' -bench PeakRSS -benchtime 1x -memory.records 1000000 -timeout 60m
package soak
