package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// The kinds of request of an entity (requestEntity).
const (
	kindList   = "list"         // a page of its list, or a lookup type's values
	kindDetail = "detail"       // GET {entity}/{id}
	kindSub    = "sub-resource" // GET {entity}/{id}/{sub-resource}
)

// requestEntity names the entity an API request read, and its kind
// (kindList, kindDetail, kindSub), from its path alone, by the
// declarations' routes; "" for a request of no entity (GET /me).
func requestEntity(path string) (entity, kind string) {
	segs := strings.Split(strings.ToLower(strings.Trim(path, "/")), "/")
	for _, e := range synctype.Entities() {
		list := strings.Split(strings.ToLower(strings.Trim(e.List.Path, "/")), "/")
		if segs[0] != list[0] {
			continue
		}
		switch {
		case len(segs) == 1, slices.Equal(segs, list), e.Shape == synctype.ShapeLookups:
			return e.Name, kindList
		case len(segs) == 2:
			return e.Name, kindDetail
		default:
			return e.Name, kindSub
		}
	}
	return "", ""
}

// entityRequests are the requests of one entity, by kind.
type entityRequests map[string]int

func (r entityRequests) all() int { return r[kindList] + r[kindDetail] + r[kindSub] }

// countByEntity counts the API requests of logs (tokens left out) by entity
// and kind, those that in says are in the span counted.
func countByEntity(logs [][]plutoratest.LoggedRequest, in func(entity string, at time.Time) bool) map[string]entityRequests {
	out := map[string]entityRequests{}
	for _, log := range logs {
		for _, r := range log {
			e, kind := requestEntity(r.Path)
			if e == "" || !in(e, r.At) {
				continue
			}
			if out[e] == nil {
				out[e] = entityRequests{}
			}
			out[e][kind]++
		}
	}
	return out
}

// writePerEntity prints each entity's requests, from the sandbox's log: those
// of its first load (until its first successful run ended), and those per
// hour while measuring.
func writePerEntity(w io.Writer, o freshOptions, f *freshFigures) {
	hours := o.duration.Hours()
	fmt.Fprintln(w, "\nRequests per entity (the sandbox's log): each one's first load, until its first successful run ended, and per hour while measuring:")
	fmt.Fprintln(w, "\n| entity | first load: list pages | details | sub-resources | all | per hour: list pages | details | sub-resources | all |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, e := range synctype.Entities() {
		l, s := f.FirstLoadBy[e.Name], f.WindowBy[e.Name]
		per := func(n int) string { return fmt.Sprintf("%.1f", float64(n)/hours) }
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %s | %s | %s | %s |\n", e.Name, l[kindList], l[kindDetail], l[kindSub], l.all(),
			per(s[kindList]), per(s[kindDetail]), per(s[kindSub]), per(s.all()))
	}
	if f.Check != "" {
		fmt.Fprintf(w, "\nThe planner's figures (`plutora-sync check` on the same sandbox and warehouse, at the end):\n\n```\n%s```\n", f.Check)
	}
}
