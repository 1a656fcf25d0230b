package redact

import (
	"errors"
	"net/url"
	"strings"
	"unicode"
)

// dsnSecretKeys are the connection parameters whose values are hidden.
var dsnSecretKeys = map[string]bool{"password": true, "sslpassword": true, "sslkey": true}

// dsnMask replaces a secret in a connection string.
const dsnMask = "xxxxx"

// DatabaseURL returns the connection string dsn fit to show: in the URL form
// (postgres:// or postgresql://) the password of the user info and the
// password, sslpassword and sslkey parameters are replaced by "xxxxx"; in
// the key=value form the values of those keys (quoted or not, with lib/pq's
// backslash escapes). A string CheckDatabaseURL refuses is not shown at all.
func DatabaseURL(dsn string) string {
	if err := CheckDatabaseURL(dsn); err != nil {
		return "(" + err.Error() + ")"
	}
	if isURL(dsn) {
		u, _ := url.Parse(dsn)
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), dsnMask)
		}
		u.RawQuery = maskQuery(u.RawQuery)
		return u.String()
	}
	pairs, _ := parseKeyValues(dsn)
	var b strings.Builder
	last := 0
	for _, p := range pairs {
		if dsnSecretKeys[p.key] {
			b.WriteString(dsn[last:p.start])
			b.WriteString(dsnMask)
			last = p.end
		}
	}
	b.WriteString(dsn[last:])
	return b.String()
}

// CheckDatabaseURL reports, without quoting any of it, whether dsn is a
// connection string DatabaseURL can show safely: a URL that parses with any
// "@" in its user info, or key=value pairs lib/pq accepts. A parser's own
// error may quote a piece of a password; call this before handing dsn to one.
func CheckDatabaseURL(dsn string) error {
	if !isURL(dsn) {
		if _, ok := parseKeyValues(dsn); !ok {
			return errors.New("a key=value connection string that does not parse (a key without \"=\", or an unterminated quote)")
		}
		return nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return errors.New("a postgres:// URL that does not parse (escape the special characters of the user name and password with %XX)")
	}
	if u.User == nil && strings.Contains(dsn, "@") {
		// "postgres://u:12/3@h": a password with a "/", "?" or "#" cut the
		// authority short, and a piece of it passes for a host or a path.
		return errors.New("a postgres:// URL with an \"@\" outside its user info (escape the special characters of the password with %XX)")
	}
	return nil
}

// DatabaseSecrets returns the secrets of dsn (as DatabaseURL hides them),
// each both as written in dsn and decoded, for a Secrets that scrubs the
// texts of errors about dsn. For a dsn CheckDatabaseURL refuses, it returns
// dsn and each of its fields.
func DatabaseSecrets(dsn string) []string {
	if CheckDatabaseURL(dsn) != nil {
		return append(strings.Fields(dsn), dsn)
	}
	var out []string
	if !isURL(dsn) {
		pairs, _ := parseKeyValues(dsn)
		for _, p := range pairs {
			if dsnSecretKeys[p.key] {
				out = append(out, dsn[p.start:p.end], p.value)
			}
		}
		return out
	}
	u, _ := url.Parse(dsn)
	if pw, has := u.User.Password(); has {
		ui := rawAuthority(dsn)
		ui = ui[:strings.LastIndex(ui, "@")]
		_, raw, _ := strings.Cut(ui, ":")
		out = append(out, pw, raw)
	}
	for _, pair := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if key, err := url.QueryUnescape(k); err != nil || dsnSecretKeys[key] {
			dv, _ := url.QueryUnescape(v)
			out = append(out, v, dv)
		}
	}
	return out
}

// rawAuthority is the authority of a URL as written: after "://", before
// the fragment, the query and the path, as url.Parse cuts them.
func rawAuthority(s string) string {
	_, s, _ = strings.Cut(s, "://")
	s, _, _ = strings.Cut(s, "#")
	s, _, _ = strings.Cut(s, "?")
	s, _, _ = strings.Cut(s, "/")
	return s
}

func isURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// maskQuery replaces the values of the secret parameters of a raw query,
// keeping the rest as written.
func maskQuery(raw string) string {
	if raw == "" {
		return raw
	}
	pairs := strings.Split(raw, "&")
	for i, pair := range pairs {
		k, _, _ := strings.Cut(pair, "=")
		if key, err := url.QueryUnescape(k); err != nil || dsnSecretKeys[key] {
			pairs[i] = k + "=" + dsnMask
		}
	}
	return strings.Join(pairs, "&")
}

// kv is one key=value pair of a connection string: its key, its decoded
// value, and where its value is written in the string ([start, end), quotes
// included).
type kv struct {
	key, value string
	start, end int
}

// parseKeyValues splits a key=value connection string as lib/pq does:
// spaces around "=" allowed, a value single-quoted or not, a backslash
// escaping the next character in either. It reports false for a string
// lib/pq would refuse (a key without "=", an unterminated quote).
func parseKeyValues(s string) ([]kv, bool) {
	var out []kv
	i := 0
	skip := func() {
		for i < len(s) && unicode.IsSpace(rune(s[i])) {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return out, true
		}
		k := i
		for i < len(s) && s[i] != '=' && !unicode.IsSpace(rune(s[i])) {
			i++
		}
		key := s[k:i]
		skip()
		if i >= len(s) || s[i] != '=' {
			return nil, false
		}
		i++
		skip()
		p := kv{key: key, start: i}
		var ok bool
		p.value, i, ok = parseValue(s, i)
		if !ok {
			return nil, false
		}
		p.end = i
		out = append(out, p)
	}
}

// parseValue reads the value that starts at s[i]: quoted or up to the next
// space. It returns the decoded value and the index after it.
func parseValue(s string, i int) (string, int, bool) {
	var b strings.Builder
	quoted := i < len(s) && s[i] == '\''
	if quoted {
		i++
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", i, false
			}
			b.WriteByte(s[i+1])
			i += 2
			continue
		case quoted && c == '\'':
			return b.String(), i + 1, true
		case !quoted && unicode.IsSpace(rune(c)):
			return b.String(), i, true
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), i, !quoted
}
