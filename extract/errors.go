package extract

import (
	"errors"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Sentinel errors, for errors.Is. Every error the client returns wraps at most one of them.
var (
	// ErrInvalidCredentials: the token endpoint rejected the client id, secret, user name or
	// password (invalid_grant and kin). Not retried: fix the configuration.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrAccessDenied: the API refused a freshly issued token (IP whitelist or permission).
	ErrAccessDenied = errors.New("access denied")
	// ErrThrottled: the API kept answering 429 beyond the retry bounds.
	ErrThrottled = errors.New("throttled")
	// ErrServer: the API kept failing (5xx, resets, timeouts) beyond the retry bounds.
	ErrServer = errors.New("server fault")
	// ErrBadResponse: an answer that cannot be understood (not an envelope, too large, …).
	ErrBadResponse = errors.New("bad response")
)

// AccessDeniedError is a 401 or 403 that survived a freshly issued token. Plutora answers
// requests from addresses outside the site's API IP whitelist exactly as it answers a bad
// token, so after one renewal the whitelist (or the user's permissions) is what is left.
type AccessDeniedError struct {
	Host     string // the API host that refused, e.g. usapi.plutora.com
	Endpoint string // e.g. GET /hosts
	Status   int
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("access denied by %s (HTTP %d on %s) with a freshly issued token: "+
		"the site's API IP whitelist must admit this worker's address, "+
		"or the API user lacks permission", e.Host, e.Status, e.Endpoint)
}

// Is reports whether target is ErrAccessDenied.
func (e *AccessDeniedError) Is(target error) bool { return target == ErrAccessDenied }

// BadResponseError is an answer the client cannot use: a body that is not a page envelope,
// a body over the size limit, or an unexpected status.
type BadResponseError struct {
	Endpoint string // e.g. POST /changes/filter
	Page     int    // 0-based page number, -1 when not a paged request
	Status   int    // HTTP status, 0 when not known
	Reason   string
}

func (e *BadResponseError) Error() string {
	where := e.Endpoint
	if e.Page >= 0 {
		where = fmt.Sprintf("%s page %d", e.Endpoint, e.Page)
	}
	if e.Status != 0 {
		return fmt.Sprintf("bad response from %s (HTTP %d): %s", where, e.Status, e.Reason)
	}
	return fmt.Sprintf("bad response from %s: %s", where, e.Reason)
}

// Is reports whether target is ErrBadResponse, or synctype.ErrBadPage for a page's answer.
func (e *BadResponseError) Is(target error) bool {
	return target == ErrBadResponse || target == synctype.ErrBadPage && e.Page >= 0
}

// RedirectError is a redirect the client refused: the API does not redirect, so a
// redirect is a fault (a proxy, a moved site, an attack), and following it would send
// the bearer token, or the client secret and password, to wherever it points. Not
// retried.
type RedirectError struct {
	Endpoint string // the request redirected, e.g. GET /me or POST /oauth/token
	Status   int    // the redirect's HTTP status
	To       string // where it pointed, without user info or query
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirect from %s (HTTP %d) to %s: the API does not redirect; refused", e.Endpoint, e.Status, e.To)
}

// Is reports whether target is ErrBadResponse.
func (e *RedirectError) Is(target error) bool { return target == ErrBadResponse }

// giveUpError is what a request returns when its retries are exhausted.
type giveUpError struct {
	kind     error // ErrServer or ErrThrottled
	endpoint string
	attempts int
	last     error
}

func (e *giveUpError) Error() string {
	return fmt.Sprintf("%s: %v after %d attempts: %v", e.endpoint, e.kind, e.attempts, e.last)
}

func (e *giveUpError) Unwrap() []error { return []error{e.kind, e.last} }

// CredentialsError is the token endpoint's refusal of the password grant: an
// OAuth error code that names the credentials (invalid_client,
// invalid_grant, unauthorized_client), or any HTTP 400. Further grants wait
// (see RefusedError).
type CredentialsError struct {
	Host        string // the token endpoint's host
	Status      int    // HTTP status, 400 as a rule
	Code        string // the OAuth error code, or "(no error code)"
	Description string // the server's error_description, redacted and capped
}

func (e *CredentialsError) Error() string {
	code := e.Code
	if !credentialCodes[code] {
		code = fmt.Sprintf("HTTP %d %s", e.Status, code)
	}
	return fmt.Sprintf("token request to %s: %v (%s: %s): check the client id, client secret, user name and password of %s",
		e.Host, ErrInvalidCredentials, code, e.Description, e.Host)
}

// Is reports whether target is ErrInvalidCredentials.
func (e *CredentialsError) Is(target error) bool { return target == ErrInvalidCredentials }

// credentialCodes are the OAuth error codes that name the credentials.
var credentialCodes = map[string]bool{"invalid_client": true, "invalid_grant": true, "unauthorized_client": true}

// Refusal is the token endpoint's refusal of a product's credentials, kept
// from the first refusal until a grant succeeds. Plutora locks an account
// after repeated failed logins (docs/plutora-api.md), so after each refusal
// the client makes no token request before Retry: the wait starts at a
// minute and doubles, up to an hour.
type Refusal struct {
	Since time.Time // the first refusal in a row
	Count int       // refusals in a row
	Retry time.Time // no token request before this
	// Code says what was refused: an OAuth error code (invalid_client,
	// invalid_grant, …), or "HTTP 401" / "HTTP 403" for a token endpoint
	// that denied access.
	Code string
	Err  error // the last refusal: a *CredentialsError or an *AccessDeniedError
}

// Refusal waits: the first, and the longest.
const (
	refusalFirstWait = time.Minute
	refusalMaxWait   = time.Hour
)

// refused returns the refusal that follows prev (nil: none) after err at now.
func refused(prev *Refusal, err error, now time.Time) *Refusal {
	r := &Refusal{Since: now, Count: 1, Err: err}
	if prev != nil {
		r.Since, r.Count = prev.Since, prev.Count+1
	}
	wait := refusalMaxWait
	if r.Count <= 7 {
		wait = min(refusalFirstWait<<(r.Count-1), refusalMaxWait)
	}
	r.Retry = now.Add(wait)
	var ce *CredentialsError
	var ad *AccessDeniedError
	switch {
	case errors.As(err, &ce):
		r.Code = ce.Code
	case errors.As(err, &ad):
		r.Code = fmt.Sprintf("HTTP %d", ad.Status)
	}
	return r
}

// RefusedError is what a request returns, without asking the token
// endpoint, while the product's credentials stay refused (Refusal). It
// wraps the last refusal, so errors.Is sees ErrInvalidCredentials or
// ErrAccessDenied.
type RefusedError struct {
	Host string // the token endpoint's host
	Refusal
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("token request to %s not made: the credentials were refused %d time(s) in a row since %s (last: %v); "+
		"next attempt at %s, the wait doubling up to an hour, as Plutora locks accounts after repeated failed logins",
		e.Host, e.Count, e.Since.UTC().Format(time.RFC3339), e.Err, e.Retry.UTC().Format(time.RFC3339))
}

func (e *RefusedError) Unwrap() error { return e.Err }
