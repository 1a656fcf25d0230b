package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f, err := os.Open("testdata/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{Pkg: "github.com/plutora-sync/plutora-sync/extract/plutoratest", Name: "BenchmarkPagesServed/GET-changes", N: 2172,
			Metrics: []Metric{{551234, "ns/op"}, {1814, "pages/s"}, {152345, "B/page"}, {48213, "B/op"}, {312, "allocs/op"}}},
		{Pkg: "github.com/plutora-sync/plutora-sync/extract/plutoratest", Name: "BenchmarkBuildChange", N: 100000,
			Metrics: []Metric{{11871, "ns/op"}, {1523, "B/record"}}},
		{Pkg: "github.com/plutora-sync/plutora-sync/load", Name: "BenchmarkWritePage/first-load", N: 50,
			Metrics: []Metric{{3.7e6, "ns/op"}, {27012.5, "rows/s"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", got, want)
	}
	if v, ok := got[0].Get("pages/s"); !ok || v != 1814 {
		t.Errorf("Get(pages/s) = %v, %v", v, ok)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"BenchmarkX-2 10 12 ns/op 5\n", "line 1: value without unit"},
		{"pkg: p\nBenchmarkX-2 10 abc ns/op\n", `line 2: value "abc"`},
	} {
		_, err := Parse(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/bench.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("BenchmarkX-2 1 2 ns/op\n")
	f.Fuzz(func(t *testing.T, in string) {
		res, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range res {
			if !strings.HasPrefix(r.Name, "Benchmark") {
				t.Fatalf("result %q does not name a benchmark", r.Name)
			}
		}
	})
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		m    Metric
		want string
	}{
		{Metric{551234, "ns/op"}, "551.2 µs/op"},
		{Metric{3.7e6, "ns/op"}, "3.70 ms/op"},
		{Metric{14112020000, "ns/op"}, "14.11 s/op"},
		{Metric{27012.5, "rows/s"}, "27,013 rows/s"},
		{Metric{312, "allocs/op"}, "312 allocs/op"},
		{Metric{0.25, "ratio"}, "0.25 ratio"},
	} {
		if got := formatMetric(tc.m); got != tc.want {
			t.Errorf("formatMetric(%v) = %q, want %q", tc.m, got, tc.want)
		}
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands = %q", got)
	}
}
