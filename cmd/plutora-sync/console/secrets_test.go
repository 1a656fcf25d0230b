package console

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/redact"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestSecretsNotShown runs migrate, a sync that fails on a token server that
// echoes its form, check, status, the demo's psql hint and connections to a
// closed port, with a DATABASE_URL in key=value and in URL form, and searches
// the output, the errors, the log and the ledger for every form of every
// secret. Each secret holds characters that escape differently in each form.
func TestSecretsNotShown(t *testing.T) {
	t.Parallel()
	const (
		dbPassword  = `db pa$$@w+rd/='"\ ü`
		apiSecret   = `api SeCrEt@+/=&%"\ é`
		apiPassword = `api PaSs@+/=&%"\ 密码`
		apiUsername = `Üser+Ops@Qzvhä.zz`
	)
	// The token server writes the form back as .NET's HttpUtility.UrlEncode
	// does (lower-case hex), as the attack review of issue 23 saw.
	creds := workertest.Credentials{ClientSecret: apiSecret, Password: apiPassword, Username: apiUsername}
	echo := workertest.Echoes()[3]
	if echo.Name != ".NET UrlEncode" {
		t.Fatalf("echo %q", echo.Name)
	}
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5, Sizes: smallSizes,
		TokenEcho: func(body string) (string, string) { return "invalid_grant", echo.Text(body, creds) }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := newEmptyDB(t)
	kvDSN, urlDSN := dsnForms(t, dsn, dbPassword)

	ctx := context.Background()
	var logs, out bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	for _, d := range []string{kvDSN, urlDSN} {
		env := sandboxEnv(sb, d, "PLUTORA_CLIENT_SECRET", apiSecret, "PLUTORA_PASSWORD", apiPassword, "PLUTORA_USERNAME", apiUsername,
			"PLUTORATEST_CLIENT_SECRET", apiSecret, "PLUTORATEST_PASSWORD", apiPassword, "PLUTORATEST_USERNAME", apiUsername)
		cfg := loadConfig(t, env)
		if err := Migrate(ctx, cfg, logger, &out, false); err != nil {
			t.Fatalf("migrate (trust ignores the password): %v", err)
		}
		errs = append(errs, SyncNow(ctx, cfg, logger, SyncOptions{Entities: []string{"hosts", "defects"}, Progress: &out}),
			Check(ctx, cfg, logger, &out), Status(ctx, cfg, &out), printLoaded(ctx, db.DB, &out, d, 0))
		closed := loadConfig(t, env)
		closed.DatabaseURL = strings.Replace(strings.Replace(d, "port=", "port=1", 1), "127.0.0.1:", "127.0.0.1:1", 1)
		errs = append(errs, Migrate(ctx, closed, logger, &out, false), Check(ctx, closed, logger, &out))
	}
	var ledger []string
	if err := db.SelectContext(ctx, &ledger, `SELECT error FROM plutora_sync.runs WHERE error IS NOT NULL
		UNION ALL SELECT error FROM plutora_sync.run_entities WHERE error IS NOT NULL
		UNION ALL SELECT last_run_error FROM reporting.freshness WHERE last_run_error IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	texts := append([]string{logs.String(), out.String()}, ledger...)
	for _, err := range errs {
		if err != nil {
			texts = append(texts, err.Error())
		}
	}
	all := strings.Join(texts, "\n")
	// The failures happened, and say why.
	for _, want := range []string{extract.ErrInvalidCredentials.Error() + " (invalid_grant: bad request: client_id=",
		"connect to database host=127.0.0.1 port=1", "connect to database postgres://", "password = xxxxx", ":xxxxx@",
		"with DATABASE_URL's password for xxxxx"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in the output, errors, log or ledger:\n%s", want, all)
		}
	}
	if len(ledger) < 4 || !strings.Contains(strings.Join(ledger, "\n"), "invalid credentials") {
		t.Errorf("the ledger does not hold the failed runs: %q", ledger)
	}
	if l := workertest.Leaks(all, creds, echo, ""); len(l) > 0 {
		t.Errorf("the API's credentials show: %q", l)
	}
	for _, secret := range []string{dbPassword, apiSecret, apiPassword} {
		for _, f := range redact.Forms(secret) {
			for _, text := range texts {
				if strings.Contains(text, f) {
					t.Errorf("secret %q shows as %q in:\n%s", secret, f, text)
				}
			}
		}
	}
}

// dsnForms returns the test database's dsn as key=value pairs with password
// (quoted, with lib/pq's escapes) and as a URL with password in its user info
// and as the password parameter.
func dsnForms(t *testing.T, dsn, password string) (kv, withPassword string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(password) + "'"
	kv = fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable password = %s synchronous_commit=off",
		u.Hostname(), u.Port(), u.User.Username(), strings.TrimPrefix(u.Path, "/"), quoted)
	u.User = url.UserPassword(u.User.Username(), password)
	q := u.Query()
	q.Set("password", password)
	u.RawQuery = q.Encode()
	return kv, u.String()
}
