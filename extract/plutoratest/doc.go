// Package plutoratest is an in-memory, scriptable Plutora and Plutora Test
// for tests, benchmarks and demos, in the spirit of net/http/httptest.
//
// NewServer starts the two products on two loopback listeners. Each serves
// its own /oauth/token (password grant) and its API paths from the root, as
// described in docs/plutora-api.md: paged GET lists and bare legacy arrays,
// POST /changes/filter and /releases/filter with searchFilters, the GET
// backtick filter, detail endpoints, /me, the reference endpoints
// (/organizations and /organizations/tree, /users, /lookupfields and
// /lookupfields/{type}, /environmentgroups, /layers/{id}), the
// sub-resources of a record (a release's changes, systems and stakeholders,
// a change's systems, the custom fields of a release, change or system),
// and on Plutora Test POST /defects/Search, PATCH /defects/{id} and GET
// /defects/GetByDisplayId/{displayId}. /swagger leads to a Swagger UI page
// over an OpenAPI document of all of it. Options.Lists chooses full lists
// or the real API's summaries; Options.Errors the variants of error
// answers; Options.Quirks the shapes a client must survive that the real
// API is not known to send by default.
//
// Data come from a deterministic generator (Options.Seed and Options.Sizes).
// Records are kept pre-serialized, ordered by id (the order offset paging
// walks, so inserts and deletes move records between pages as on the real
// API), with a second index by lastModifiedDate for incremental filters.
// Record bodies are generated lazily on first use, so millions of records
// cost little until they are served.
//
// Tests change data (Server.Insert, Update, Delete, SetRecord, StartChurn),
// inject faults (Product.SetFaults, RevokeTokens, SetWhitelist) and audit the
// request budget (Product.RequestLog).
//
// # IP whitelist
//
// The listeners bind 127.0.0.1. The whitelist is checked against the
// connection's source address, so a test can dial from another loopback
// address (net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}})
// to be outside a whitelist of 127.0.0.1/32. A test harness may instead set
// the header X-Plutoratest-Remote-Addr, which overrides the source address
// (the sandbox trusts it; the real API has no such header).
package plutoratest
