package plutoratest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the generator")

// TestGoldenRecords pins the first record of every entity, and the first
// user, for seed 1, so a change to the generator (which other packages'
// tests see) is deliberate: run `go test -run Golden -update
// ./extract/plutoratest/` and review the diff.
func TestGoldenRecords(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, Sizes: Sizes{Changes: 3, Releases: 3, Environments: 3, Hosts: 3, Systems: 3, Defects: 3}})
	names := []string{"users"}
	for _, spec := range specs {
		names = append(names, spec.name)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			id := s.IDs(name)[0]
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, s.Records(name)[id], "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Fatalf("%s record for seed 1 changed; if deliberate, run with -update.\ngot:\n%s", name, pretty.Bytes())
			}
		})
	}
}
