package plutoratest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// record is one stored record. It is immutable once published except for
// raw, which is generated on first use (idempotently, so racing readers
// agree). A change replaces the record.
type record struct {
	id         string
	idx        int // generator index; -1 for an exact record put by SetRecord
	version    int
	modified   time.Time // zero when the record has no last-modified date
	mod        int64     // modified as Unix nanoseconds, for fast ordering
	key        uint64    // generated records: orders as the id's first 16 hex digits
	modStr     string
	displayID  string // defects
	parent     string // the id in the spec's parentKey (a host's environment)
	ln         *links // what a linked entity's record refers to (links.go)
	rawPtr     atomic.Pointer[[]byte]
	exactBytes []byte // SetRecord: served as is
}

// store holds the live records of one entity: in id order (the order offset
// paging walks) and, for entities with a last-modified field, in
// (modified, id) order.
type store struct {
	spec *entitySpec
	gen  *generator

	mu        sync.RWMutex
	byID      map[string]*record
	order     []*record // sorted by id
	byMod     []*record // sorted by modified, then id
	byDisplay map[string]*record
	byParent  map[string][]*record // by parent, when the spec has a parentKey; guarded by pmu too
	// pmu guards byParent as well: writers hold mu and pmu, so that a
	// reader that holds mu.RLock (a filter reading a booking, whose state
	// reads its siblings) can read byParent without taking mu twice.
	pmu  sync.RWMutex
	next int // next generator index

	// embed, when set, completes a generated record at each read (an
	// environment's live hosts): what it adds can change without the
	// record changing.
	embed func(rec *record, base []byte) []byte

	// maxServed is the highest offset (exclusive) a client has read, in
	// byMod order when servedByMod is set, for churn's deletes.
	maxServed   atomic.Int64
	servedByMod atomic.Bool

	// gone holds when each deleted record was deleted (the server's
	// clock), under mu: Server.Deleted.
	gone map[string]time.Time
}

func (g *generator) newStore(spec *entitySpec, n int) *store {
	st := &store{spec: spec, gen: g, byID: make(map[string]*record, n), order: make([]*record, 0, n), next: n}
	if spec.name == Defects {
		st.byDisplay = make(map[string]*record, n)
	}
	if spec.parentKey != "" {
		st.byParent = make(map[string][]*record)
	}
	slab := make([]record, n)
	kindHash := strHash(spec.name)
	for i := 0; i < n; i++ {
		rec := &slab[i]
		rec.id, rec.key = guidKey(g.seed, kindHash, uint64(i), 0)
		rec.idx = i
		if spec.modField != "" {
			t, off := g.initialModified(spec.name, i)
			rec.setModified(formatAPITime(t, off))
		}
		if st.byDisplay != nil {
			rec.displayID = displayID(i)
			st.byDisplay[strings.ToLower(rec.displayID)] = rec
		}
		switch {
		case spec.linksOf != nil:
			rec.parent, rec.ln = spec.linksOf(g, i)
		case spec.parentOf != nil:
			rec.parent = spec.parentOf(g, i)
		}
		st.addChild(rec)
		st.byID[rec.id] = rec
		st.order = append(st.order, rec)
	}
	st.order = sortedBy(st.order, func(r *record) int64 { return 0 })
	if spec.modField != "" {
		st.byMod = sortedBy(st.order, func(r *record) int64 { return r.mod })
	}
	return st
}

// sortedBy returns generated records sorted by (major, id). It sorts flat
// keys rather than chasing pointers to the ids, which matters for millions
// of records.
func sortedBy(recs []*record, major func(*record) int64) []*record {
	type key struct {
		major int64
		minor uint64
		rec   *record
	}
	keys := make([]key, len(recs))
	for i, r := range recs {
		keys[i] = key{major(r), r.key, r}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.major, b.major); c != 0 {
			return c
		}
		if c := cmp.Compare(a.minor, b.minor); c != 0 {
			return c
		}
		return strings.Compare(a.rec.id, b.rec.id)
	})
	out := make([]*record, len(recs))
	for i, k := range keys {
		out[i] = k.rec
	}
	return out
}

func (rec *record) setModified(s string, t time.Time) {
	rec.modStr, rec.modified, rec.mod = s, t, unixNanos(t)
	if s == "" {
		rec.mod = math.MinInt64 // no date: first in date order
	}
}

// unixNanos is t in Unix nanoseconds, clamped to the int64 range.
func unixNanos(t time.Time) int64 {
	switch {
	case t.Year() < 1679:
		return math.MinInt64 + 1
	case t.Year() > 2261:
		return math.MaxInt64
	}
	return t.UnixNano()
}

func modLess(a, b *record) bool {
	if a.mod != b.mod {
		return a.mod < b.mod
	}
	return a.id < b.id
}

// raw returns the record's JSON, generating it on first use.
func (st *store) raw(rec *record) []byte {
	if rec.exactBytes != nil {
		return rec.exactBytes
	}
	b := st.base(rec)
	if st.embed != nil {
		return st.embed(rec, b)
	}
	return b
}

// base returns a generated record's JSON as built, building it once.
func (st *store) base(rec *record) []byte {
	if p := rec.rawPtr.Load(); p != nil {
		return *p
	}
	b := st.spec.build(st.gen, rec)
	rec.rawPtr.CompareAndSwap(nil, &b)
	return *rec.rawPtr.Load()
}

// children returns the live records whose parent is id, in id order.
func (st *store) children(id string) []*record {
	kids := st.siblings(id)
	slices.SortFunc(kids, func(a, b *record) int { return strings.Compare(a.id, b.id) })
	return kids
}

// siblings returns the live records whose parent is id, in no order.
func (st *store) siblings(id string) []*record {
	st.pmu.RLock()
	defer st.pmu.RUnlock()
	return slices.Clone(st.byParent[id])
}

func (st *store) posByID(id string) int {
	return sort.Search(len(st.order), func(i int) bool { return st.order[i].id >= id })
}

func (st *store) posByMod(rec *record) int {
	return sort.Search(len(st.byMod), func(i int) bool { return !modLess(st.byMod[i], rec) })
}

// put inserts rec or replaces the record with the same id. Callers hold mu.
func (st *store) put(rec *record) {
	if old, ok := st.byID[rec.id]; ok {
		st.remove(old)
	}
	st.byID[rec.id] = rec
	st.order = insertAt(st.order, st.posByID(rec.id), rec)
	if st.byMod != nil {
		st.byMod = insertAt(st.byMod, st.posByMod(rec), rec)
	}
	if st.byDisplay != nil && rec.displayID != "" {
		st.byDisplay[strings.ToLower(rec.displayID)] = rec
	}
	st.addChild(rec)
}

// addChild indexes rec under its parent; an empty or all-zero parent id is
// no parent. Callers hold mu (or own st).
func (st *store) addChild(rec *record) {
	if st.byParent != nil && rec.parent != "" && rec.parent != zeroGUID {
		st.pmu.Lock()
		st.byParent[rec.parent] = append(st.byParent[rec.parent], rec)
		st.pmu.Unlock()
	}
}

// remove drops rec. Callers hold mu.
func (st *store) remove(rec *record) {
	delete(st.byID, rec.id)
	if i := st.posByID(rec.id); i < len(st.order) && st.order[i] == rec {
		st.order = append(st.order[:i], st.order[i+1:]...)
	}
	if st.byMod != nil {
		i := st.posByMod(rec)
		for ; i < len(st.byMod) && st.byMod[i] != rec; i++ {
		}
		if i < len(st.byMod) {
			st.byMod = append(st.byMod[:i], st.byMod[i+1:]...)
		}
	}
	if st.byDisplay != nil && rec.displayID != "" && st.byDisplay[strings.ToLower(rec.displayID)] == rec {
		delete(st.byDisplay, strings.ToLower(rec.displayID))
	}
	st.pmu.Lock()
	defer st.pmu.Unlock()
	if kids := st.byParent[rec.parent]; kids != nil {
		if kids = slices.DeleteFunc(kids, func(k *record) bool { return k == rec }); len(kids) == 0 {
			delete(st.byParent, rec.parent)
		} else {
			st.byParent[rec.parent] = kids
		}
	}
}

func insertAt(s []*record, i int, rec *record) []*record {
	s = append(s, nil)
	copy(s[i+1:], s[i:])
	s[i] = rec
	return s
}

// stamp sets rec's last-modified date to now, in the form the record uses.
func (st *store) stamp(rec *record, now time.Time, offsetForm bool) {
	if st.spec.modField != "" {
		rec.setModified(formatAPITime(now, offsetForm))
	}
}

func (st *store) insert(now time.Time) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	idx := st.next
	st.next++
	rec := &record{id: st.gen.id(st.spec.name, idx), idx: idx}
	st.stamp(rec, now, false)
	if st.byDisplay != nil {
		rec.displayID = displayID(idx)
	}
	if st.byParent != nil {
		rec.parent = st.spec.parentOf(st.gen, idx)
	}
	st.put(rec)
	return rec.id
}

// insertLinked adds a generated record with the parent and links given
// (a linked entity's, chosen among live records by the caller).
func (st *store) insertLinked(now time.Time, parent string, ln *links) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	idx := st.next
	st.next++
	rec := &record{id: st.gen.id(st.spec.name, idx), idx: idx, parent: parent, ln: ln}
	st.stamp(rec, now, false)
	st.put(rec)
	return rec.id
}

// relink replaces a generated record's links with what change returns, as
// an edit: a new version, stamped now.
func (st *store) relink(id string, now time.Time, change func(*links) *links) {
	st.mu.Lock()
	defer st.mu.Unlock()
	old, ok := st.byID[id]
	if !ok || old.ln == nil {
		return
	}
	rec := &record{id: old.id, idx: old.idx, version: old.version + 1, parent: old.parent, ln: change(old.ln)}
	st.stamp(rec, now, strings.HasSuffix(old.modStr, "+00:00"))
	st.put(rec)
}

// idsWhere returns the ids of the live records keep accepts, in id order.
func (st *store) idsWhere(keep func(*record) bool) []string {
	st.mu.RLock()
	defer st.mu.RUnlock()
	var out []string
	for _, rec := range st.order {
		if keep(rec) {
			out = append(out, rec.id)
		}
	}
	return out
}

func (st *store) update(id string, now time.Time) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	old, ok := st.byID[id]
	if !ok {
		return fmt.Errorf("update %s %s: %w", st.spec.name, id, ErrNotFound)
	}
	rec := &record{id: old.id, idx: old.idx, version: old.version + 1, displayID: old.displayID, parent: old.parent, ln: old.ln}
	if rec.idx < 0 {
		// An exact record: keep its bytes but move its date where possible.
		rec.exactBytes = old.exactBytes
	}
	st.stamp(rec, now, strings.HasSuffix(old.modStr, "+00:00"))
	if rec.exactBytes != nil {
		rec.exactBytes = replaceModified(rec.exactBytes, st.spec.modField, rec.modStr)
	}
	st.put(rec)
	return nil
}

func (st *store) delete(id string, now time.Time) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.byID[id]
	if !ok {
		return fmt.Errorf("delete %s %s: %w", st.spec.name, id, ErrNotFound)
	}
	st.remove(rec)
	if st.gone == nil {
		st.gone = map[string]time.Time{}
	}
	st.gone[id] = now
	return nil
}

// deleted returns when each record deleted so far was deleted.
func (st *store) deleted() map[string]time.Time {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return maps.Clone(st.gone)
}

// setRecord stores raw exactly. Its last-modified date and display id are
// read from raw when raw is a JSON object that has them.
func (st *store) setRecord(id string, raw []byte) {
	rec := &record{id: id, idx: -1, exactBytes: append([]byte(nil), raw...)}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) != nil {
				continue
			}
			switch {
			case st.spec.modField != "" && strings.EqualFold(k, st.spec.modField):
				if t, err := parseAPITime(s); err == nil {
					rec.setModified(s, t)
				}
			case strings.EqualFold(k, "DisplayId"):
				rec.displayID = s
			case st.spec.parentKey != "" && k == st.spec.parentKey:
				rec.parent = strings.ToLower(s)
			}
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if old, ok := st.byID[id]; ok && rec.displayID == "" {
		rec.displayID = old.displayID
	}
	st.put(rec)
}

// replaceModified rewrites the value of field in raw (any case), keeping
// the members' order; raw that is not an object is returned as is.
func replaceModified(raw []byte, field, value string) []byte {
	fields, err := orderedObject(raw)
	if field == "" || err != nil {
		return raw
	}
	mv, _ := json.Marshal(value)
	for i := range fields {
		if strings.EqualFold(fields[i].key, field) {
			fields[i].val = mv
		}
	}
	return writeObject(fields)
}

// snapshot copies the live records as id → JSON.
func (st *store) snapshot() map[string]json.RawMessage {
	st.mu.RLock()
	recs := append([]*record(nil), st.order...)
	st.mu.RUnlock()
	out := make(map[string]json.RawMessage, len(recs))
	for _, rec := range recs {
		out[rec.id] = json.RawMessage(st.raw(rec))
	}
	return out
}

func (st *store) get(id string) (*record, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	rec, ok := st.byID[strings.ToLower(id)]
	if !ok {
		rec, ok = st.byID[id]
	}
	return rec, ok
}

func (st *store) getByDisplay(d string) (*record, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	rec, ok := st.byDisplay[strings.ToLower(d)]
	return rec, ok
}

func (st *store) noteServed(end int, byMod bool) {
	st.servedByMod.Store(byMod)
	for {
		cur := st.maxServed.Load()
		if int64(end) <= cur || st.maxServed.CompareAndSwap(cur, int64(end)) {
			return
		}
	}
}
