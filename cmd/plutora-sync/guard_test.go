package main

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// runBinary runs the binary with env and returns its exit code and stderr.
func runBinary(t *testing.T, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// run and sync from a real Plutora (here the sandbox behind a loopback
// proxy that hides its header) refuse a database the sandbox was synced
// into: exit 4 and the reason, unless --force.
func TestBinaryRefusesToMixSandboxAndReal(t *testing.T) {
	t.Parallel()
	bin := workertest.Binary(t)
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 7, Sizes: plutoratest.Sizes{Changes: 120, Releases: 30, Environments: 10, Hosts: 20, Systems: 10, Defects: 50}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := loadtest.NewEmptyDB(t)
	if code, out := runBinary(t, bin, sandboxEnv(t, sb, dsn), "sync"); code != exitOK {
		t.Fatalf("sync from the sandbox: exit %d\n%s", code, out)
	}
	realVars := workertest.RealEnv(t, sb, workertest.AsyncCommit(t, dsn))
	realEnv := workertest.Environ(realVars, "LOG_FORMAT=json", "METRICS_ADDR=127.0.0.1:0")
	want := fmt.Sprintf("plutora-sync: refused: database %s holds %d runs synced from the sandbox (%s); syncing plutora from %s, which is not the sandbox, would mix real records with sandbox ones. Point DATABASE_URL at another database, or use --force\n",
		daemon.RedactURL(realVars["DATABASE_URL"]), len(synctype.Entities()), min(sb.Plutora.URL, sb.Test.URL), realVars["PLUTORA_API_URL"])
	for _, cmd := range []string{"sync", "run"} {
		code, out := runBinary(t, bin, realEnv, cmd)
		if code != exitRefused || !strings.HasSuffix(out, want) {
			t.Errorf("%s from a real Plutora: exit %d, want %d and the last line\n%s\ngot\n%s", cmd, code, exitRefused, want, out)
		}
	}
	if code, out := runBinary(t, bin, realEnv, "sync", "--force"); code != exitOK {
		t.Errorf("sync --force: exit %d\n%s", code, out)
	}
}
