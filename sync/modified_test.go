package sync

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2016-12-31T00:00:00", want: time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC)},
		{in: "2025-06-20T17:29:55.883", want: time.Date(2025, 6, 20, 17, 29, 55, 883e6, time.UTC)},
		{in: "2017-01-09T03:17:38.9137257+00:00", want: time.Date(2017, 1, 9, 3, 17, 38, 913725700, time.UTC)},
		{in: "2017-01-09T05:17:38+02:00", want: time.Date(2017, 1, 9, 3, 17, 38, 0, time.UTC)},
		{in: "2017-01-09T03:17:38Z", want: time.Date(2017, 1, 9, 3, 17, 38, 0, time.UTC)},
		{in: "2019-01-01", want: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "yesterday", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("ParseDate(%q) error %v, bad %v", tt.in, err, tt.bad)
			continue
		}
		if !tt.bad && !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMaxModified(t *testing.T) {
	recs := []json.RawMessage{
		json.RawMessage(`{"id":"a","lastModifiedDate":"2025-01-02T00:00:00"}`),
		json.RawMessage(`{"id":"b","lastModifiedDate":"2025-03-02T00:00:00.5+00:00"}`),
		json.RawMessage(`{"id":"c","lastModifiedDate":null}`),
		json.RawMessage(`{"id":"d","lastModifiedDate":"garbage"}`),
		json.RawMessage(`not json`),
	}
	got := maxModified(recs, "lastModifiedDate")
	if want := time.Date(2025, 3, 2, 0, 0, 0, 5e8, time.UTC); got == nil || !got.Equal(want) {
		t.Errorf("maxModified = %v, want %v", got, want)
	}
	if got := maxModified(recs[2:], "lastModifiedDate"); got != nil {
		t.Errorf("maxModified of unparseable = %v, want nil", got)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2016-12-31T00:00:00", "2017-01-09T03:17:38.9137257+00:00", "2019-01-01", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err == nil && d.Location() != time.UTC {
			t.Errorf("ParseDate(%q) not in UTC", s)
		}
	})
}

func FuzzMaxModified(f *testing.F) {
	f.Add([]byte(`{"lastModifiedDate":"2025-01-02T00:00:00"}`))
	f.Add([]byte(`{"lastModifiedDate":1}`))
	f.Add([]byte(`{"Id":"A-B","LastModifiedDate":"2017-01-09T03:17:38.9137257+00:00"}`))
	f.Add([]byte(`{"id":7,"lastModifiedDate":"2025-01-02"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		maxModified([]json.RawMessage{b}, "lastModifiedDate")
		ids, m := scanPage([]json.RawMessage{b}, "id", "lastModifiedDate")
		if len(ids) > 1 || (m != nil && m.Location() != time.UTC) {
			t.Errorf("scanPage(%q) = %v, %v", b, ids, m)
		}
		scanPage([]json.RawMessage{b}, "Key", "Modified")
	})
}

// BenchmarkScanPage measures the runner's own CPU per page: ids and the
// newest modified time of 100 records.
func BenchmarkScanPage(b *testing.B) {
	recs := make([]json.RawMessage, 100)
	for i := range recs {
		recs[i] = json.RawMessage(`{"id":"0f6ecf53-f9db-4edc-84b9-62958c16524` + string(rune('0'+i%10)) +
			`","name":"a change with a longish name","description":"<p>html</p>","lastModifiedDate":"2025-06-20T17:29:55.883",` +
			`"stakeholders":[{"userId":"x","user":"y"}],"systems":[{"systemId":"s","name":"n"}]}`)
	}
	b.ReportAllocs()
	for b.Loop() {
		scanPage(recs, "id", "lastModifiedDate")
	}
}
