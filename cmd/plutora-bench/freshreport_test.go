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

func TestRequestEntity(t *testing.T) {
	const id = "6f1c0e0a-0000-4000-8000-000000000001"
	for path, want := range map[string][2]string{
		"/changes/filter":                 {"changes", kindList},
		"/changes/" + id:                  {"changes", kindDetail},
		"/Releases/filter":                {"releases", kindList},
		"/releases/" + id:                 {"releases", kindDetail},
		"/releases/" + id + "/phases":     {"releases", kindSub},
		"/releases/" + id + "/criterias":  {"releases", kindSub},
		"/TECRs/filter":                   {"tecrs", kindList},
		"/TECRs/" + id + "/LinkedChanges": {"tecrs", kindSub},
		"/Bookings":                       {"bookings", kindList},
		"/defects/Search":                 {"defects", kindList},
		"/defects/" + id:                  {"defects", kindDetail},
		"/hosts":                          {"hosts", kindList},
		"/lookupfields":                   {"lookup_values", kindList},
		"/lookupfields/StackLayer":        {"lookup_values", kindList},
		"/environmentgroups":              {"environment_groups", kindList},
		"/me":                             {"", ""},
	} {
		if e, k := requestEntity(path); e != want[0] || k != want[1] {
			t.Errorf("requestEntity(%q) = %q, %q; want %q, %q", path, e, k, want[0], want[1])
		}
	}
}
