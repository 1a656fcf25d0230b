// Package pgsettings gives the PostgreSQL session settings that the worker's
// connections run with, and adds them to a connection string.
package pgsettings

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// settings are the PostgreSQL settings the worker's connections run
// with, sent as run-time parameters when a connection starts.
//
// jit is off: the planner decides to JIT-compile a statement when its
// estimated cost passes jit_above_cost (100,000 by default), and the page
// statement's estimate (about 55,000 for changes on an empty warehouse)
// grows with its child tables and its set-returning functions. With JIT
// forced on every statement, the PageWriter benchmark's first load runs at
// a tenth of its speed (1,007 against 9,981 rows/s, 980 against 90 µs of
// server CPU per record):
//
//	TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&jit=on&jit_above_cost=0' \
//	PLUTORA_BENCH_ROWS=1000 go test -run '^$' -bench PageWriter -benchtime 1x ./load/
//
// The worker runs no long analytic query that compiling would pay for.
//
// application_name names the worker and its host in pg_stat_activity, so
// that the status page (and a DBA) can tell which replica's session holds
// a product's lock.
func settings() [][2]string {
	return [][2]string{{"jit", "off"}, {"application_name", ApplicationName()}}
}

// ApplicationName is the application_name the worker's sessions carry
// unless the connection string sets one: plutora-sync@ and the host name
// (a pod's name on Kubernetes), which never holds a space or a quote.
func ApplicationName() string {
	host, err := os.Hostname()
	if err != nil || host == "" || strings.ContainsAny(host, " '\\") {
		return "plutora-sync"
	}
	return "plutora-sync@" + host
}

// Add returns the connection string dsn (a postgres:// URL
// or key=value pairs) with the worker's session settings added, each unless
// dsn sets it already. Open the database the load.Writer uses with it.
func Add(dsn string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("database URL: %w", err)
		}
		q := u.Query()
		for _, kv := range settings() {
			if !q.Has(kv[0]) {
				q.Set(kv[0], kv[1])
			}
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	for _, kv := range settings() {
		if !hasKey(dsn, kv[0]) {
			dsn = strings.TrimSpace(dsn + " " + kv[0] + "=" + kv[1])
		}
	}
	return dsn, nil
}

// hasKey reports whether the key=value connection string dsn sets key.
func hasKey(dsn, key string) bool {
	for _, f := range strings.Fields(dsn) {
		if k, _, ok := strings.Cut(f, "="); ok && k == key {
			return true
		}
	}
	return false
}
