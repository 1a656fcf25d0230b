package workertest

import (
	"encoding/json"
	"testing"
)

// Canonical re-encodes a JSON document with sorted keys and no spacing, so
// that equal documents compare equal whatever their key order or spacing
// (jsonb stores neither).
func Canonical(raw []byte) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// SameJSON reports whether two JSON documents hold the same content. It
// fails the test if either is not JSON.
func SameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	ca, err := Canonical(a)
	if err != nil {
		t.Fatalf("bad JSON %q: %v", a, err)
	}
	cb, err := Canonical(b)
	if err != nil {
		t.Fatalf("bad JSON %q: %v", b, err)
	}
	return ca == cb
}
