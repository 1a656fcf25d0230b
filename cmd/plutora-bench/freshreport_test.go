package main

import "testing"

func TestRequestClass(t *testing.T) {
	for path, want := range map[string]string{
		"/changes/filter":  "polls",
		"/Releases/filter": "polls",
		"/defects/Search":  "polls",
		"/hosts":           "sweeps",
		"/environments":    "sweeps",
		"/systems/6f1c0e0a-0000-4000-8000-000000000001":  "details",
		"/releases/6f1c0e0a-0000-4000-8000-000000000001": "details",
		"/lookupfields/StackLayer":                       "reference",
		"/users":                                         "reference",
		"/environmentgroups":                             "reference",
		"/me":                                            "other",
		"/releases/6f1c0e0a-0000-4000-8000-000000000001/phases": "other",
	} {
		if got := requestClass(path); got != want {
			t.Errorf("requestClass(%q) = %q, want %q", path, got, want)
		}
	}
}
