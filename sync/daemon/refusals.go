package daemon

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// A product whose credentials the token endpoint refuses stops its runs:
// the client makes no token request before its next attempt (a minute
// after the first refusal, doubling up to an hour, since Plutora locks
// accounts after repeated failed logins), and the daemon does not start the
// product's runs in between. After each run it shows the state: the metric
// plutora_sync_credentials_refused, /readyz's answer, a row in
// plutora_sync.credential_refusals for status, and a log line per change.

// errCredentialsWait is a poll not made: the product's credentials are
// refused and the next attempt is not due.
var errCredentialsWait = errors.New("credentials refused: waiting for the next attempt")

// waitsForCredentials says whether product's runs are held: its
// credentials were refused and the next attempt is not due yet.
func (a *App) waitsForCredentials(product synctype.Product) bool {
	c := a.Clients[product]
	if c == nil {
		return false
	}
	r, ok := c.Refusal()
	return ok && a.opts.Now().Before(r.Retry)
}

// noteCredentials shows whether product's credentials are refused, after a
// run.
func (a *App) noteCredentials(ctx context.Context, product synctype.Product) {
	c := a.Clients[product]
	if c == nil {
		return
	}
	r, refused := c.Refusal()
	a.mu.Lock()
	if a.refused == nil {
		a.refused = map[synctype.Product]extract.Refusal{}
	}
	prev, had := a.refused[product]
	if refused {
		a.refused[product] = r
	} else {
		delete(a.refused, product)
	}
	a.mu.Unlock()
	a.Metrics.CredentialsRefused(product, refused)
	if refused == had && (!refused || prev.Count == r.Count) {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	// The state is recorded before it is logged: whoever reads the log line
	// (an operator, a test) finds status saying the same.
	var err error
	switch {
	case refused:
		fix := credentialsFix(product, r.Code)
		err = a.Writer.SaveCredentialRefusal(sctx, load.CredentialRefusal{Product: product, Since: r.Since, Refusals: r.Count,
			NextAttempt: r.Retry, Code: r.Code, Fix: fix})
		if !had {
			a.Logger.Error("the token endpoint refuses the credentials: the product's runs wait for the next attempt",
				"product", product, "code", r.Code, "fix", fix, "next_attempt", r.Retry)
		}
	default:
		err = a.Writer.ClearCredentialRefusal(sctx, product)
		a.Logger.Info("the token endpoint accepts the credentials again: the product's runs resume", "product", product)
	}
	if err != nil {
		a.Logger.Warn("record the state of the credentials", "product", product, "error", err)
	}
}

// credentialsReady is the credentials' part of /readyz: a readyDetail that
// names each refused product and what to fix, or nil.
func (a *App) credentialsReady() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var parts []string
	for p, r := range a.refused {
		parts = append(parts, fmt.Sprintf("%s credentials refused (%s) since %s, next attempt at %s: %s", p, r.Code,
			r.Since.UTC().Format(time.RFC3339), r.Retry.UTC().Format(time.RFC3339), credentialsFix(p, r.Code)))
	}
	if len(parts) == 0 {
		return nil
	}
	sort.Strings(parts)
	return &readyDetail{text: strings.Join(parts, "\n")}
}

// credentialsFix names the variables to check when the token endpoint
// refuses product's credentials with code.
func credentialsFix(product synctype.Product, code string) string {
	p := strings.ToUpper(string(product)) + "_" // PLUTORA_, PLUTORATEST_ (sync/config)
	all := fmt.Sprintf("%sCLIENT_ID, %sCLIENT_SECRET, %sUSERNAME and %sPASSWORD", p, p, p, p)
	switch code {
	case "invalid_client", "unauthorized_client":
		return fmt.Sprintf("check %sCLIENT_ID and %sCLIENT_SECRET (or their _FILE): the API key is wrong or revoked", p, p)
	case "invalid_grant":
		return fmt.Sprintf("check %sUSERNAME and %sPASSWORD (or their _FILE), and that the user is not locked and its password has not expired", p, p)
	case "HTTP 401", "HTTP 403":
		return "check " + all + ", and that the token endpoint admits this worker's address"
	}
	return "check " + all + " (or their _FILE)"
}
