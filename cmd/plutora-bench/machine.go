package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// machine describes where the figures came from.
type machine struct {
	CPU      string
	Cores    int
	MemGiB   float64
	Go       string
	Postgres string
}

func (m machine) String() string {
	return fmt.Sprintf("%s, %d cores, %.0f GiB, %s/%s, %s, PostgreSQL %s",
		m.CPU, m.Cores, m.MemGiB, runtime.GOOS, runtime.GOARCH, m.Go, m.Postgres)
}

func readMachine(ctx context.Context, serverURL string) machine {
	m := machine{CPU: "unknown CPU", Cores: runtime.NumCPU(), Go: runtime.Version(), Postgres: "unknown"}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPU = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		var kb float64
		if _, err := fmt.Sscanf(v, "%f kB", &kb); err == nil {
			m.MemGiB = kb / (1 << 20)
		}
	}
	if db, err := sql.Open("postgres", serverURL); err == nil {
		defer db.Close()
		var v string
		if db.QueryRowContext(ctx, "SHOW server_version").Scan(&v) == nil {
			m.Postgres = strings.Fields(v)[0]
		}
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
