// Package extract is the client for the Plutora and Plutora Test APIs.
//
// A [Client] serves one API key (one product); all jobs of a product share it, and so
// share its token and its budget. It obtains tokens through the OAuth2 password grant,
// renews them ahead of expiry (when less than Config.RenewBefore is left, one goroutine
// renewing while the others wait), paces every request, retries transient faults with
// backoff, and pages through list endpoints with several pages in flight while delivering
// them in order. Records are handed over raw ([encoding/json.RawMessage]); the client
// decodes only the page envelopes.
//
// # Budget
//
// The pacer is a strict sliding-window log: at most floor(Budget × (1 − Reserve))
// requests, token requests included, in any rolling Window. A request counts from the
// moment it is admitted and, once complete, is stamped with its completion time, so the
// client never thinks a request left the window before the server does. Counts are written
// to a [BudgetHistory] under the product name as key, read at start and again after an
// idle spell (so a restarted worker, or a standby replica taking over the key, counts what
// was spent before it). A 429 holds every request of the product for its Retry-After.
//
// # Errors
//
// Callers branch with errors.Is on [ErrInvalidCredentials] (fix the configuration),
// [ErrAccessDenied] (a fresh token refused: the site's API IP whitelist or a permission;
// see [AccessDeniedError]), [ErrThrottled], [ErrServer] (transient faults beyond the retry
// bounds) and [ErrBadResponse] (see [BadResponseError]). No error text or log line holds
// the client secret, the password or a token.
//
// Entities are described by a table ([Entities]); the sandbox in the subpackage
// plutoratest serves the same API for tests.
package extract
