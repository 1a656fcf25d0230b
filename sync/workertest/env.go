package workertest

import (
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// ProductEnv returns the variables that point the worker at one product of
// the sandbox: PLUTORA_… for sb.Plutora, PLUTORATEST_… for sb.Test.
func ProductEnv(p *plutoratest.Product) map[string]string {
	prefix := strings.ToUpper(p.Name) + "_"
	c := p.Credentials()
	return map[string]string{
		prefix + "API_URL":       p.URL,
		prefix + "TOKEN_URL":     p.TokenURL,
		prefix + "CLIENT_ID":     c.ClientID,
		prefix + "CLIENT_SECRET": c.ClientSecret,
		prefix + "USERNAME":      c.Username,
		prefix + "PASSWORD":      c.Password,
	}
}

// SandboxEnv returns the variables of a worker that syncs both products of
// sb into the database dsn.
func SandboxEnv(sb *plutoratest.Server, dsn string) map[string]string {
	env := map[string]string{"DATABASE_URL": dsn}
	for _, p := range []*plutoratest.Product{sb.Plutora, sb.Test} {
		for k, v := range ProductEnv(p) {
			env[k] = v
		}
	}
	return env
}

// Environ renders vars as the environment of a process (KEY=value, sorted),
// with the test's PATH and HOME so that the binary finds what it needs, and
// extra KEY=value entries after them: os/exec keeps the last of a repeated
// key, so extra overrides vars.
func Environ(vars map[string]string, extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return append(env, extra...)
}

// AsyncCommit returns dsn with synchronous_commit=off: the worker's commits
// do not wait for the disk, which keeps a suite fast on a busy disk. A test
// database need not survive a power cut, and the server does not crash in
// these tests (only the worker is killed), so nothing committed is lost.
func AsyncCommit(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("workertest: database URL: %v", err)
	}
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}
