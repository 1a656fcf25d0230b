package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Result is one benchmark line of `go test -bench` output.
type Result struct {
	Pkg     string   // import path, from the preceding "pkg:" line
	Name    string   // e.g. BenchmarkPagesServed/GET-changes (the -GOMAXPROCS suffix removed)
	N       int      // iterations
	Metrics []Metric // in the order printed: ns/op, custom metrics, B/op, allocs/op
}

// Metric is one value and its unit.
type Metric struct {
	Value float64
	Unit  string
}

// Get returns the value of unit and whether the result has it.
func (r Result) Get(unit string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Unit == unit {
			return m.Value, true
		}
	}
	return 0, false
}

// Parse reads `go test -bench` output and returns its benchmark results.
// Lines that are not results (PASS, ok, logs) are skipped; a line that starts
// like a result but cannot be read is an error naming the line.
func Parse(r io.Reader) ([]Result, error) {
	var out []Result
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue // a benchmark's name alone, printed before its logs
		}
		iters, err := strconv.Atoi(fields[1])
		if err != nil {
			continue // "BenchmarkX ... --- FAIL" and other non-result lines
		}
		if len(fields)%2 != 0 {
			return nil, fmt.Errorf("line %d: value without unit: %q", n, line)
		}
		res := Result{Pkg: pkg, Name: trimProcs(fields[0]), N: iters}
		for i := 2; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value %q: %w", n, fields[i], err)
			}
			res.Metrics = append(res.Metrics, Metric{Value: v, Unit: fields[i+1]})
		}
		out = append(out, res)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	return out, nil
}

// trimProcs removes the "-8" GOMAXPROCS suffix go test appends to a name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}
