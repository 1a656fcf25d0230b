package extract

import (
	"errors"
	"fmt"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
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
