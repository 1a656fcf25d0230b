package plutoratest_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The walk of Plutora's core objects (docs/plutora-api.md, "Core
// objects"): bookings, TECRs, TEBRs, a release's schedule and the work item
// names, as Plutora's Jira and booking scripts read them.

var (
	bookingFields = []string{"id", "environmentId", "isEnvironmentGroup", "releaseId", "phaseId", "tebrId",
		"startDate", "endDate", "status", "state", "statusUpdaterId", "timeStamp"}
	requestFields = []string{"id", "number", "title", "description", "status", "type", "priority",
		"organizationId", "organization", "raisedById", "raisedBy", "assignedToId", "assignedTo",
		"environmentIds", "requiredDate", "createdDate", "lastModifiedDate", "lastModifiedBy"}
	coreFields = map[string][]string{
		"bookings": bookingFields,
		"tecrs":    requestFields,
		"tebrs":    append(slices.Clone(requestFields), "startDate", "endDate"),
		"phases":   {"id", "releaseId", "workItemNameId", "name", "startDate", "endDate", "status"},
		"gates":    {"id", "releaseId", "workItemNameId", "name", "startDate", "endDate", "status"},
		"activities": {"id", "releaseId", "assignedWorkItemID", "title", "type", "status", "assignedToId",
			"assignedTo", "startDate", "endDate", "forecastDate", "completion"},
	}
	coreReferences = []reference{
		{"bookings", "environments", []string{"environmentId"}, ""},
		{"bookings", "releases", []string{"releaseId"}, ""},
		{"bookings", "phases", []string{"phaseId"}, ""},
		{"bookings", "tebrs", []string{"tebrId"}, ""},
		{"bookings", "users", []string{"statusUpdaterId"}, ""},
		{"tecrs", "organizations", []string{"organizationId"}, "organization"},
		{"tecrs", "users", []string{"raisedById"}, "raisedBy"},
		{"tecrs", "users", []string{"assignedToId"}, "assignedTo"},
		{"tecrs", "environments", []string{"environmentIds"}, ""},
		{"tebrs", "organizations", []string{"organizationId"}, "organization"},
		{"tebrs", "users", []string{"raisedById"}, "raisedBy"},
		{"tebrs", "users", []string{"assignedToId"}, "assignedTo"},
		{"tebrs", "environments", []string{"environmentIds"}, ""},
		{"phases", "releases", []string{"releaseId"}, ""},
		{"phases", "phaseNames", []string{"workItemNameId"}, "name"},
		{"gates", "releases", []string{"releaseId"}, ""},
		{"gates", "gateNames", []string{"workItemNameId"}, "name"},
		{"activities", "phases", []string{"assignedWorkItemID"}, ""},
		{"activities", "users", []string{"assignedToId"}, "assignedTo"},
		{"criterias", "gates", []string{"assignedWorkItemID"}, ""},
		{"criterias", "users", []string{"assignedToId"}, "assignedTo"},
	}
)

// core walks the core objects into data and the work item names into rf;
// resolve then checks their references with the others.
func (c *script) core(data walked, rf refs) {
	for _, kind := range []string{"phases", "gates"} {
		rf[kind[:len(kind)-1]+"Names"] = map[string]string{}
		for _, n := range c.array("workitemnames", kind) {
			hasFields(c.t, kind+" name", n, []string{"id", "name", "type", "sortOrder"})
			rf[kind[:len(kind)-1]+"Names"][n["id"].(string)] = n["name"].(string)
		}
	}
	c.bookings(data)
	for _, e := range []string{"tecrs", "tebrs"} {
		data[e] = map[string]rec{}
		for i, it := range c.pages("GET", func() string { return c.path(e) }) {
			hasFields(c.t, e+" item", it, coreFields[e])
			id := it["id"].(string)
			if i%10 == 0 {
				subsetOf(c.t, e+" item", it, c.detail(e, id))
			}
			data[e][id] = it
		}
		var bare []rec
		if b := c.do("GET", c.path(e), ""); json.Unmarshal(b, &bare) != nil || len(bare) != len(data[e]) {
			c.t.Fatalf("GET /%s without pageNum: %d items, want a bare array of %d", e, len(bare), len(data[e]))
		}
		filtered := c.pages("POST", func() string { return c.path(e, "filter") })
		if len(filtered) != len(data[e]) {
			c.t.Fatalf("POST /%s/filter: %d records, the list has %d", e, len(filtered), len(data[e]))
		}
	}
	c.schedules(data)
	c.requestLinks(data)
}

// bookings reads GET /Bookings (an envelope even without pageNum) and
// checks each state against the overlaps of its environment's bookings.
func (c *script) bookings(data walked) {
	items := c.pages("GET", func() string { return c.path("Bookings") })
	data["bookings"] = map[string]rec{}
	for _, b := range items {
		hasFields(c.t, "booking", b, bookingFields)
		data["bookings"][b["id"].(string)] = b
	}
	if keys := topKeys(c.t, c.do("GET", c.path("Bookings"), "")); !slices.Equal(keys, envelopeKeys) {
		c.t.Fatalf("GET /Bookings without pageNum: keys %v, want the envelope (always paged)", keys)
	}
	states := map[string]int{}
	for _, b := range items {
		want := expectedState(c.t, b, items)
		if b["state"] != want {
			c.t.Fatalf("booking %v: state %v, want %s (its environment's bookings: %v)", b["id"], b["state"], want, overlapping(c.t, b, items))
		}
		states[want]++
	}
	if states["Conflicting"] == 0 || states["In Use"] == 0 || states["Available"] == 0 {
		c.t.Fatalf("booking states %v: want each of Conflicting, In Use and Available", states)
	}
}

// expectedState is a booking's state by brute force: Conflicting when
// another booking of its environment overlaps it, else In Use when Approved
// and Available when Pending.
func expectedState(t interface{ Fatalf(string, ...any) }, b rec, all []rec) string {
	if len(overlapping(t, b, all)) > 0 {
		return "Conflicting"
	}
	if b["status"] == "Approved" {
		return "In Use"
	}
	return "Available"
}

// overlapping returns the ids of the other bookings of b's environment
// whose [startDate, endDate) overlaps b's.
func overlapping(t interface{ Fatalf(string, ...any) }, b rec, all []rec) []string {
	span := func(x rec) (time.Time, time.Time) {
		s, err1 := time.Parse("2006-01-02T15:04:05", x["startDate"].(string))
		e, err2 := time.Parse("2006-01-02T15:04:05", x["endDate"].(string))
		if err1 != nil || err2 != nil || !s.Before(e) {
			t.Fatalf("booking %v: period %v to %v", x["id"], x["startDate"], x["endDate"])
		}
		return s, e
	}
	s, e := span(b)
	var out []string
	for _, o := range all {
		if o["id"] == b["id"] || o["environmentId"] != b["environmentId"] {
			continue
		}
		if os, oe := span(o); s.Before(oe) && os.Before(e) {
			out = append(out, o["id"].(string))
		}
	}
	return out
}

// schedules reads every release's phases, gates, activities and criteria,
// checks that each item belongs to its release, an activity's work item is
// a phase of it and a criterion's a gate of it, and that every booking's
// phase is one of its release's; an unknown release answers 404.
func (c *script) schedules(data walked) {
	for _, kind := range []string{"phases", "gates", "activities", "criterias"} {
		data[kind] = map[string]rec{}
	}
	for id := range data["releases"] {
		for _, kind := range []string{"phases", "gates", "activities", "criterias"} {
			fields := coreFields[kind]
			if kind == "criterias" {
				fields = coreFields["activities"]
			}
			for _, it := range c.array("releases", id, kind) {
				hasFields(c.t, "release "+kind, it, fields)
				if it["releaseId"] != id {
					c.t.Fatalf("release %s: %s %v belongs to %v", id, kind, it["id"], it["releaseId"])
				}
				data[kind][it["id"].(string)] = it
			}
		}
	}
	for kind, of := range map[string]string{"activities": "phases", "criterias": "gates"} {
		for _, it := range data[kind] {
			if w := data[of][fmt.Sprint(it["assignedWorkItemID"])]; w == nil || w["releaseId"] != it["releaseId"] {
				c.t.Fatalf("%s %v: assignedWorkItemID %v is not one of its release's %s", kind, it["id"], it["assignedWorkItemID"], of)
			}
		}
	}
	for _, b := range data["bookings"] {
		if ph := data["phases"][b["phaseId"].(string)]; ph == nil || ph["releaseId"] != b["releaseId"] {
			c.t.Fatalf("booking %v: phase %v is not a phase of release %v", b["id"], b["phaseId"], b["releaseId"])
		}
	}
	for _, kind := range []string{"phases", "gates", "activities", "criterias"} {
		if len(data[kind]) == 0 {
			c.t.Fatalf("no release has %s", kind)
		}
		if status, _ := c.call("GET", c.path("releases", "0badc0de-0000-4000-8000-000000000000", kind), ""); status != 404 {
			c.t.Fatalf("%s of an unknown release: %d, want 404", kind, status)
		}
	}
}

// requestLinks reads a sample of TECRs' linked changes and every TEBR's
// bookings: the changes exist, and a TEBR's bookings are exactly those
// that name it, on its environments; unknown ids answer 404.
func (c *script) requestLinks(data walked) {
	n, linked := 0, 0
	for id := range data["tecrs"] {
		for _, ch := range c.array("TECRs", id, "LinkedChanges") {
			subsetOf(c.t, "TECR linked change", ch, data["changes"][fmt.Sprint(ch["id"])])
			linked++
		}
		if n++; n == 20 {
			break
		}
	}
	if linked == 0 {
		c.t.Fatal("no TECR links a change")
	}
	for id, tebr := range data["tebrs"] {
		var got []string
		for _, b := range c.array("TEBRs", id, "Bookings") {
			subsetOf(c.t, "TEBR booking", b, data["bookings"][fmt.Sprint(b["id"])])
			if !slices.Contains(values(tebr, []string{"environmentIds"}), b["environmentId"].(string)) {
				c.t.Fatalf("TEBR %s: booking %v is on %v, not one of its environments", id, b["id"], b["environmentId"])
			}
			got = append(got, b["id"].(string))
		}
		var want []string
		for bid, b := range data["bookings"] {
			if b["tebrId"] == id {
				want = append(want, bid)
			}
		}
		if !slices.Equal(sorted(got), sorted(want)) {
			c.t.Fatalf("TEBR %s: /Bookings %v, the bookings naming it %v", id, got, want)
		}
	}
	for _, p := range [][]string{{"TECRs", "0badc0de-0000-4000-8000-000000000000"}, {"TEBRs", "0badc0de-0000-4000-8000-000000000000"},
		{"TECRs", "0badc0de-0000-4000-8000-000000000000", "LinkedChanges"}, {"TEBRs", "0badc0de-0000-4000-8000-000000000000", "Bookings"}} {
		if status, _ := c.call("GET", c.path(p...), ""); status != 404 {
			c.t.Fatalf("GET %v: %d, want 404", p, status)
		}
	}
}
