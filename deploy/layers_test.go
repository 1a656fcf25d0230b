package deploy

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// modulePath is the module's import path (go.mod).
const modulePath = "github.com/plutora-sync/plutora-sync/"

// floor is where a package sits in the layout (docs/design.md, "Target
// layout"): schema → extract, load (side by side) → sync → sync/config →
// sync/daemon → cmd. A package may import one on a lower floor, or one of its
// own group; never one above, nor a neighbour on the same floor.
type floor struct {
	level int
	group string
}

// floors gives each directory its floor by the longest prefix that matches.
// A new directory that matches none fails TestImportsRunDown: give it its
// floor here.
var floors = map[string]floor{
	"schema":              {0, "schema"}, // the leaf: synctype, redact, the migrations
	"extract":             {1, "extract"},
	"extract/plutoratest": {1, "sandbox"}, // imports only the leaf
	"load":                {1, "load"},
	"sync":                {2, "sync"},
	"sync/config":         {3, "config"},
	"sync/statuspage":     {4, "statuspage"}, // HTML over load, served by the daemon
	"sync/daemon":         {5, "daemon"},
	"sync/soak":           {6, "tests"}, // test-only: runs the built binary
	"cmd":                 {6, "cmd"},
	"deploy":              {7, "deploy"},
}

// floorOf returns the floor of the package in dir (slash-separated, relative
// to the module's root).
func floorOf(dir string) (floor, bool) {
	best, found := "", false
	for prefix := range floors {
		if (dir == prefix || strings.HasPrefix(dir, prefix+"/")) && len(prefix) >= len(best) {
			best, found = prefix, true
		}
	}
	return floors[best], found
}

// TestImportsRunDown keeps the layout's floors: no non-test Go file imports a
// package of the module on a floor above its own, or a neighbour beside it
// (extract and load know nothing of each other). The same graph, for anyone:
// go list -f '{{.ImportPath}}: {{join .Imports " "}}' ./... | grep plutora-sync
func TestImportsRunDown(t *testing.T) {
	imports := moduleImports(t, "..")
	if len(imports) == 0 {
		t.Fatal("no package of the module found from ..")
	}
	for _, from := range sortedKeys(imports) {
		ff, ok := floorOf(from)
		if !ok {
			t.Errorf("%s has no floor: give it one in layers_test.go's floors", from)
			continue
		}
		for _, to := range imports[from] {
			tf, ok := floorOf(to)
			switch {
			case !ok:
				t.Errorf("%s imports %s, which has no floor", from, to)
			case tf.level > ff.level:
				t.Errorf("%s (floor %d) imports %s (floor %d): an import runs back up", from, ff.level, to, tf.level)
			case tf.level == ff.level && tf.group != ff.group:
				t.Errorf("%s imports %s beside it on floor %d: %s and %s are not to know each other", from, to, ff.level, ff.group, tf.group)
			}
		}
	}
}

// moduleImports returns, for each directory under root holding non-test Go
// files, the module's packages they import, each once (directories relative
// to root).
func moduleImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		dir = filepath.ToSlash(dir)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rest, ok := strings.CutPrefix(p, modulePath); ok && rest != dir && !slices.Contains(out[dir], rest) {
				out[dir] = append(out[dir], rest)
			}
		}
		if _, seen := out[dir]; !seen {
			out[dir] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
