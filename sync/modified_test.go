package sync

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// BenchmarkPageDates reads the modified time of every record of a page of
// 100 changes as the sandbox serves them, as a seek does for each page; one
// op is one page.
func BenchmarkPageDates(b *testing.B) {
	s, err := plutoratest.NewServer(plutoratest.Options{Sizes: plutoratest.Sizes{Changes: 100}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e, _ := synctype.EntityByName("changes")
	pg := synctype.Page{}
	for _, r := range s.Records("changes") {
		pg.Records = append(pg.Records, r)
	}
	// A seek's page comes in ascending order of its modified time.
	slicesSortByModified(b, pg.Records, e.ModifiedField)
	b.ReportAllocs()
	for b.Loop() {
		d, err := pageDates(e, pg, time.Time{})
		if err != nil || len(d.all) != 100 {
			b.Fatalf("%d dates, err %v", len(d.all), err)
		}
	}
}

func slicesSortByModified(b *testing.B, recs []json.RawMessage, field string) {
	at := func(r json.RawMessage) time.Time {
		t, ok := modifiedOf(r, field)
		if !ok {
			b.Fatalf("no %s in %.100s", field, r)
		}
		return t
	}
	for i := 1; i < len(recs); i++ {
		for j := i; j > 0 && at(recs[j]).Before(at(recs[j-1])); j-- {
			recs[j], recs[j-1] = recs[j-1], recs[j]
		}
	}
}

// TestModifiedOf: the field in any case, RFC 3339 or zone-less (UTC); no
// time from a missing field, a number, or what is not an object.
func TestModifiedOf(t *testing.T) {
	want := time.Date(2026, 3, 1, 10, 4, 5, 120000000, time.UTC)
	for rec, ok := range map[string]bool{
		`{"id":"a","lastModifiedDate":"2026-03-01T10:04:05.12Z"}`:      true,
		`{"LASTMODIFIEDDATE":"2026-03-01T11:04:05.12+01:00","x":[{}]}`: true,
		`{"lastModifiedDate":"2026-03-01T10:04:05.12"}`:                true,
		`{"lastModifiedDate":20260301}`:                                false,
		`{"lastModifiedDate":null}`:                                    false,
		`{"modified":"2026-03-01T10:04:05.12Z"}`:                       false,
		`["2026-03-01T10:04:05.12Z"]`:                                  false,
	} {
		got, found := modifiedOf(json.RawMessage(rec), "lastModifiedDate")
		if found != ok || ok && !got.Equal(want) {
			t.Errorf("modifiedOf(%s) = %v, %v; want %v, %v", rec, got, found, want, ok)
		}
	}
}
