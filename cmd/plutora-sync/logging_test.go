package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLoggerWritesDurationsAsStrings: JSON logs give durations as Go
// duration strings, never as nanoseconds.
func TestLoggerWritesDurationsAsStrings(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	newLogger(&buf, false, "json", "info", true).Info("waited", "wait", 90*time.Second)
	if got := buf.String(); !strings.Contains(got, `"wait":"1m30s"`) {
		t.Errorf("log line %s: want \"wait\":\"1m30s\"", got)
	}
}
