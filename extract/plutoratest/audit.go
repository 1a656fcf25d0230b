package plutoratest

import (
	"slices"
	"time"
)

// MaxInWindow returns the most of times (such as the At of RequestLog
// entries) that fit in one closed window [t, t+w], and the t where such a
// window starts: the figure a budget audit compares with the budget. It
// sorts times in place.
func MaxInWindow(times []time.Time, w time.Duration) (most int, from time.Time) {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	j := 0
	for i := range times {
		for j < len(times) && !times[j].After(times[i].Add(w)) {
			j++
		}
		if j-i > most {
			most, from = j-i, times[i]
		}
	}
	return most, from
}
