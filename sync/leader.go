package sync

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// LeaderKeys are the advisory-lock keys a replica must all hold to work
// product: one per name the site goes by, and the key of the previous
// version. Two replicas that share any one key never lead together, so:
//
//   - the site's name from PLUTORA_SITE (PLUTORATEST_SITE), when set, makes
//     one site of two hosts (a proxy and the API itself);
//   - the name derived from the API host (SiteName) makes one site of two
//     spellings of one host ("localhost" and "127.0.0.1", "API.example.com."
//     and "api.example.com"), and keeps one leader while PLUTORA_SITE is
//     being set or changed;
//   - LegacyLockKey is the one key of the version before: while an old
//     replica may still run (a rolling update), a new one waits for it.
//
// They are not keyed by client id: checkpoints are per product, so two
// replicas holding two keys of one product (a key rotation) must still share
// a lock. site is the configured PLUTORA_SITE, "" when unset.
func LeaderKeys(product synctype.Product, site, apiURL string) []int64 {
	keys := []int64{siteKey(product, SiteName(apiURL))}
	if name := strings.ToLower(strings.TrimSpace(site)); name != "" {
		keys = append(keys, siteKey(product, name))
	}
	keys = append(keys, LegacyLockKey(product, apiURL))
	slices.Sort(keys)
	return slices.Compact(keys)
}

// siteKey is the key of product at the site called name.
func siteKey(product synctype.Product, name string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "plutora-sync site\x00%s\x00%s", product, name)
	return int64(h.Sum64())
}

// SiteName is the name of the site an API base URL points at: its host in
// lower case without a trailing dot, and "localhost" for every loopback name
// and address (localhost, 127.0.0.1, ::1), which reach one machine. Scheme,
// port and path are not part of it: one warehouse holds one site per product
// (its checkpoints are per product), so two URLs that differ only there are
// one site to lead. A string that is not an absolute URL is returned
// trimmed and in lower case (the configuration has already refused those).
func SiteName(apiURL string) string {
	s := strings.TrimSpace(apiURL)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return strings.ToLower(s)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip := net.ParseIP(host); host == "localhost" || strings.HasSuffix(host, ".localhost") || ip != nil && ip.IsLoopback() {
		return "localhost"
	}
	return host
}

// LegacyLockKey is the lock key of the version before LeaderKeys, which
// knew the URL's spelling but not the site: the product and legacySite(apiURL).
// Every replica holds it too, so that an old replica still running during
// a rolling update blocks a new one. It can go once no deployment runs a
// version that took only this key.
func LegacyLockKey(product synctype.Product, apiURL string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "plutora-sync\x00%s\x00%s", product, legacySite(apiURL))
	return int64(h.Sum64())
}

// legacySite is how the version before normalised an API base URL: lower-case
// scheme and host, the port unless it is the scheme's default, and the path
// without a trailing slash ("HTTPS://UsApi.plutora.com:443/" is
// "https://usapi.plutora.com"). It must not change: LegacyLockKey has to
// match the old version's key.
func legacySite(apiURL string) string {
	s := strings.TrimSpace(apiURL)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return strings.TrimRight(s, "/")
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	if port := u.Port(); port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host += ":" + port
	}
	return scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
}

// Leader holds a Postgres session-level advisory lock for one product on a
// dedicated connection. While it holds the lock, Enter admits work with a
// context that is cancelled when the lock is lost (connection gone) or released.
type Leader struct {
	db      *sql.DB
	product synctype.Product
	keys    []int64
	retry   time.Duration
	logger  *slog.Logger
	metrics *Metrics

	mu     gosync.Mutex
	term   chan struct{} // closed when the current leadership ends; nil when not leader
	change chan struct{} // closed and replaced on every change
	work   gosync.WaitGroup
	// standby is set once the replica has said at info level that another
	// replica holds the key; taking the key clears it.
	standby bool
	since   time.Time // when the key was last taken or lost (zero: never taken)
}

// releaseWait bounds how long a departing leader waits for its work.
const releaseWait = 60 * time.Second

// pingTimeout bounds the leader's check of its session. A check that does
// not answer in time counts as a lost session (the leader stops working the
// key before a standby may take it), so it must stay well under the time
// the server takes to drop a dead session's locks (the keepalive settings
// in hold: about 20 s). It is not the retry interval: a check of a healthy
// session on a busy machine can take longer than a short interval, and
// each such check handed the key to a standby and back.
const pingTimeout = 5 * time.Second

// NewLeader returns a Leader for product's keys (LeaderKeys), all held
// together; retry is how often a standby tries to take them and a leader
// checks its connection.
func NewLeader(db *sql.DB, product synctype.Product, keys []int64, retry time.Duration, logger *slog.Logger, metrics *Metrics) (*Leader, error) {
	if db == nil {
		return nil, errors.New("sync: leader: nil database")
	}
	if retry <= 0 {
		return nil, fmt.Errorf("sync: leader: retry interval %v must be positive", retry)
	}
	if len(keys) == 0 {
		return nil, errors.New("sync: leader: no key")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// A replica that never leads exports 0 all the same: with every replica
	// at 0, the PlutoraSyncNoLeader alert sees a product nobody works.
	metrics.Leader(product, false)
	return &Leader{db: db, product: product, keys: keys, retry: retry, logger: logger, metrics: metrics, change: make(chan struct{})}, nil
}

// Enter starts a piece of work under the key: while this replica holds the
// key it returns true and a context derived from ctx that is also cancelled
// when the leadership ends, and done, which the work must call when it ends.
// The lock is released only after all work has ended, so that no key is
// worked by two replicas at once.
func (l *Leader) Enter(ctx context.Context) (wctx context.Context, done func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.term == nil {
		return nil, func() {}, false
	}
	l.work.Add(1)
	wctx, cancel := context.WithCancel(ctx)
	term := l.term
	go func() {
		select {
		case <-term:
			cancel()
		case <-wctx.Done():
		}
	}()
	return wctx, func() { cancel(); l.work.Done() }, true
}

// Held reports whether this replica holds the key.
func (l *Leader) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.term != nil
}

// Changed returns a channel closed at the next gain or loss of leadership.
func (l *Leader) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.change
}

// set records a leadership taken (held) or ended; ending it cancels the
// work admitted by Enter.
func (l *Leader) set(held bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.term != nil {
		close(l.term)
		l.term = nil
	}
	if held {
		l.term = make(chan struct{})
		l.standby = false
	}
	close(l.change)
	l.change = make(chan struct{})
	l.since = time.Now()
	l.metrics.Leader(l.product, held)
}

// State reports whether this replica holds the key and since when: when it
// took the key, or when it last lost it (zero when it never held it).
func (l *Leader) State() (held bool, since time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.term != nil, l.since
}

// Run tries to take the lock until ctx is done, then releases it. While it
// holds the lock it checks the connection every retry interval; a failed
// check ends the leadership (the server drops a dead session's locks, so a
// standby takes over).
func (l *Leader) Run(ctx context.Context) {
	defer l.metrics.Leader(l.product, false)
	for {
		held, err := l.hold(ctx)
		if err != nil && ctx.Err() == nil {
			l.logger.Warn("leadership", "product", l.product, "error", err)
		}
		if held {
			l.logger.Info("leadership lost or released", "product", l.product)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.retry):
		}
	}
}

// hold takes a connection, tries the lock, and while held, keeps checking.
func (l *Leader) hold(ctx context.Context) (held bool, err error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("leader connection: %w", err)
	}
	defer conn.Close()
	// If this process's machine dies without closing the socket, the server
	// must notice within well under a minute to drop the lock for a standby.
	load.KeepAliveSession(ctx, conn)
	ok, err := load.TryAdvisoryLocks(ctx, conn, l.keys)
	if err != nil {
		// Cancelled mid-query, a lock may have been granted all the same:
		// the session must not go back to the pool holding it.
		discard(conn)
		return false, fmt.Errorf("try advisory lock: %w", err)
	}
	if !ok {
		l.sayStandby()
		return false, nil
	}
	l.set(true)
	l.logger.Info("leadership taken", "product", l.product)
	defer func() {
		l.set(false)
		l.waitWork()
		uctx, ucancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ucancel()
		// Unlock on the same session; if that fails (the session is broken,
		// or a cancelled ping left it unusable) the session is closed
		// rather than pooled, and the server drops its locks.
		if err := load.UnlockAdvisoryLocks(uctx, conn, l.keys); err != nil {
			discard(conn)
		}
	}()
	t := time.NewTicker(l.retry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case <-t.C:
			// A ping that does not answer within pingTimeout counts as a
			// lost session: stop working the key before a standby takes it.
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err := conn.PingContext(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				return true, fmt.Errorf("leader connection lost: %w", err)
			}
		}
	}
}

// sayStandby logs that another replica holds the key: at info level the
// first time since start or since this replica last led, then at debug.
func (l *Leader) sayStandby() {
	l.mu.Lock()
	first := !l.standby
	l.standby = true
	l.mu.Unlock()
	level := slog.LevelDebug
	if first {
		level = slog.LevelInfo
	}
	l.logger.Log(context.Background(), level, "standby: another replica holds the key", "product", l.product)
}

// discard closes conn's session instead of returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

// waitWork waits for the work started under the key, at most releaseWait.
func (l *Leader) waitWork() {
	done := make(chan struct{})
	go func() { l.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(releaseWait):
		l.logger.Warn("releasing the key with work still running", "product", l.product)
	}
}
