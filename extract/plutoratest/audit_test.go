package plutoratest

import (
	"testing"
	"time"
)

func TestMaxInWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(secs ...int) []time.Time {
		var out []time.Time
		for _, s := range secs {
			out = append(out, t0.Add(time.Duration(s)*time.Second))
		}
		return out
	}
	tests := []struct {
		name  string
		times []time.Time
		w     time.Duration
		most  int
		from  time.Time
	}{
		{"none", nil, time.Minute, 0, time.Time{}},
		{"the window is closed at both ends", at(0, 60, 61), time.Minute, 2, t0},
		{"unsorted input", at(130, 0, 100, 120, 5), time.Minute, 3, t0.Add(100 * time.Second)},
		{"all in one", at(3, 2, 1), time.Hour, 3, t0.Add(time.Second)},
	}
	for _, tt := range tests {
		most, from := MaxInWindow(tt.times, tt.w)
		if most != tt.most || !from.Equal(tt.from) {
			t.Errorf("%s: MaxInWindow = %d from %v, want %d from %v", tt.name, most, from, tt.most, tt.from)
		}
	}
}
