package redact_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/schema/redact"
)

// nasty holds the characters that escape differently in each form.
const nasty = `p@ss+w/rd=&%"\ é 密`

func TestSecretsEveryForm(t *testing.T) {
	s := redact.NewSecrets(nasty, "abc") // "abc" is too short to replace
	form := url.Values{"client_secret": {nasty}}.Encode()
	for _, text := range append(redact.Forms(nasty), form, `{"error_description":"`+form+`"}`, "abc") {
		got := s.Replace("before " + text + " after")
		for _, f := range redact.Forms(nasty) {
			if strings.Contains(got, f) {
				t.Errorf("Replace(%q) = %q: holds the form %q", text, got, f)
			}
		}
		if text != "abc" && !strings.Contains(got, redact.Mask) {
			t.Errorf("Replace(%q) = %q: nothing replaced", text, got)
		}
	}
	if got := s.Replace("abc"); got != "abc" {
		t.Errorf("a 3-byte secret was replaced: %q", got)
	}
	want := []string{nasty, url.QueryEscape(nasty), url.PathEscape(nasty), `p@ss+w/rd=\u0026%\"\\ é 密`, `p@ss+w/rd=&%\"\\ é 密`,
		strings.ReplaceAll(url.QueryEscape(nasty), "+", "%20")}
	forms := strings.Join(redact.Forms(nasty), "\n")
	for _, w := range want {
		if !strings.Contains(forms, w) {
			t.Errorf("Forms lacks %q:\n%s", w, forms)
		}
	}
}

func TestServerTextCappedAfterReplacing(t *testing.T) {
	s := redact.NewSecrets(nasty)
	// The secret straddles the cap: cutting first would leave its first half.
	text := strings.Repeat("x", redact.MaxServerText-5) + nasty + "\x00tail"
	got := s.ServerText(text)
	if strings.Contains(got, nasty[:5]) || len(got) > redact.MaxServerText+len("…") {
		t.Errorf("ServerText = %q (%d bytes)", got, len(got))
	}
	if got := s.ServerText("a\x00b"); got != "a b" {
		t.Errorf("ServerText kept an unprintable byte: %q", got)
	}
	if got := redact.Cap("ééé", 3); got != "é…" {
		t.Errorf("Cap cut inside a rune: %q", got)
	}
}

func TestDatabaseURL(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://postgres@127.0.0.1:5432/plutora?sslmode=disable", "postgres://postgres@127.0.0.1:5432/plutora?sslmode=disable"},
		{"postgres://u:" + url.QueryEscape(nasty) + "@h/db", "postgres://u:xxxxx@h/db"},
		{"postgresql://u@h/db?sslmode=require&password=" + url.QueryEscape(nasty) + "&sslpassword=k3y-pw&sslkey=%2Fk",
			"postgresql://u@h/db?sslmode=require&password=xxxxx&sslpassword=xxxxx&sslkey=xxxxx"},
		{"host=h password=s3cr3t dbname=d", "host=h password=xxxxx dbname=d"},
		{"host=h password = 'a b\\'c' dbname=d", "host=h password = xxxxx dbname=d"},
		{`host=h password=a\ b sslpassword='x' user=u`, "host=h password=xxxxx sslpassword=xxxxx user=u"},
		{"password=", "password=xxxxx"},
		{"host=h password='unterminated", `(a key=value connection string that does not parse (a key without "=", or an unterminated quote))`},
		{"host=h passwordsecret", `(a key=value connection string that does not parse (a key without "=", or an unterminated quote))`},
		{"postgres://u:p w@h:x/db", "(a postgres:// URL that does not parse (escape the special characters of the user name and password with %XX))"},
		{"postgres://u:12/34@h/db", `(a postgres:// URL with an "@" outside its user info (escape the special characters of the password with %XX))`},
	} {
		if got := redact.DatabaseURL(tc.dsn); got != tc.want {
			t.Errorf("DatabaseURL(%q)\n = %q\nwant %q", tc.dsn, got, tc.want)
		}
	}
}

func TestDatabaseSecrets(t *testing.T) {
	for _, tc := range []struct {
		dsn  string
		want []string
	}{
		{"postgres://" + url.UserPassword("u", nasty).String() + "@h/db", []string{nasty, strings.TrimPrefix(url.UserPassword("u", nasty).String(), "u:")}},
		{"postgres://u@h/db?password=a%2Bb", []string{"a%2Bb", "a+b"}},
		{`host=h password='a\'b c'`, []string{`'a\'b c'`, "a'b c"}},
		{"host=h dbname=d", nil},
	} {
		got := redact.DatabaseSecrets(tc.dsn)
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("DatabaseSecrets(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
}

// FuzzDatabaseURL: a password written in any accepted form never shows.
func FuzzDatabaseURL(f *testing.F) {
	f.Add(nasty)
	f.Add("plain-password")
	f.Add(`'\' `)
	f.Fuzz(func(t *testing.T, pw string) {
		if len(pw) < 4 || strings.Contains("postgres://u:xxxxx@h/db?sslmode=disable&password=xxxxx host=h dbname=d user=u", pw) {
			return
		}
		kvQuoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "'"
		for _, dsn := range []string{
			(&url.URL{Scheme: "postgres", User: url.UserPassword("u", pw), Host: "h", Path: "/db"}).String(),
			"postgres://u@h/db?sslmode=disable&password=" + url.QueryEscape(pw),
			"host=h password=" + kvQuoted + " dbname=d",
		} {
			got := redact.DatabaseURL(dsn)
			s := redact.NewSecrets(redact.DatabaseSecrets(dsn)...)
			for _, text := range []string{got, s.Replace("error about " + dsn)} {
				if strings.Contains(text, pw) {
					t.Fatalf("dsn %q: %q shows the password", dsn, text)
				}
			}
		}
	})
}
