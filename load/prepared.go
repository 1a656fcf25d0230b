package load

import (
	"context"
	"database/sql"
	"fmt"
	gosync "sync"
)

// replanEvery is how many pages a prepared page statement serves before it
// is prepared anew. PostgreSQL keeps the generic plan it made while the
// tables were small (a sequential scan of a child table, say) until a table
// is analyzed; on a busy server autovacuum can lag a whole first load
// behind, and such a stale plan then scans whole child tables for every page
// that updates a record. Preparing again every so often replans with the
// tables' current size, at the cost of one round trip per replanEvery pages.
const replanEvery = 200

// pageStmt is the prepared page statement of one entity.
type pageStmt struct {
	mu   gosync.RWMutex
	stmt *sql.Stmt
	uses int
}

// withStmt calls fn with the entity's prepared page statement, which stays
// open until fn returns.
func (w *Writer) withStmt(ctx context.Context, spec *entitySpec, fn func(*sql.Stmt) error) error {
	w.mu.Lock()
	ps, ok := w.stmts[spec.name]
	if !ok {
		ps = &pageStmt{}
		w.stmts[spec.name] = ps
	}
	w.mu.Unlock()
	if err := ps.refresh(ctx, w.db.DB, w.sqls[spec.name]); err != nil {
		return fmt.Errorf("prepare %s page statement (is the database migrated?): %w", spec.name, err)
	}
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return fn(ps.stmt)
}

// refresh prepares the statement when there is none or it has served
// replanEvery pages, and counts a use.
func (ps *pageStmt) refresh(ctx context.Context, db *sql.DB, query string) error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.stmt != nil && ps.uses < replanEvery {
		ps.uses++
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	if ps.stmt != nil {
		_ = ps.stmt.Close()
	}
	ps.stmt, ps.uses = st, 1
	return nil
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
