package statuspage

import (
	"fmt"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
)

// The plot's geometry, in SVG user units: 60 bars, one per minute of the
// rolling hour, in a box left of which the scale is written.
const (
	plotW, plotH      = 720.0, 150.0
	plotLeft, plotTop = 48.0, 12.0
	plotRight         = plotW - 8
	plotBottom        = plotH - 26
	minutes           = 60
)

// keyPlot is one API key's rolling hour: its requests per minute as bars,
// and the even pace that would spend the hour's budget exactly.
type keyPlot struct {
	Key, Product  string
	Total, Limit  int
	Percent       string
	Exhausted     bool
	FreesAt       string // when the budget frees up, when Exhausted
	Bars          []bar
	PaceY         string // the even pace's line
	PaceLabel     string
	MaxLabel      string
	AxisY, Bottom string
	Ticks         []tick
}

type bar struct {
	X, Y, W, H string
	Title      string
	Over       bool // above the even pace
}

type tick struct {
	X, Label string
}

// plots makes one plot per key that made requests in the rolling hour
// ending at now, keys in order.
func plots(ms []load.RequestMinute, now time.Time, limit int) []keyPlot {
	var out []keyPlot
	for i := 0; i < len(ms); {
		j := i
		for j < len(ms) && ms[j].Key == ms[i].Key {
			j++
		}
		out = append(out, plot(ms[i].Key, ms[i:j], now, limit))
		i = j
	}
	return out
}

func plot(key string, ms []load.RequestMinute, now time.Time, limit int) keyPlot {
	product, _, _ := strings.Cut(key, ":")
	k := keyPlot{Key: key, Product: productName(product), Limit: limit}
	last := now.UTC().Truncate(time.Minute)
	first := last.Add(-(minutes - 1) * time.Minute)
	counts := make([]int, minutes)
	for _, m := range ms {
		if i := int(m.Minute.Sub(first) / time.Minute); i >= 0 && i < minutes {
			counts[i] += m.Count
		}
		k.Total += m.Count
	}
	pace := float64(limit) / 60
	top := pace * 1.25
	for _, c := range counts {
		top = max(top, float64(c)*1.1)
	}
	y := func(v float64) float64 { return plotBottom - v/top*(plotBottom-plotTop) }
	step := (plotRight - plotLeft) / minutes
	for i, c := range counts {
		at := first.Add(time.Duration(i) * time.Minute)
		h := plotBottom - y(float64(c))
		if c > 0 && h < 1 {
			h = 1 // a minute with requests shows
		}
		k.Bars = append(k.Bars, bar{X: num(plotLeft + float64(i)*step + 0.5), Y: num(plotBottom - h), W: num(step - 1), H: num(h),
			Title: fmt.Sprintf("%s UTC: %d requests", at.Format("15:04"), c), Over: float64(c) > pace})
	}
	k.PaceY, k.PaceLabel = num(y(pace)), fmt.Sprintf("even pace %.0f/min", pace)
	k.MaxLabel, k.AxisY, k.Bottom = fmt.Sprintf("%.0f", top), num(plotTop), num(plotBottom)
	for _, t := range []struct {
		i     int
		label string
	}{{0, "−60 min"}, {30, "−30 min"}, {59, "now"}} {
		k.Ticks = append(k.Ticks, tick{X: num(plotLeft + (float64(t.i)+0.5)*step), Label: t.label})
	}
	if limit > 0 {
		k.Percent = fmt.Sprintf("%.1f%%", 100*float64(k.Total)/float64(limit))
	}
	if limit > 0 && k.Total >= limit {
		k.Exhausted, k.FreesAt = true, freesAt(ms, k.Total, limit, now)
	}
	return k
}

// freesAt is when the rolling hour next holds fewer than limit requests:
// an hour after the minute whose count, rolled off, brings the total under
// it.
func freesAt(ms []load.RequestMinute, total, limit int, now time.Time) string {
	for _, m := range ms {
		total -= m.Count
		if total < limit {
			at := m.Minute.Add(time.Hour + time.Minute)
			return fmt.Sprintf("%s UTC (in %s)", at.Format("15:04"), age(at.Sub(now)))
		}
	}
	return "the hour rolls on"
}

func num(f float64) string { return fmt.Sprintf("%.1f", f) }

// plotSize is the SVG's viewBox.
var plotSize = fmt.Sprintf("0 0 %.0f %.0f", plotW, plotH)
