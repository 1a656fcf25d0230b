package main

import (
	"io"
	"log/slog"
	"strings"

	"golang.org/x/term"
)

var termIsTerminal = term.IsTerminal

// newLogger builds the process logger writing to w; terminal says whether w
// ends on a terminal. LOG_FORMAT auto means JSON for the daemon (run), and
// for the other commands text on a terminal, JSON otherwise.
func newLogger(w io.Writer, terminal bool, format, level string, daemon bool) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	if format == "auto" {
		format = "json"
		if !daemon && terminal {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: durationString}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// durationString writes durations as Go duration strings ("1h0m0s"): JSON
// would give nanoseconds, which no reader wants to count.
func durationString(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}
