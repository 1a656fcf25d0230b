package load

import (
	"context"
	"database/sql"
	"testing"
)

// TestCloseWhileAPageIsWritten: Close called while a page write holds its
// page statement and has yet to take the checkpoint statement (a daemon
// stopping mid-run) waits for the write and returns; it used to hold the
// writer's lock while it waited, and the write, asking for the checkpoint
// statement, waited for that lock: neither ever returned.
func TestCloseWhileAPageIsWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, err := NewWriter(newTestDB(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	err = w.withStmt(ctx, "first", "SELECT 1", func(*sql.Stmt) error {
		go func() { closed <- w.Close() }()
		// Wait until Close has taken the statements out: it can no
		// longer be holding the lock once it has.
		for {
			w.mu.Lock()
			taken := len(w.stmts) == 0
			w.mu.Unlock()
			if taken {
				break
			}
		}
		return w.withStmt(ctx, "second", "SELECT 2", func(*sql.Stmt) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil { // the statement the write prepared after the first Close
		t.Fatal(err)
	}
}
