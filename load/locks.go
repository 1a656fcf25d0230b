package load

import (
	"context"
	"database/sql"
	"fmt"
)

// Leadership's SQL (sync.Leader): session-level advisory locks, one a key,
// on a connection the caller holds for as long as it leads.

// TryAdvisoryLocks tries to take every one of keys on conn's session, without
// waiting: it reports true holding them all, or false holding none (the keys
// it took are let go again, so two replicas each holding a part cannot
// block each other). An error may leave the session holding some: close it
// rather than return it to the pool (discard).
func TryAdvisoryLocks(ctx context.Context, conn *sql.Conn, keys []int64) (bool, error) {
	for i, k := range keys {
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, k).Scan(&ok); err != nil {
			return false, err
		}
		if !ok {
			return false, UnlockAdvisoryLocks(ctx, conn, keys[:i])
		}
	}
	return true, nil
}

// UnlockAdvisoryLocks lets go of keys held on conn's session; an error, or a key
// that was not held, leaves the session to be closed (discard).
func UnlockAdvisoryLocks(ctx context.Context, conn *sql.Conn, keys []int64) error {
	for _, k := range keys {
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, k).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("advisory lock %d was not held", k)
		}
	}
	return nil
}

// KeepAliveSession makes the server notice within well under a minute a
// client machine that died without closing the socket, so that a lock it
// held goes to a standby. The settings are per session; a server that
// refuses them (or a Unix socket, which ignores them) leaves the defaults.
func KeepAliveSession(ctx context.Context, conn *sql.Conn) {
	for _, set := range []string{`SET tcp_keepalives_idle = 10`, `SET tcp_keepalives_interval = 5`,
		`SET tcp_keepalives_count = 3`, `SET tcp_user_timeout = 20000`} {
		_, _ = conn.ExecContext(ctx, set)
	}
}
