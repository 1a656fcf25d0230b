package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	gosync "sync"
	"sync/atomic"
)

// replanEvery is how many pages a prepared page statement serves before it
// is prepared anew. The statement is prepared because planning it costs
// about 0.8 ms a page: an unchanged re-sync ran at 0.81× the COPY ceiling
// with the statement planned for each page, 2.0× with a cached plan
// (make bench, 20,000 changes, issue 12). PostgreSQL keeps the generic plan it made while the
// tables were small (a sequential scan of a child table, say) until a table
// is analyzed; on a busy server autovacuum can lag a whole first load
// behind, and such a stale plan then scans whole child tables for every page
// that updates a record. Preparing again every so often replans with the
// tables' current size, at the cost of one round trip per replanEvery pages.
const replanEvery = 200

// pageStmt is one prepared statement of the page writes. Writes hold mu for
// reading while they use the statement, so that pages run side by side;
// only replacing the statement takes it for writing.
type pageStmt struct {
	mu   gosync.RWMutex
	stmt *sql.Stmt
	uses atomic.Int64
}

// withStmts calls fn with the statements that write a page of spec's
// entity, prepared: its page statement and checkpointStatement, which stay
// open until fn returns.
func (w *Writer) withStmts(ctx context.Context, spec *entitySpec, fn func(page, ckpt *sql.Stmt) error) error {
	return w.withStmt(ctx, spec.Name+" page", w.sqls[spec.Name], func(page *sql.Stmt) error {
		return w.withStmt(ctx, "checkpoint", checkpointStatement, func(ckpt *sql.Stmt) error {
			return fn(page, ckpt)
		})
	})
}

// withStmt calls fn with query prepared, which stays open until fn returns;
// name keys it in w.stmts.
func (w *Writer) withStmt(ctx context.Context, name, query string, fn func(*sql.Stmt) error) error {
	w.mu.Lock()
	ps, ok := w.stmts[name]
	if !ok {
		ps = &pageStmt{}
		w.stmts[name] = ps
	}
	w.mu.Unlock()
	stmt, err := ps.acquire(ctx, w.db.DB, query)
	if err != nil {
		return fmt.Errorf("prepare %s statement (is the database migrated?): %w", name, err)
	}
	defer ps.mu.RUnlock()
	return fn(stmt)
}

// acquire counts a use and returns the statement with mu held for reading,
// preparing it first when there is none or it has served replanEvery pages.
func (ps *pageStmt) acquire(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	for {
		ps.mu.RLock()
		if ps.stmt != nil && ps.uses.Add(1) <= replanEvery {
			return ps.stmt, nil
		}
		ps.mu.RUnlock()
		if err := ps.replan(ctx, db, query); err != nil {
			return nil, err
		}
	}
}

// replan prepares the statement anew, unless another write just did.
func (ps *pageStmt) replan(ctx context.Context, db *sql.DB, query string) error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.stmt != nil && ps.uses.Load() < replanEvery {
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	if ps.stmt != nil {
		_ = ps.stmt.Close()
	}
	ps.stmt = st
	ps.uses.Store(0)
	return nil
}

// Close releases the prepared statements. The database stays open. A page
// write in flight holds its page statement while it takes w.mu for the
// checkpoint statement, so Close must not hold w.mu while it waits for the
// writes to finish: it takes the statements out under w.mu, then closes
// them, each as soon as no write uses it.
func (w *Writer) Close() error {
	w.mu.Lock()
	stmts := w.stmts
	w.stmts = map[string]*pageStmt{}
	w.mu.Unlock()
	var errs []error
	for _, ps := range stmts {
		errs = append(errs, ps.close())
	}
	return errors.Join(errs...)
}

// close closes the statement.
func (ps *pageStmt) close() error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.stmt == nil {
		return nil
	}
	err := ps.stmt.Close()
	ps.stmt = nil
	return err
}
