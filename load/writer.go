// Package load writes pages of Plutora records into the PostgreSQL warehouse
// (schema plutora), one transaction per page: the rows, their child rows,
// their history, the census ids and the sync checkpoint commit together, so a
// crash resumes at the next page with nothing lost and nothing doubled.
//
// It also keeps the worker's own books in schema plutora_sync: the run
// ledger (StartRun, FinishRun), checkpoints (synctype.Checkpoint), census deletions
// (MarkDeleted), request counts for the budget pacer (BudgetHistory) and the
// quarantine of records that cannot be loaded.
//
// A page travels to PostgreSQL as one jsonb parameter; SQL extracts the typed
// columns and drops unchanged records before the upsert, so re-syncing
// unchanged data writes (almost) nothing. The mapping of JSON fields to
// columns is in entities.go.
package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	gosync "sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Writer writes pages and keeps the run ledger. It is safe for concurrent use.
type Writer struct {
	db     *sqlx.DB
	logger *slog.Logger
	sqls   map[string]string // entity → page statement text

	mu    gosync.Mutex
	stmts map[string]*pageStmt // "<entity> page" or "checkpoint" → prepared statement (prepared.go)

	prune quarantinePruner // quarantine_prune.go
}

// Option sets an optional behaviour of a Writer.
type Option func(*Writer) error

// NewWriter returns a Writer over db, which must be migrated (schema.Migrate).
// A nil logger discards.
func NewWriter(db *sqlx.DB, logger *slog.Logger, opts ...Option) (*Writer, error) {
	if db == nil {
		return nil, errors.New("load: nil database")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Writer{db: db, logger: logger, sqls: map[string]string{}, stmts: map[string]*pageStmt{}}
	for _, o := range opts {
		if err := o(w); err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
	}
	for _, s := range specs {
		w.sqls[s.Name] = pageStatement(s)
	}
	return w, nil
}

// WritePage writes rows, child rows, history, census-seen ids and the
// checkpoint of one page in one transaction: the page statement of its
// entity (pageStatement), then the checkpoint and the ledger counts
// (checkpointStatement). Records that cannot be loaded (broken JSON, no
// usable id, a value that does not cast) go to plutora_sync.quarantine with
// the reason, and the rest of the page loads. Replaying a committed page
// writes no data rows.
func (w *Writer) WritePage(ctx context.Context, p synctype.PageWrite) (synctype.PageResult, error) {
	spec, err := checkPage(p)
	if err != nil {
		return synctype.PageResult{}, err
	}
	if p.Product == "" {
		p.Product = spec.Product
	}
	// The statements are taken before the page's transaction begins:
	// preparing one needs a connection of its own.
	var res synctype.PageResult
	err = w.withStmts(ctx, spec, func(st, ckpt *sql.Stmt) error {
		return retryConcurrent(func() error { // concurrent.go
			var err error
			res, err = w.writeFast(ctx, st, ckpt, p)
			if err != nil && isDataError(err) {
				// Some record does not load: find which, quarantine them, load the rest.
				res, err = w.writeSorted(ctx, spec, st, ckpt, p)
			}
			return err
		})
	})
	if err != nil {
		return synctype.PageResult{}, fmt.Errorf("write %s page %d: %w", p.Entity, p.PageNum, err)
	}
	return res, nil
}

func checkPage(p synctype.PageWrite) (*entitySpec, error) {
	spec, err := specFor(p.Entity)
	if err != nil {
		return nil, fmt.Errorf("write page: %w", err)
	}
	switch {
	case !p.Mode.Valid():
		return nil, fmt.Errorf("write %s page %d: unknown mode %q (incremental, sweep or census)", p.Entity, p.PageNum, p.Mode)
	case p.Product != "" && p.Product != spec.Product:
		return nil, fmt.Errorf("write %s page %d: entity belongs to product %q, not %q", p.Entity, p.PageNum, spec.Product, p.Product)
	case p.PageNum < 0:
		return nil, fmt.Errorf("write %s page %d: negative page number", p.Entity, p.PageNum)
	case p.Mode == synctype.ModeCensus && p.RunID == 0:
		return nil, fmt.Errorf("write %s page %d: a census page needs a run id", p.Entity, p.PageNum)
	}
	return spec, nil
}

// begin starts a page's transaction, in REPEATABLE READ (see
// concurrent.go: the caller tries it again after a serialization failure);
// zone-less API dates are read as UTC.
func (w *Writer) begin(ctx context.Context) (*sql.Tx, error) {
	tx, err := w.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL TimeZone = 'UTC'"); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// writeFast writes the whole page in one transaction.
func (w *Writer) writeFast(ctx context.Context, st, ckpt *sql.Stmt, p synctype.PageWrite) (synctype.PageResult, error) {
	tx, err := w.begin(ctx)
	if err != nil {
		return synctype.PageResult{}, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	buf := pageBufs.Get().(*[]byte)
	page := appendPage((*buf)[:0], p.Records)
	res, err := w.execPage(ctx, tx, st, ckpt, p, page, 0)
	*buf = page[:0]
	pageBufs.Put(buf)
	if err != nil {
		return synctype.PageResult{}, err
	}
	return res, tx.Commit()
}

// pageBufs recycles page buffers: a page is about 150 KB, and the driver
// copies it into its own message before the call returns.
var pageBufs = gosync.Pool{New: func() any { return new([]byte) }}

// execPage runs, in tx, the entity's prepared page statement st (see
// prepared.go: replanned every replanEvery pages) for page (a JSON array),
// then the prepared checkpoint statement ckpt; quarantined counts the
// page's records already quarantined. The page goes as []byte: the statement
// types the parameter as jsonb, so lib/pq sends the bytes as they are (as
// text; never set binary_parameters, which breaks jsonb).
func (w *Writer) execPage(ctx context.Context, tx *sql.Tx, st, ckpt *sql.Stmt, p synctype.PageWrite, page []byte, quarantined int) (synctype.PageResult, error) {
	var res synctype.PageResult
	var total int
	var maxMod sql.NullTime
	err := tx.StmtContext(ctx, st).QueryRowContext(ctx, page, p.RunID).Scan(&res.Inserted, &res.Updated, &total, &maxMod, &res.NewlySeen)
	if err != nil {
		return synctype.PageResult{}, err
	}
	res.Unchanged = total - res.Inserted - res.Updated
	res.Quarantined = quarantined
	if maxMod.Valid {
		t := maxMod.Time.UTC()
		res.MaxModified = &t
	}
	if err := saveSummaries(ctx, tx, p.Entity, p.Summaries); err != nil {
		return synctype.PageResult{}, err
	}
	if _, err := tx.StmtContext(ctx, ckpt).ExecContext(ctx, p.Product, p.Entity, p.Mode, p.RunID, p.PageNum, p.TotalCount,
		p.Watermark, p.Since, res.Inserted, res.Updated, res.Unchanged, quarantined); err != nil {
		return synctype.PageResult{}, fmt.Errorf("checkpoint: %w", err)
	}
	return res, nil
}

// appendPage appends one JSON array of the records to dst, without
// decoding them.
func appendPage(dst []byte, recs []json.RawMessage) []byte {
	n := 2
	for _, r := range recs {
		n += len(r) + 1
	}
	dst = slices.Grow(dst, n)
	dst = append(dst, '[')
	for i, r := range recs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, r...)
	}
	return append(dst, ']')
}

// isDataError reports whether err is PostgreSQL refusing the page's data
// (bad JSON, a value that does not cast, a missing id), as opposed to a
// failure of the database or the connection.
func isDataError(err error) bool {
	e := pq.As(err)
	if e == nil {
		return false
	}
	switch e.Code.Class() {
	case "22", "23", "21": // data exception, integrity violation, cardinality
		return true
	}
	return e.Code == "54001" // statement too complex: JSON nested too deep
}
