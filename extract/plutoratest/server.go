package plutoratest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Errors returned by the data methods.
var (
	// ErrNotFound is returned for an id that is not a live record.
	ErrNotFound = errors.New("no such record")
	// ErrUnknownEntity is returned for an entity name not in the list
	// changes, releases, environments, hosts, systems, defects, bookings,
	// tecrs, tebrs, phases, gates, activities, criterias.
	ErrUnknownEntity = errors.New("unknown entity")
)

// Sizes are the record counts to generate. Zero fields take the defaults of
// a mid-sized site (DefaultSizes); zero Bookings, TECRs and TEBRs follow
// the environments instead (5, 1 and 2/3 per environment), so that a small
// site has as crowded a calendar as a large one. A release's schedule
// follows the releases: 4 phases with 2 activities each, 3 gates with 2
// criteria each.
type Sizes struct {
	Changes, Releases, Environments, Hosts, Systems, Defects int
	Bookings, TECRs, TEBRs                                   int
}

// DefaultSizes returns the record counts of a mid-sized site.
func DefaultSizes() Sizes {
	return Sizes{Changes: 5000, Releases: 400, Environments: 300, Hosts: 1200, Systems: 250, Defects: 6000,
		Bookings: 1500, TECRs: 300, TEBRs: 200}
}

// The shape of a generated release's schedule (schedule.go).
const (
	phasesPerRelease   = 4
	gatesPerRelease    = 3
	activitiesPerPhase = 2
	criteriaPerGate    = 2
)

func (s Sizes) withDefaults() Sizes {
	d := DefaultSizes()
	for _, f := range []struct{ v, def *int }{
		{&s.Changes, &d.Changes}, {&s.Releases, &d.Releases}, {&s.Environments, &d.Environments},
		{&s.Hosts, &d.Hosts}, {&s.Systems, &d.Systems}, {&s.Defects, &d.Defects},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	envs := max(s.Environments, 0)
	for _, f := range []struct {
		v        *int
		num, den int
	}{{&s.Bookings, 5, 1}, {&s.TECRs, 1, 1}, {&s.TEBRs, 2, 3}} {
		if *f.v == 0 && envs > 0 {
			*f.v = max(envs*f.num/f.den, 1)
		}
	}
	if s.Environments <= 0 || s.Releases <= 0 {
		s.Bookings = 0 // a booking books an environment for a release
	}
	return s
}

func (s Sizes) of(entity string) int {
	switch entity {
	case Changes:
		return s.Changes
	case Releases:
		return s.Releases
	case Environments:
		return s.Environments
	case Hosts:
		return s.Hosts
	case Systems:
		return s.Systems
	case Defects:
		return s.Defects
	case Bookings:
		return s.Bookings
	case TECRs:
		return s.TECRs
	case TEBRs:
		return s.TEBRs
	case Phases:
		return s.Releases * phasesPerRelease
	case Gates:
		return s.Releases * gatesPerRelease
	case Activities:
		return s.Releases * phasesPerRelease * activitiesPerPhase
	case Criteria:
		return s.Releases * gatesPerRelease * criteriaPerGate
	}
	return 0
}

// BudgetPerHour is Plutora's limit on the requests of one API key in any
// rolling hour (docs/plutora-api.md, "Errors and limits": known), the sandbox's default
// Budget.
const BudgetPerHour = 26000

// Options configure a Server. The zero value is a working sandbox.
type Options struct {
	Seed int64
	// Sizes are the record counts; zero fields take DefaultSizes' values. A
	// negative count generates no records of that entity.
	Sizes Sizes
	// TokenTTL is the tokens' lifetime (expires_in); default 23h.
	TokenTTL time.Duration
	// Now is the clock for token expiry, the throttle, the request log and
	// lastModifiedDate stamps; default time.Now.
	Now func() time.Time
	// Budget is the requests allowed per client id in any rolling Window
	// (default BudgetPerHour per 1h). ThrottleStatus answers a request over it
	// (default 429), with Retry-After.
	Budget         int
	Window         time.Duration
	ThrottleStatus int
	// DefectEnvelope is "pascal" (Data, TotalCount; the default) or "camel"
	// (resultSet, totalCount) for Plutora Test's list answers.
	DefectEnvelope string
	// Latency delays every answer, plus up to Jitter (deterministic per
	// request under Seed).
	Latency, Jitter time.Duration
	// Faults apply to both products' API calls (not /oauth/token); change
	// them later with Product.SetFaults.
	Faults Faults
	// PlutoraAddr and TestAddr are the listen addresses (default
	// "127.0.0.1:0").
	PlutoraAddr, TestAddr string
	// WhitelistTokenEndpoint applies the IP whitelist to /oauth/token too.
	WhitelistTokenEndpoint bool
	// EchoTokenForm makes /oauth/token refuse every request (400
	// invalid_grant) with an error_description that echoes the request's
	// body, client secret and password included, as some token servers do.
	EchoTokenForm bool
	// TokenEcho, when set, makes /oauth/token refuse every request (400)
	// with the error code and error_description it returns for the
	// request's body: a hostile token server that echoes the form in an
	// encoding of its choosing.
	TokenEcho func(body string) (code, description string)
	// Logf, when set, receives one line per request.
	Logf func(format string, args ...any)
	// Lists chooses today's full lists or the real API's shapes: summaries
	// in the GET lists of environments, systems and releases, and details
	// with every member docs/plutora-api.md ("Records") lists; zero is
	// DefaultLists.
	Lists Lists
	// SummaryFilters names the entities (changes, releases) whose POST
	// /{entity}/filter answers summaries (the list item's members and
	// lastModifiedDate) instead of full records: the real API's choice is
	// unknown, so tests can run both.
	SummaryFilters map[string]bool
	// NoRefreshToken leaves refresh_token out of token answers and
	// refuses grant_type=refresh_token; by default a token answer has a
	// refresh token and the grant honours it.
	NoRefreshToken bool
	// Errors choose among the variants of error answers the real API gives.
	Errors ErrorVariants
	// Quirks turn on the shapes a client must survive that the real API is
	// not known to give by default (zero or null required references, null
	// arrays, a null linkedSystemId).
	Quirks Quirks
}

// ErrorVariants choose how some errors are answered (docs/plutora-api.md,
// "Errors and limits").
// The zero value is the sandbox's plain form of each.
type ErrorVariants struct {
	// Deny403 answers an address outside the IP whitelist with 403
	// instead of 401 (same body).
	Deny403 bool
	// UnknownField400 answers a filter naming a field the entity does not
	// have with 400 naming the field, instead of the real API's 500 "An
	// error has occurred." (docs/plutora-api.md, "Errors and limits").
	UnknownField400 bool
	// CapitalMessage writes "Message" instead of "message" in the 400 and
	// 404 bodies, as some of the real API's controllers do.
	CapitalMessage bool
	// ModelState answers a request that fails validation with 400
	// {"message":"The request is invalid.","modelState":{"<field>":["…"]}}.
	ModelState bool
}

// Server is a running sandbox: Plutora and Plutora Test on two listeners
// sharing one data set.
type Server struct {
	Plutora *Product
	Test    *Product

	opts    Options
	gen     *generator
	stores  map[string]*store
	churnMu sync.Mutex
	churns  []func()
	// linkMu serializes the changes that keep links live (links.go):
	// inserts of linked records and deletes with their cascades.
	linkMu  sync.Mutex
	linkRng *rand.Rand
}

// NewServer generates the data and starts both listeners.
func NewServer(opts Options) (*Server, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("plutoratest: %w", err)
	}
	s := &Server{opts: opts, stores: make(map[string]*store, len(specs)), linkRng: rand.New(rand.NewPCG(uint64(opts.Seed), 0x11a5))}
	sizes := opts.Sizes.withDefaults()
	for _, p := range []*int{&sizes.Changes, &sizes.Releases, &sizes.Environments, &sizes.Hosts, &sizes.Systems, &sizes.Defects,
		&sizes.Bookings, &sizes.TECRs, &sizes.TEBRs} {
		*p = max(*p, 0)
	}
	s.gen = newGenerator(uint64(opts.Seed), sizes, opts.Lists == ListsReal, opts.Quirks)
	for _, spec := range specs {
		s.stores[spec.name] = s.gen.newStore(spec, sizes.of(spec.name))
	}
	s.stores[Environments].embed = s.withHosts
	s.stores[Bookings].embed = s.withState
	var err error
	if s.Plutora, err = s.startProduct("plutora", opts.PlutoraAddr, plutoraCredentials); err != nil {
		return nil, err
	}
	if s.Test, err = s.startProduct("plutoratest", opts.TestAddr, testCredentials); err != nil {
		s.Plutora.close()
		return nil, err
	}
	return s, nil
}

// validate fills the options left zero and checks the rest; the first
// problem is the error.
func (o *Options) validate() error {
	o.fillDefaults()
	if err := o.checkAnswers(); err != nil {
		return err
	}
	switch {
	case o.TokenTTL < 0:
		return fmt.Errorf("option TokenTTL %v is negative", o.TokenTTL)
	case o.Budget < 0:
		return fmt.Errorf("option Budget %d is negative", o.Budget)
	case o.Window < 0:
		return fmt.Errorf("option Window %v is negative", o.Window)
	case o.Latency < 0 || o.Jitter < 0:
		return fmt.Errorf("option Latency %v / Jitter %v: negative", o.Latency, o.Jitter)
	}
	return o.Faults.validate()
}

// fillDefaults gives the options left zero their defaults.
func (o *Options) fillDefaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	setDefault(&o.TokenTTL, 23*time.Hour)
	setDefault(&o.Budget, BudgetPerHour)
	setDefault(&o.Window, time.Hour)
	setDefault(&o.ThrottleStatus, http.StatusTooManyRequests)
	setDefault(&o.DefectEnvelope, "pascal")
	setDefault(&o.PlutoraAddr, "127.0.0.1:0")
	setDefault(&o.TestAddr, "127.0.0.1:0")
	if o.Lists == ListsDefault {
		o.Lists = DefaultLists
	}
}

// checkAnswers checks the options that shape the answers: the lists, the
// filters answering summaries, the defects' envelope.
func (o *Options) checkAnswers() error {
	if o.Lists != ListsFull && o.Lists != ListsReal {
		return fmt.Errorf("option Lists %v: want ListsFull or ListsReal", o.Lists)
	}
	for e := range o.SummaryFilters {
		if e != Changes && e != Releases {
			return fmt.Errorf("option SummaryFilters: %q has no POST filter (want changes or releases)", e)
		}
	}
	if o.DefectEnvelope != "pascal" && o.DefectEnvelope != "camel" {
		return fmt.Errorf("option DefectEnvelope %q: want pascal or camel", o.DefectEnvelope)
	}
	return nil
}

// setDefault sets *p to def when it is zero.
func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

func (s *Server) startProduct(name, addr string, creds Credentials) (*Product, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("plutoratest: listen for %s on %s: %w", name, addr, err)
	}
	p := newProduct(s, name, creds, ln)
	go func() { _ = p.hs.Serve(ln) }()
	return p, nil
}

// Close stops both listeners, any churn, and closes open connections.
func (s *Server) Close() {
	s.churnMu.Lock()
	churns := s.churns
	s.churns = nil
	s.churnMu.Unlock()
	for _, stop := range churns {
		stop()
	}
	s.Plutora.close()
	s.Test.close()
}

func (s *Server) store(entity string) (*store, error) {
	st, ok := s.stores[entity]
	if !ok {
		return nil, fmt.Errorf("%q: %w", entity, ErrUnknownEntity)
	}
	return st, nil
}

// Records returns the live records of entity as id → the JSON the API
// serves; the reference entities (organizations, users, lookup_values,
// environment_groups) as their endpoints serve them. It returns nil for an
// unknown entity.
func (s *Server) Records(entity string) map[string]json.RawMessage {
	if recs, ok := s.referenceRecords(entity); ok {
		out := make(map[string]json.RawMessage, len(recs))
		for i, id := range referenceIDs(recs) {
			out[id] = recs[i]
		}
		return out
	}
	st, err := s.store(entity)
	if err != nil {
		return nil
	}
	return st.snapshot()
}

// Insert adds a newly generated record, stamped with the clock's time, and
// returns its id. Its id falls anywhere in the paging order. A linked
// record (a booking, a TECR, …) refers to live records only; a new release
// comes with its schedule (links.go).
func (s *Server) Insert(entity string) (string, error) {
	if _, err := s.store(entity); err != nil {
		return "", fmt.Errorf("insert: %w", err)
	}
	id, ok := s.insert(entity)
	if !ok {
		return "", fmt.Errorf("insert %s: no live records to refer to", entity)
	}
	return id, nil
}

// Update changes a record's content and sets its last-modified date (where
// the entity has one) to the clock's time.
func (s *Server) Update(entity, id string) error {
	st, err := s.store(entity)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return st.update(id, s.opts.Now())
}

// Delete removes a record, and what depends on it (links.go): a release's
// schedule and bookings, an environment's bookings, …
func (s *Server) Delete(entity, id string) error {
	if _, err := s.store(entity); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return s.delete(entity, id)
}

// Deleted returns when each record of entity deleted so far (by Delete, by
// the churn, or with a record it depended on) was deleted, by the server's
// clock (Options.Now): what a measurement of the deletion lag starts from.
// A record inserted and deleted again is in it too.
func (s *Server) Deleted(entity string) map[string]time.Time {
	st, err := s.store(entity)
	if err != nil {
		return nil
	}
	return st.deleted()
}

// SetRecord stores raw as the record with this id, byte for byte (it may be
// deliberately malformed). Its last-modified date is read from raw when raw
// is an object with one; otherwise the record sorts first by date and
// matches no date filter.
func (s *Server) SetRecord(entity, id string, raw json.RawMessage) error {
	st, err := s.store(entity)
	if err != nil {
		return fmt.Errorf("set record: %w", err)
	}
	if id == "" {
		return fmt.Errorf("set record %s: empty id", entity)
	}
	st.setRecord(id, raw)
	return nil
}

// Count returns the number of live records of entity (0 if unknown).
func (s *Server) Count(entity string) int {
	if recs, ok := s.referenceRecords(entity); ok {
		return len(recs)
	}
	st, err := s.store(entity)
	if err != nil {
		return 0
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	return len(st.order)
}

// IDs returns the live ids of entity in paging order.
func (s *Server) IDs(entity string) []string {
	if recs, ok := s.referenceRecords(entity); ok {
		return referenceIDs(recs)
	}
	st, err := s.store(entity)
	if err != nil {
		return nil
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]string, len(st.order))
	for i, r := range st.order {
		out[i] = r.id
	}
	return out
}

func (p *Product) close() { _ = p.hs.Close() }
