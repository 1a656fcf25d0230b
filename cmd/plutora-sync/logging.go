package main

import (
	"io"
	"log/slog"
	"strings"

	"golang.org/x/term"
)

var termIsTerminal = term.IsTerminal

// newLogger builds the process logger. LOG_FORMAT auto means JSON for the
// daemon (run), and for the other commands text on a terminal, JSON otherwise.
func newLogger(w io.Writer, format, level string, daemon bool) *slog.Logger {
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
		if !daemon && isTerminal(w) {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
