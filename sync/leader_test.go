package sync

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

func testDB(t *testing.T) *sql.DB {
	t.Helper()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("PostgreSQL unreachable at TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitFor waits until cond holds, re-checking at every leadership change.
func waitFor(t *testing.T, l *Leader, cond func() bool, what string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		ch := l.Changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestLeaderTakeover(t *testing.T) {
	db := testDB(t)
	key := LockKey("plutora", t.Name()+time.Now().String())
	a, err := NewLeader(db, "plutora", key, 50*time.Millisecond, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewLeader(db, "plutora", key, 50*time.Millisecond, nil, nil)
	actx, acancel := context.WithCancel(context.Background())
	bctx, bcancel := context.WithCancel(context.Background())
	defer bcancel()
	aDone := make(chan struct{})
	go func() { a.Run(actx); close(aDone) }()
	waitFor(t, a, a.Held, "a to lead")
	go b.Run(bctx)

	// b cannot lead while a holds the key; a's work keeps a's lock.
	workCtx, done, ok := a.Enter(context.Background())
	if !ok {
		t.Fatal("a holds the key but Enter refused")
	}
	if _, _, ok := b.Enter(context.Background()); ok {
		t.Fatal("b entered while a leads")
	}
	var held bool
	if err := db.QueryRow(`SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & 4294967295)::oid`, key).Scan(&held); err != nil || !held {
		t.Fatalf("lock not visible in pg_locks: %v %v", held, err)
	}

	// a stops: its work context is cancelled, and only after the work ends
	// is the key released and taken by b.
	acancel()
	<-workCtx.Done()
	if b.Held() {
		t.Fatal("b leads while a's work still runs")
	}
	done()
	<-aDone
	waitFor(t, b, b.Held, "b to take over")
	if a.Held() {
		t.Error("both lead")
	}
}

func TestLeaderLosesDeadSession(t *testing.T) {
	db := testDB(t)
	key := LockKey("plutoratest", t.Name()+time.Now().String())
	a, _ := NewLeader(db, "plutoratest", key, 50*time.Millisecond, nil, nil)
	b, _ := NewLeader(db, "plutoratest", key, 50*time.Millisecond, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	waitFor(t, a, a.Held, "a to lead")
	go b.Run(ctx)
	// Kill a's session as if its process died: the server drops the lock.
	if _, err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & 4294967295)::oid`, key); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a, func() bool { return !a.Held() }, "a to notice the lost session")
	waitFor(t, b, func() bool { return b.Held() || a.Held() }, "a standby to take over")
}
