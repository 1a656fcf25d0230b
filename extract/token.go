package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/plutora-sync/plutora-sync/schema/redact"
)

// missingExpiry is the lifetime assumed when a token answer has no expires_in: the
// shortest Plutora has been seen to issue.
const missingExpiry = 1199 * time.Second

// tokenSource obtains tokens by the password grant and renews them ahead of expiry, one
// renewal at a time: concurrent callers wait for the renewal in progress.
type tokenSource struct {
	conf               oauth2.Config
	username, password string
	wire               *transport // token requests count against the budget
	now                func() time.Time
	renewBefore        time.Duration
	retry              retryPolicy
	logger             *slog.Logger
	onRenew            func(ctx context.Context)

	mu      sync.Mutex
	tok     string
	renewAt time.Time // renew from here on
	expiry  time.Time // unusable from here on
	flight  *flight   // the renewal in progress, if any
	refusal *Refusal  // the credentials' refusal in a row, until a grant succeeds
}

type flight struct {
	done chan struct{}
	err  error
}

// token returns a valid access token, renewing it first when it is due.
func (s *tokenSource) token(ctx context.Context) (string, error) {
	for {
		s.mu.Lock()
		if s.tok != "" && s.now().Before(s.renewAt) {
			tok := s.tok
			s.mu.Unlock()
			return tok, nil
		}
		if r := s.refusal; r != nil && s.now().Before(r.Retry) {
			s.mu.Unlock()
			return "", &RefusedError{Host: s.host(), Refusal: *r}
		}
		if f := s.flight; f != nil {
			s.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			if f.err != nil && !isContextErr(f.err) {
				return "", f.err
			}
			continue // renewed (or the renewer's context ended): look again
		}
		f := &flight{done: make(chan struct{})}
		s.flight = f
		s.mu.Unlock()
		tok, err := s.renew(ctx)
		f.err = err
		s.mu.Lock()
		s.flight = nil
		s.mu.Unlock()
		close(f.done)
		return tok, err
	}
}

// isRefusal says whether err is the token endpoint's refusal of the
// credentials: a *CredentialsError, or access denied to the grant itself.
func isRefusal(err error) bool {
	var ad *AccessDeniedError
	return errors.Is(err, ErrInvalidCredentials) || errors.As(err, &ad) && ad.Endpoint == "POST /oauth/token"
}

// currentRefusal returns the credentials' refusal, if any.
func (s *tokenSource) currentRefusal() (Refusal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusal == nil {
		return Refusal{}, false
	}
	return *s.refusal, true
}

// invalidate forces a renewal if tok is still the current token (after a 401).
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == tok {
		s.tok = ""
	}
}

func (s *tokenSource) renew(ctx context.Context) (string, error) {
	start := s.now()
	tok, err := s.fetch(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if isRefusal(err) {
		s.refusal = refused(s.refusal, err, s.now())
		s.logger.Info("the token endpoint refused the credentials; no token request before the next attempt",
			"code", s.refusal.Code, "refusals", s.refusal.Count, "next_attempt", s.refusal.Retry)
	}
	if err != nil {
		// A transient failure while the old token is still good: keep using it a while.
		if s.tok != "" && start.Before(s.expiry) && !errors.Is(err, ErrInvalidCredentials) && !isContextErr(err) {
			s.logger.Warn("token renewal failed; using the current token until it expires", "err", err)
			s.renewAt = start.Add(min(time.Minute, s.expiry.Sub(start)/2))
			return s.tok, nil
		}
		return "", err
	}
	life := time.Duration(tok.ExpiresIn) * time.Second
	if life <= 0 {
		life = missingExpiry
	}
	// Renew when less than RenewBefore is left, but never later than half the lifetime
	// (a short-lived token would otherwise be renewed on every request).
	if s.refusal != nil {
		s.logger.Info("the token endpoint accepts the credentials again", "refusals", s.refusal.Count)
		s.refusal = nil
	}
	s.tok = tok.AccessToken
	s.expiry = start.Add(life)
	s.renewAt = s.expiry.Add(-min(s.renewBefore, life/2))
	s.onRenew(ctx)
	s.logger.Info("token obtained", "expires_in", life.String(), "renew_at", s.renewAt)
	return s.tok, nil
}

// fetch asks the token endpoint, retrying transient faults.
func (s *tokenSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	var last error
	deadline := s.now().Add(s.retry.total)
	for attempt := 1; ; attempt++ {
		hc, done, err := s.wire.exchange(ctx, "POST /oauth/token")
		if err != nil {
			return nil, err
		}
		// oauth2 takes its HTTP client from the context.
		actx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, hc), s.retry.perAttempt)
		tok, err := s.conf.PasswordCredentialsToken(actx, s.username, s.password)
		cancel()
		done()
		if err == nil {
			if tok.AccessToken == "" {
				err = errors.New("token answer without access_token")
			} else {
				return tok, nil
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		retryable, cerr := s.classify(err)
		var denied *AccessDeniedError
		var refused *CredentialsError
		switch {
		case !retryable && (errors.As(cerr, &denied) || errors.As(cerr, &refused)):
			return nil, cerr // it names the host itself
		case !retryable:
			return nil, fmt.Errorf("token request to %s: %w", s.host(), cerr)
		}
		last = cerr
		d := s.retry.wait(attempt)
		if attempt >= s.retry.attempts || s.now().Add(d).After(deadline) {
			return nil, &giveUpError{kind: ErrServer, endpoint: "token request to " + s.host(), attempts: attempt, last: last}
		}
		s.retry.onRetry(ctx, "POST /oauth/token")
		if err := sleepCtx(ctx, d); err != nil {
			return nil, err
		}
	}
}

// classify maps a token error to a clean error and says whether it is worth
// retrying. The token endpoint has seen the client secret, the user name and
// the password, and may echo them in any encoding: none of its text is
// copied but a well-formed OAuth error code and its error_description, both
// through redact.Secrets.EchoText (no response body, no status text). The
// caller names the token request once, in front.
func (s *tokenSource) classify(err error) (retryable bool, _ error) {
	var re *oauth2.RetrieveError
	var redir *RedirectError
	if errors.As(err, &redir) {
		// The path may carry the form; the host is what the reader needs.
		if u, err := url.Parse(redir.To); err == nil && u.Path != "" {
			redir.To = (&url.URL{Scheme: u.Scheme, Host: u.Host}).String() + s.echoSecrets().EchoText(u.Path)
		}
		return false, redir
	}
	if errors.As(err, &re) {
		echo := s.echoSecrets()
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		code := oauthCode(re.ErrorCode)
		if credentialCodes[code] || status == http.StatusBadRequest {
			return false, &CredentialsError{Host: s.host(), Status: status, Code: code, Description: echo.EchoText(re.ErrorDescription)}
		}
		switch {
		case status == http.StatusTooManyRequests || status >= 500:
			return true, fmt.Errorf("HTTP %d", status)
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return false, &AccessDeniedError{Host: s.host(), Endpoint: "POST /oauth/token", Status: status}
		case status == http.StatusOK:
			return true, errors.New("unreadable answer")
		}
		return false, fmt.Errorf("HTTP %d %s", status, echo.EchoText(code))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true, ue.Err
	}
	// oauth2's own decoding errors (a garbled or truncated answer).
	return true, errors.New(s.echoSecrets().EchoText(err.Error()))
}

// oauthCode returns code if it reads as an OAuth error code (RFC 6749: a
// short word; here letters, digits, "_", "-" and "."), else a placeholder:
// a server may put anything there.
func oauthCode(code string) string {
	if code == "" {
		return "(no error code)"
	}
	for _, c := range code {
		if len(code) > 64 || !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "(unreadable error code)"
		}
	}
	return code
}

// echoSecrets are what the token endpoint has seen or issued: the client
// secret, the password, the user name (a credential piece here, though not
// a secret elsewhere) and the current token.
func (s *tokenSource) echoSecrets() *redact.Secrets {
	s.mu.Lock()
	tok := s.tok
	s.mu.Unlock()
	return redact.NewSecrets(s.conf.ClientSecret, s.password, s.username, tok)
}

func (s *tokenSource) host() string {
	if u, err := url.Parse(s.conf.Endpoint.TokenURL); err == nil {
		return u.Host
	}
	return "the token endpoint"
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
