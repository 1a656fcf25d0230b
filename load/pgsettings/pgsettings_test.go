package pgsettings_test

import (
	"net/url"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/pgsettings"
)

func TestAdd(t *testing.T) {
	t.Parallel()
	app := pgsettings.ApplicationName()
	q := url.QueryEscape(app)
	for _, c := range []struct{ in, want string }{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?application_name=" + q + "&jit=off&sslmode=disable"},
		{"postgresql://h/db", "postgresql://h/db?application_name=" + q + "&jit=off"},
		{"postgres://h/db?jit=on&application_name=etl", "postgres://h/db?application_name=etl&jit=on"}, // the operator's choice stands
		{"host=h dbname=db", "host=h dbname=db jit=off application_name=" + app},
		{"host=h jit=on application_name=etl", "host=h jit=on application_name=etl"},
		{"", "jit=off application_name=" + app},
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
