package deploy

import (
	"encoding/json"
	"os"
	"testing"
)

// TestEveryFileParses decodes every YAML and JSON file under deploy/, every
// document of each (duplicate keys are errors in YAML 1.2).
func TestEveryFileParses(t *testing.T) {
	yamls := deployFiles(t, ".yaml", ".yml")
	if len(yamls) < 8 {
		t.Fatalf("only %d YAML files under deploy/: %v", len(yamls), yamls)
	}
	for _, f := range yamls {
		if len(yamlDocs(t, f)) == 0 {
			t.Errorf("%s: no YAML document", f)
		}
	}
	for _, f := range deployFiles(t, ".json") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
