package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/lib/pq"
)

// urlScheme matches what can be named of a value: a URL scheme holds no
// secret.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]{0,19}$`)

// checkDatabaseURL checks that dsn is a connection string lib/pq accepts: a
// postgres:// (or postgresql://) URL or key=value pairs. The value can hold
// a password, so the error describes the problem and never quotes the value.
func checkDatabaseURL(dsn string) error {
	if scheme, _, ok := strings.Cut(dsn, "://"); ok && urlScheme.MatchString(scheme) {
		if scheme != "postgres" && scheme != "postgresql" {
			return fmt.Errorf("DATABASE_URL: a %s:// URL is not a PostgreSQL connection string: %s", scheme, dsnForms)
		}
		if _, err := url.Parse(dsn); err != nil {
			return fmt.Errorf("DATABASE_URL: not a valid URL: %s", urlProblem(err))
		}
	}
	if _, err := pq.NewConfig(dsn); err != nil {
		return fmt.Errorf("DATABASE_URL: %s", pqProblem(err))
	}
	return nil
}

// dsnForms shows the two forms of a connection string.
const dsnForms = "want postgres://user:password@host:5432/dbname?sslmode=verify-full, or key=value pairs such as host=db dbname=plutora"

// urlProblem says what url.Parse found wrong, without the URL.
func urlProblem(err error) string {
	var esc url.EscapeError
	var host url.InvalidHostError
	switch {
	case errors.As(err, &esc):
		return "a % not followed by two hex digits (percent-encode special characters of the user name and password: % as %25, @ as %40, / as %2F)"
	case errors.As(err, &host):
		return "an invalid character in the host"
	case strings.Contains(err.Error(), "invalid port"):
		return "the port is not a number"
	default:
		return "it cannot be parsed"
	}
}

// pqProblem says what lib/pq found wrong. Its messages quote values, which
// in a mistyped string can be the password: only the name of a known
// setting and lib/pq's list of accepted values are kept.
func pqProblem(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, `pq: wrong value for "`):
		key, _, _ := strings.Cut(strings.TrimPrefix(msg, `pq: wrong value for "`), `"`)
		if _, values, ok := strings.Cut(msg, "supported values are "); ok {
			return fmt.Sprintf("the value of %s is not one of %s", key, values)
		}
		return fmt.Sprintf("the value of %s is not valid", key)
	case strings.HasPrefix(msg, "pq: wrong value for $"):
		key, _, _ := strings.Cut(strings.TrimPrefix(msg, "pq: wrong value for $"), ":")
		return fmt.Sprintf("the environment variable %s, which lib/pq reads too, is not valid", key)
	case strings.HasPrefix(msg, `missing "=" after`):
		return `neither a URL nor key=value pairs (a word without "="): ` + dsnForms
	case strings.Contains(msg, "unterminated quoted string"):
		return "a quoted value is not closed"
	case strings.Contains(msg, "missing character after backslash"):
		return "it ends with a backslash"
	case strings.HasPrefix(msg, "pq: environment variable $"):
		return strings.TrimPrefix(msg, "pq: ")
	default:
		return "lib/pq cannot use it"
	}
}
