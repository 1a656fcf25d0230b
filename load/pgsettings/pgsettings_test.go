package pgsettings_test

import (
	"testing"

	"github.com/plutora-sync/plutora-sync/load/pgsettings"
)

func TestAdd(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?jit=off&sslmode=disable"},
		{"postgresql://h/db", "postgresql://h/db?jit=off"},
		{"postgres://h/db?jit=on", "postgres://h/db?jit=on"}, // the operator's choice stands
		{"host=h dbname=db", "host=h dbname=db jit=off"},
		{"host=h jit=on", "host=h jit=on"},
		{"", "jit=off"},
	} {
		got, err := pgsettings.Add(c.in)
		if err != nil || got != c.want {
			t.Errorf("Add(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := pgsettings.Add("postgres://h:port/db"); err == nil {
		t.Error("a URL that does not parse: no error")
	}
}
