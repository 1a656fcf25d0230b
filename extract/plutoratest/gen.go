package plutoratest

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"
)

// epoch is the newest lastModifiedDate of the initial data set. It is fixed
// so that a seed always yields the same bytes; records changed later get the
// server clock's time.
var epoch = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

const zeroGUID = "00000000-0000-0000-0000-000000000000"

func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func strHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// guid derives a lowercase GUID from (seed, kind, i, v).
func guid(seed uint64, kind string, i, v uint64) string {
	s, _ := guidKey(seed, strHash(kind), i, v)
	return s
}

// guidKey is guid with the kind already hashed; key orders as the GUID's
// first 16 hex digits do.
func guidKey(seed, kindHash uint64, i, v uint64) (string, uint64) {
	a := mix64(seed ^ kindHash ^ mix64(i) ^ mix64(v+0x51ed))
	b := mix64(a ^ 0x2545f4914f6cdd1d)
	var raw [16]byte
	for k := 0; k < 8; k++ {
		raw[k] = byte(a >> (8 * k))
		raw[8+k] = byte(b >> (8 * k))
	}
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], raw[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], raw[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], raw[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], raw[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], raw[10:16])
	return string(out[:]), binary.BigEndian.Uint64(raw[:8])
}

// generator builds the deterministic data set of one server.
type generator struct {
	seed    uint64
	sizes   Sizes
	lookups *lookups
	people  []person
	orgs    []lookupItem // organizations: Value is the name, Type Company or Department
	// real adds the detail members the warehouse does not map yet
	// (environments' usageWorkItemId, systems' isAllowEdit and
	// inMyOrganization): on under ListsReal, off in today's full world.
	real   bool
	quirks Quirks
}

func newGenerator(seed uint64, sizes Sizes, real bool, quirks Quirks) *generator {
	return &generator{seed: seed, sizes: sizes, lookups: newLookups(seed), people: newPeople(seed), orgs: newOrganizations(seed), real: real, quirks: quirks}
}

func (g *generator) rng(entity string, idx, version int) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^strHash(entity), mix64(uint64(idx))^mix64(uint64(version)+7)))
}

// id is the id of the idx-th generated record of entity.
func (g *generator) id(entity string, idx int) string {
	return guid(g.seed, entity, uint64(idx), 0)
}

// initialModified spreads the initial data over the three years before epoch.
func (g *generator) initialModified(entity string, idx int) (time.Time, bool) {
	h := mix64(g.seed ^ strHash(entity+"/mod") ^ uint64(idx))
	back := time.Duration(h%uint64(3*365*24*time.Hour/time.Millisecond)) * time.Millisecond
	back += time.Duration(h>>40%10000) * 100 * time.Nanosecond
	return epoch.Add(-back), h>>60 < 3 // about one in five in the offset form
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var (
	firstNames = []string{"Ana", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam", "Maya", "Noor", "Oscar", "Priya"}
	lastNames  = []string{"Okafor", "Smith", "Nguyen", "Kowalski", "Haddad", "Silva", "Tanaka", "Müller", "O'Brien", "Patel", "Rossi", "Dubois"}
	nouns      = []string{"payments gateway", "customer portal", "ledger", "mobile app", "batch scheduler", "risk engine", "CRM", "data warehouse", "identity service", "card switch", "statements", "notifications"}
	verbs      = []string{"Upgrade", "Migrate", "Patch", "Refactor", "Decommission", "Harden", "Scale", "Integrate", "Replace", "Audit"}
	vendors    = []string{"Oracle", "Microsoft", "IBM", "SAP", "Red Hat", "In-house", "AWS", "Salesforce"}
	colors     = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"}
	components = []string{"nginx", "PostgreSQL", "Oracle DB", "Tomcat", "RHEL", "Windows Server", "Kafka", "Redis", "IIS", "JBoss", "Cisco ASA"}
)

// person is a user: records name one by id and by name (first and last
// name); GET /users lists them.
type person struct{ id, name, first, last, email string }

// newPeople builds the users records refer to.
func newPeople(seed uint64) []person {
	out := make([]person, len(firstNames)*len(lastNames))
	for n := range out {
		f, l := firstNames[n%len(firstNames)], lastNames[n/len(firstNames)]
		out[n] = person{
			id:    guid(seed, "user", uint64(n), 0),
			name:  f + " " + l,
			first: f,
			last:  l,
			email: strings.ToLower(f) + "." + strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(l, "'", ""), "ü", "ue")) + "@example.com",
		}
	}
	return out
}

func (g *generator) person(r *rand.Rand) person { return g.people[r.IntN(len(g.people))] }

func (g *generator) lookup(r *rand.Rand, typ string) lookupItem { return pick(r, g.lookups.get(typ)) }

// refKind says how often a reference is empty.
type refKind int

const (
	// optional: null in about one record in 20.
	optional refKind = iota
	// required: always set; the all-zero GUID with a null name in about
	// one record in 200 under Quirks.ZeroRequiredRefs.
	required
	// requiredNull: always set; null in about one record in 20 under
	// Quirks.ZeroRequiredRefs (a release's risk level).
	requiredNull
)

// ref writes an id/name pair drawn from items, empty as kind and the
// quirks say. Plutora's own exporter reads required references unguarded
// (docs/plutora-api.md, "Records"), so by default they are set; the
// quirk's zeros are few, so that nearly every id resolves.
func (g *generator) ref(w *jw, r *rand.Rand, idKey, nameKey string, items []lookupItem, kind refKind) {
	n := r.IntN(200)
	odd := g.quirks.ZeroRequiredRefs
	switch {
	case kind == required && odd && n == 0:
		w.ks(idKey, zeroGUID).kn(nameKey)
	case kind == optional && n < 10, kind == requiredNull && odd && n < 10:
		w.kn(idKey).kn(nameKey)
	default:
		it := pick(r, items)
		w.ks(idKey, it.ID).ks(nameKey, it.Value)
	}
}

// date returns a random date around epoch in one of the API's forms,
// including midnight zone-less dates.
func (g *generator) date(r *rand.Rand) string {
	t := epoch.Add(time.Duration(r.IntN(4*365)-3*365) * 24 * time.Hour)
	switch r.IntN(3) {
	case 0:
		return t.Format("2006-01-02T15:04:05")
	case 1:
		s, _ := formatAPITime(t.Add(time.Duration(r.Int64N(int64(24*time.Hour)))), false)
		return s
	default:
		s, _ := formatAPITime(t.Add(time.Duration(r.Int64N(int64(24*time.Hour)))), true)
		return s
	}
}

func (g *generator) sentence(r *rand.Rand) string {
	return pick(r, verbs) + " the " + pick(r, nouns) + " (" + pick(r, vendors) + ")"
}

func (g *generator) html(r *rand.Rand) (html, simple string) {
	a, b, owner := g.sentence(r), g.sentence(r), g.person(r).name
	return fmt.Sprintf("<p>%s.</p><ul><li>%s &amp; verify</li><li>Owner: %s</li></ul>", a, b, owner),
		fmt.Sprintf("%s. %s & verify. Owner: %s", a, b, owner)
}

// customField is one definition of the custom-field catalogue.
type customField struct {
	name, dataType string
}

var customFields = []customField{
	{"Business Justification", "FreeText"},
	{"Story Points", "Number"},
	{"Estimated Cost", "Decimal"},
	{"Go-Live Window", "ListField"},
	{"Impacted Regions", "ListSelect"},
	{"Approval Date", "DatePicker"},
	{"Cutover Time", "TimePicker"},
	{"Freeze Start", "DateTimePicker"},
}

var listOptions = []string{"AMER", "EMEA", "APAC", "Weekend", "Weekday night"}

// additionalInformation writes the custom fields of a record of kind typ
// (Change or Release): up to two consecutive entries of the catalogue from
// a random start, so every data type occurs across records.
func (g *generator) additionalInformation(w *jw, r *rand.Rand, typ string) {
	w.k("additionalInformation").open('[')
	n := r.IntN(3)
	start := r.IntN(len(customFields))
	for k := 0; k < n; k++ {
		ci := (start + k) % len(customFields)
		cf := customFields[ci]
		w.open('{').ks("id", guid(g.seed, "customfield/"+typ, uint64(ci), 0)).ks("name", cf.name).ks("type", typ).ks("dataType", cf.dataType)
		empty := r.IntN(8) == 0
		slot := func(name string, dt string, write func()) {
			w.k(name)
			if cf.dataType == dt && !empty {
				write()
			} else {
				w.null()
			}
		}
		slot("text", "FreeText", func() { w.s(g.sentence(r) + " – \"quoted\"") })
		slot("number", "Number", func() { w.i(int64(r.IntN(100))) })
		slot("decimal", "Decimal", func() { w.f(float64(r.IntN(1000000)) / 100) })
		slot("date", "DatePicker", func() { w.s(g.date(r)[:10] + "T00:00:00") })
		slot("time", "TimePicker", func() { w.s(fmt.Sprintf("%02d:%02d:00", r.IntN(24), r.IntN(4)*15)) })
		slot("dateTime", "DateTimePicker", func() { w.s(g.date(r)) })
		slot("listItem", "ListField", func() {
			o := r.IntN(len(listOptions))
			w.open('{').ks("id", guid(g.seed, "listoption", uint64(o), 0)).ks("value", listOptions[o]).close('}')
		})
		slot("multiListItem", "ListSelect", func() {
			w.open('[')
			for o := range listOptions {
				if r.IntN(2) == 0 {
					w.open('{').ks("id", guid(g.seed, "listoption", uint64(o), 0)).ks("value", listOptions[o]).close('}')
				}
			}
			w.close(']')
		})
		w.close('}')
	}
	w.close(']')
}
