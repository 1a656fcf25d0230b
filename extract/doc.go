// Package extract is the client for the Plutora and Plutora Test APIs.
//
// A [Client] serves one API key (one product). It obtains tokens through the OAuth2
// password grant and renews them ahead of expiry, paces every request (token requests
// included) so that no rolling window ever holds more than the key's budget, retries
// transient faults with backoff, and pages through list endpoints with several pages in
// flight while delivering them in order. Records are handed over raw
// ([encoding/json.RawMessage]); the client decodes only the page envelopes.
//
// Entities are described by a table ([Entities]); the sandbox in the subpackage
// plutoratest serves the same API for tests.
package extract
