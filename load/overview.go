package load

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/lib/pq"
)

// Overview is what the status page shows of the warehouse: each entity's
// freshness, the recent runs, the request counts of the rolling hour, the
// open quarantine, the sandbox marks of the ledger and who holds the
// products' locks. ReadOverview reads it in one read-only transaction.
type Overview struct {
	ReadAt     time.Time // the database's clock when the transaction began
	Entities   []EntityStatus
	Runs       []RunRow
	Minutes    []RequestMinute // the rolling hour, by key then minute
	Quarantine []QuarantinedRecord
	// SandboxRuns and RealRuns: the ledger holds runs that read the
	// sandbox, and runs that read a real Plutora.
	SandboxRuns, RealRuns bool
	Locks                 []LockHolder
	Queries               int // statements run to read it
}

// EntityStatus is one entity's line of reporting.freshness, with its next
// run, its last failure and its checkpoints' page failures.
type EntityStatus struct {
	Product, Entity  string
	LastSuccess      *time.Time
	Rows             int64
	LagP50, LagP95   *time.Duration // of the changes of the last hour; nil for sweeps
	Interval         *time.Duration // the median gap between its last runs (reporting.freshness.expected_interval)
	LastRunStatus    string         // "" when never run
	LastFailureAt    *time.Time
	LastFailure      string // the error of the last failed run among the entity's last RunWindow runs
	WarningAt        *time.Time
	Warning          string // the warning of its last completed run, when that run ended with one
	Quarantined      int64
	QuarantineWhy    string // the reasons and their counts, most frequent first
	PendingDeletions int64
	PendingWhy       string
	NextDue          *time.Time // the daemon's poller's next run (plutora_sync.next_runs)
	NextReason       string
	PageFailures     int    // the most failed runs in a row at one page, over the entity's modes
	PageFailure      string // that page's last error
}

// RunRow is one run of one entity in the ledger.
type RunRow struct {
	ID                                    int64
	Product, Entity, Mode, Status         string
	Started                               time.Time
	Finished                              *time.Time
	Pages, Requests                       int
	Inserted, Updated, Unchanged, Deleted int
	Quarantined                           int
	Error, Note                           string
	Sandbox                               *bool
}

// RequestMinute is the requests an API key made in one minute.
type RequestMinute struct {
	Key    string
	Minute time.Time
	Count  int
}

// QuarantinedRecord is an open quarantine row, without its bytes.
type QuarantinedRecord struct {
	Entity, RecordID, Reason string
	Seen                     int
	FirstSeen, LastSeen      time.Time
}

// LockHolder is the session that holds an advisory lock the caller asked
// about, as pg_stat_activity shows it.
type LockHolder struct {
	Key             int64
	PID             int
	ApplicationName string
	ClientAddr      string
	BackendStart    *time.Time
}

// RunFilter selects the recent runs: an entity and a ledger status, each
// "" for any.
type RunFilter struct {
	Entity, Status string
}

// RunStatuses are the statuses a run may have in the ledger
// (plutora_sync.runs.status).
func RunStatuses() []string {
	return []string{"success", "warning", "failed", "skipped", "abandoned", "running"}
}

const (
	// RecentRuns is the most runs the overview lists.
	RecentRuns = 50
	// RunWindow bounds the ledger an overview searches: the last failure
	// of an entity and the filtered runs are looked for among the last
	// RunWindow runs, so a long ledger costs no more than a short one.
	RunWindow = 10000
	// QuarantineShown is the most open quarantine rows the overview lists.
	QuarantineShown = 20
	// overviewTimeout bounds each statement of an overview.
	overviewTimeout = "5s"
)

// ReadOverview reads the overview in one read-only, repeatable-read
// transaction (one snapshot: the counts agree with each other), each
// statement bounded by a timeout. lockKeys are the advisory-lock keys whose
// holders to list.
func ReadOverview(ctx context.Context, db *sql.DB, f RunFilter, lockKeys []int64) (*Overview, error) {
	if f.Status != "" && !slices.Contains(RunStatuses(), f.Status) {
		return nil, fmt.Errorf("overview: unknown run status %q", f.Status)
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	o := &Overview{}
	steps := []struct {
		what string
		read func(context.Context, *sql.Tx, *Overview) error
	}{
		{"statement timeout", func(ctx context.Context, tx *sql.Tx, o *Overview) error {
			return tx.QueryRowContext(ctx, `SELECT now(), set_config('statement_timeout', $1, true)`, overviewTimeout).Scan(&o.ReadAt, new(string))
		}},
		{"freshness", readEntities},
		{"runs", func(ctx context.Context, tx *sql.Tx, o *Overview) error { return readRuns(ctx, tx, o, f) }},
		{"request counts", readMinutes},
		{"quarantine", readQuarantine},
		{"sandbox marks", func(ctx context.Context, tx *sql.Tx, o *Overview) error {
			return tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM plutora_sync.runs WHERE sandbox),
				EXISTS (SELECT FROM plutora_sync.runs WHERE NOT sandbox)`).Scan(&o.SandboxRuns, &o.RealRuns)
		}},
		{"locks", func(ctx context.Context, tx *sql.Tx, o *Overview) error { return readLocks(ctx, tx, o, lockKeys) }},
	}
	for _, s := range steps {
		if s.what == "locks" && len(lockKeys) == 0 {
			continue
		}
		o.Queries++
		if err := s.read(ctx, tx, o); err != nil {
			return nil, fmt.Errorf("overview: %s: %w", s.what, err)
		}
	}
	return o, nil
}

// ReadFreshness reads every entity's line of reporting.freshness, as
// ReadOverview does, in one read-only transaction.
func ReadFreshness(ctx context.Context, db *sql.DB) ([]EntityStatus, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("freshness: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	var o Overview
	if err := readEntities(ctx, tx, &o); err != nil {
		return nil, fmt.Errorf("freshness: %w", err)
	}
	return o.Entities, nil
}

func readEntities(ctx context.Context, tx *sql.Tx, o *Overview) error {
	// The last failure, and the last completed run (for its warning), are
	// looked for among the entity's last RunWindow runs (run_entities_entity,
	// backwards), not in the whole ledger.
	rows, err := tx.QueryContext(ctx, `
		SELECT f.product, f.entity, f.last_success_at, coalesce(f.rows, 0),
			extract(epoch FROM f.lag_p50), extract(epoch FROM f.lag_p95),
			extract(epoch FROM f.expected_interval), coalesce(f.last_run_status, ''),
			f.quarantined, coalesce(f.quarantine_reasons, ''), f.pending_deletions, coalesce(f.pending_deletions_reason, ''),
			n.due_at, coalesce(n.reason, ''), coalesce(k.failures, 0), coalesce(k.failure, ''),
			lf.at, coalesce(lf.error, ''), lc.at, coalesce(lc.error, '')
		FROM reporting.freshness f
		LEFT JOIN plutora_sync.next_runs n ON n.product = f.product AND n.entity = f.entity
		LEFT JOIN LATERAL (SELECT failures, failure FROM plutora_sync.checkpoints c
			WHERE c.product = f.product AND c.entity = f.entity ORDER BY failures DESC LIMIT 1) k ON true
		LEFT JOIN LATERAL (SELECT coalesce(r.finished_at, r.started_at) AS at, coalesce(e.error, r.error) AS error
			FROM (SELECT run_id, error FROM plutora_sync.run_entities
				WHERE entity = f.entity ORDER BY run_id DESC LIMIT $1) e
			JOIN plutora_sync.runs r ON r.id = e.run_id
			WHERE r.status = 'failed' ORDER BY e.run_id DESC LIMIT 1) lf ON true
		LEFT JOIN LATERAL (SELECT r.status, r.finished_at AS at, coalesce(e.error, r.error) AS error
			FROM (SELECT run_id, error FROM plutora_sync.run_entities
				WHERE entity = f.entity ORDER BY run_id DESC LIMIT $1) e
			JOIN plutora_sync.runs r ON r.id = e.run_id
			WHERE r.status IN ('success', 'warning') ORDER BY e.run_id DESC LIMIT 1) lc ON lc.status = 'warning'
		ORDER BY f.product, f.entity`, RunWindow)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e EntityStatus
		var success, due, failed, warned sql.NullTime
		var p50, p95, every sql.NullFloat64
		if err := rows.Scan(&e.Product, &e.Entity, &success, &e.Rows, &p50, &p95, &every, &e.LastRunStatus,
			&e.Quarantined, &e.QuarantineWhy, &e.PendingDeletions, &e.PendingWhy, &due, &e.NextReason,
			&e.PageFailures, &e.PageFailure, &failed, &e.LastFailure, &warned, &e.Warning); err != nil {
			return err
		}
		e.LastSuccess, e.NextDue, e.LastFailureAt, e.WarningAt = timePtr(success), timePtr(due), timePtr(failed), timePtr(warned)
		e.LagP50, e.LagP95, e.Interval = seconds(p50), seconds(p95), seconds(every)
		o.Entities = append(o.Entities, e)
	}
	return rows.Err()
}

func seconds(s sql.NullFloat64) *time.Duration {
	if !s.Valid {
		return nil
	}
	d := time.Duration(s.Float64 * float64(time.Second))
	return &d
}

func readRuns(ctx context.Context, tx *sql.Tx, o *Overview, f RunFilter) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT r.id, r.product, e.entity, r.mode, r.status, r.started_at, r.finished_at, e.pages, e.requests,
			e.inserted, e.updated, e.unchanged, e.deleted, e.quarantined,
			coalesce(e.error, r.error, ''), concat_ws('; ', r.note, e.deletion_note), r.sandbox
		FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
		WHERE e.run_id > (SELECT coalesce(max(id), 0) - $1 FROM plutora_sync.runs)
			AND ($2 = '' OR e.entity = $2) AND ($3 = '' OR r.status = $3)
		ORDER BY e.run_id DESC, e.entity LIMIT $4`, RunWindow, f.Entity, f.Status, RecentRuns)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r RunRow
		var finished sql.NullTime
		var sandbox sql.NullBool
		if err := rows.Scan(&r.ID, &r.Product, &r.Entity, &r.Mode, &r.Status, &r.Started, &finished, &r.Pages, &r.Requests,
			&r.Inserted, &r.Updated, &r.Unchanged, &r.Deleted, &r.Quarantined, &r.Error, &r.Note, &sandbox); err != nil {
			return err
		}
		r.Finished = timePtr(finished)
		if sandbox.Valid {
			r.Sandbox = &sandbox.Bool
		}
		o.Runs = append(o.Runs, r)
	}
	return rows.Err()
}

func readMinutes(ctx context.Context, tx *sql.Tx, o *Overview) error {
	rows, err := tx.QueryContext(ctx, `SELECT key, minute, count FROM plutora_sync.request_counts
		WHERE minute > now() - interval '1 hour' ORDER BY key, minute`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m RequestMinute
		if err := rows.Scan(&m.Key, &m.Minute, &m.Count); err != nil {
			return err
		}
		m.Minute = m.Minute.UTC()
		o.Minutes = append(o.Minutes, m)
	}
	return rows.Err()
}

func readQuarantine(ctx context.Context, tx *sql.Tx, o *Overview) error {
	rows, err := tx.QueryContext(ctx, `SELECT entity, coalesce(record_id, ''), reason, seen_count, first_seen_at, last_seen_at
		FROM plutora_sync.quarantine WHERE resolved_at IS NULL ORDER BY last_seen_at DESC, id DESC LIMIT $1`, QuarantineShown)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var q QuarantinedRecord
		if err := rows.Scan(&q.Entity, &q.RecordID, &q.Reason, &q.Seen, &q.FirstSeen, &q.LastSeen); err != nil {
			return err
		}
		o.Quarantine = append(o.Quarantine, q)
	}
	return rows.Err()
}

// readLocks finds the sessions holding the advisory locks lockKeys in this
// database. A bigint key is held as classid (its high 32 bits) and objid
// (its low 32 bits) with objsubid 1.
func readLocks(ctx context.Context, tx *sql.Tx, o *Overview, lockKeys []int64) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT (l.classid::int8 << 32) | l.objid::int8, l.pid, coalesce(a.application_name, ''),
			coalesce(host(a.client_addr), ''), a.backend_start
		FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND (l.classid::int8 << 32) | l.objid::int8 = ANY ($1::int8[])`, pq.Array(lockKeys))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h LockHolder
		var start sql.NullTime
		if err := rows.Scan(&h.Key, &h.PID, &h.ApplicationName, &h.ClientAddr, &start); err != nil {
			return err
		}
		h.BackendStart = timePtr(start)
		o.Locks = append(o.Locks, h)
	}
	return rows.Err()
}
