package daemon

import (
	"os"
	"strings"
	"testing"
)

// unsetPGEnv clears the PG* variables lib/pq reads, for the test's duration.
func unsetPGEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PG") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func TestDBTLSWarning(t *testing.T) {
	unsetPGEnv(t)
	for _, tt := range []struct {
		name, dsn string
		want      string // a substring of the warning; "" for none
	}{
		{"URL, no sslmode", "postgres://u:pw@db.example.com:5432/plutora", "db.example.com is not loopback and sslmode is not set, and lib/pq's default (require) encrypts but does not verify"},
		{"URL, require", "postgres://u:pw@db.example.com/plutora?sslmode=require", "sslmode=require encrypts but does not verify"},
		{"URL, disable", "postgres://u@10.1.2.3/plutora?sslmode=disable", "10.1.2.3 is not loopback and sslmode=disable may not even encrypt"},
		{"URL, prefer", "postgres://u@db/plutora?sslmode=prefer", "sslmode=prefer may not even encrypt"},
		{"URL, verify-full", "postgres://u@db.example.com/plutora?sslmode=verify-full", ""},
		{"URL, verify-ca", "postgres://u@db.example.com/plutora?sslmode=verify-ca&sslrootcert=/etc/ca.pem", ""},
		{"URL, sslrootcert=system implies verify-full", "postgres://u@db.example.com/plutora?sslrootcert=system", ""},
		{"URL, loopback", "postgres://postgres@127.0.0.1:5432/plutora?sslmode=disable", ""},
		{"URL, localhost", "postgres://postgres@LocalHost/plutora", ""},
		{"URL, IPv6 loopback", "postgres://postgres@[::1]:5432/plutora?sslmode=disable", ""},
		{"URL, no host", "postgres:///plutora?sslmode=disable", ""},
		{"key=value, require", "host=db.internal user=sync dbname=plutora sslmode=require", "db.internal is not loopback and sslmode=require"},
		{"key=value, no sslmode", "host=db.internal dbname=plutora", "sslmode is not set"},
		{"key=value, Unix socket", "host=/var/run/postgresql dbname=plutora sslmode=disable", ""},
		{"key=value, loopback hostaddr", "host=db.internal hostaddr=127.0.0.1 dbname=plutora sslmode=disable", ""},
		{"key=value, remote hostaddr", "host=localhost hostaddr=10.0.0.5 dbname=plutora sslmode=disable", "10.0.0.5 is not loopback"},
		{"key=value, several hosts", "host=127.0.0.1,db-replica.internal dbname=plutora sslmode=require", "database host db-replica.internal is not"},
		{"key=value, verify-full", "host=db.internal dbname=plutora sslmode=verify-full", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DBTLSWarning(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("DBTLSWarning(%q) = %q, want it to contain %q", tt.dsn, got, tt.want)
			}
			if strings.Contains(got, "pw") {
				t.Errorf("the warning shows the password: %q", got)
			}
		})
	}
}

// The driver's environment counts: PGSSLMODE=verify-full silences the
// warning, as it makes lib/pq verify.
func TestDBTLSWarningEnvironment(t *testing.T) {
	unsetPGEnv(t)
	t.Setenv("PGSSLMODE", "verify-full")
	if got, err := DBTLSWarning("postgres://u@db.example.com/plutora"); err != nil || got != "" {
		t.Errorf("with PGSSLMODE=verify-full: %q, %v; want no warning", got, err)
	}
}
