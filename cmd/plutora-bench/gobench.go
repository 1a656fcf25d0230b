package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

var benchFunc = regexp.MustCompile(`(?m)^func Benchmark\w*\(b \*testing\.B\)`)

// benchPackages lists the module's packages whose tests define benchmarks.
func benchPackages(ctx context.Context) ([]string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .TestGoFiles \",\"}},{{join .XTestGoFiles \",\"}}", "./...").Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var pkgs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			continue
		}
		for _, f := range strings.Split(parts[2], ",") {
			if f == "" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(parts[1], f))
			if err == nil && benchFunc.Match(b) {
				pkgs = append(pkgs, parts[0])
				break
			}
		}
	}
	return pkgs, nil
}

// runGoBenchmarks runs the benchmarks of every package that has some, one
// package at a time (the machine is small), and parses what they print. The
// output also goes to log as it comes.
func runGoBenchmarks(ctx context.Context, pattern, benchtime string, env []string, log io.Writer) ([]Result, error) {
	pkgs, err := benchPackages(ctx)
	if err != nil {
		return nil, err
	}
	var all []Result
	var failed []string
	for _, pkg := range pkgs {
		var buf bytes.Buffer
		cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchmem",
			"-benchtime", benchtime, "-count", "1", "-timeout", "20m", pkg)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout = io.MultiWriter(&buf, log)
		cmd.Stderr = log
		runErr := cmd.Run()
		res, err := Parse(&buf)
		if err != nil {
			return all, fmt.Errorf("%s: %w", pkg, err)
		}
		for i := range res {
			if res[i].Pkg == "" {
				res[i].Pkg = pkg
			}
		}
		all = append(all, res...)
		if runErr != nil {
			failed = append(failed, pkg)
		}
	}
	if len(failed) > 0 {
		return all, fmt.Errorf("benchmarks failed in %s", strings.Join(failed, ", "))
	}
	return all, nil
}
