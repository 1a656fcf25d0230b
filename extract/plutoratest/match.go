package plutoratest

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// fieldValue is one field of one record as a filter sees it.
type fieldValue struct {
	s       string
	present bool // not null / missing
	t       time.Time
	isTime  bool
}

// recordView lazily decodes a record for conditions on fields that are not
// kept in the record itself.
type recordView struct {
	st  *store
	rec *record
	m   map[string]any
}

func (v *recordView) get(field string) fieldValue {
	spec := v.st.spec
	switch field {
	case spec.idField:
		return fieldValue{s: v.rec.id, present: true}
	case spec.modField:
		return fieldValue{s: v.rec.modStr, present: v.rec.modStr != "", t: v.rec.modified, isTime: v.rec.modStr != ""}
	}
	if v.m == nil {
		v.m = map[string]any{}
		_ = json.Unmarshal(v.st.raw(v.rec), &v.m)
	}
	x, ok := v.m[field]
	if obj, isObj := x.(map[string]any); isObj {
		x, ok = obj["Value"]
	}
	if !ok || x == nil {
		return fieldValue{}
	}
	fv := fieldValue{present: true}
	switch y := x.(type) {
	case string:
		fv.s = y
		if t, err := parseAPITime(y); err == nil {
			fv.t, fv.isTime = t, true
		}
	case float64:
		fv.s = strconv.FormatFloat(y, 'f', -1, 64)
	case bool:
		fv.s = strconv.FormatBool(y)
	default:
		b, _ := json.Marshal(y)
		fv.s = string(b)
	}
	return fv
}

func (f filter) match(v *recordView) bool {
	if f.empty() {
		return true
	}
	for _, group := range f.or {
		ok := true
		for i := range group {
			if !group[i].match(v.get(group[i].field)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c *cond) match(fv fieldValue) bool {
	switch c.op {
	case opHasValue:
		return fv.present && fv.s != ""
	case opHasNoValue:
		return !fv.present || fv.s == ""
	case opWithin, opNotWithin:
		in := false
		for _, x := range c.list {
			if strings.EqualFold(x, fv.s) {
				in = true
				break
			}
		}
		return in == (c.op == opWithin)
	case opContains:
		return fv.present && strings.Contains(strings.ToLower(fv.s), strings.ToLower(c.value))
	case opNotContains:
		return !fv.present || !strings.Contains(strings.ToLower(fv.s), strings.ToLower(c.value))
	}
	cmp, ok := c.compare(fv)
	if !ok {
		return c.op == opNe
	}
	switch c.op {
	case opEq:
		return cmp == 0
	case opNe:
		return cmp != 0
	case opGt:
		return cmp > 0
	case opGe:
		return cmp >= 0
	case opLt:
		return cmp < 0
	case opLe:
		return cmp <= 0
	}
	return false
}

// compare orders the record's value against the condition's: as times when
// both are dates (by day when the filter gave a day), as numbers when both
// are numbers, else as case-insensitive strings.
func (c *cond) compare(fv fieldValue) (int, bool) {
	if !fv.present {
		return 0, false
	}
	if c.isTime && fv.isTime {
		t := fv.t
		if c.dayOnly && (c.op == opEq || c.op == opNe) {
			t = t.Truncate(24 * time.Hour)
		}
		return t.Compare(c.t), true
	}
	if a, err := strconv.ParseFloat(fv.s, 64); err == nil {
		if b, err := strconv.ParseFloat(c.value, 64); err == nil {
			switch {
			case a < b:
				return -1, true
			case a > b:
				return 1, true
			}
			return 0, true
		}
	}
	return strings.Compare(strings.ToLower(fv.s), strings.ToLower(c.value)), true
}

// selectPage returns the records of page (0-based) and the number of
// records matching q. It walks the id order (as offset paging does) or the
// last-modified index when sorting by it.
func (st *store) selectPage(q query, page, per int) ([]*record, int) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	byMod := q.sortField != "" && q.sortField == st.spec.modField
	base := st.order
	if byMod {
		base = st.byMod
	}
	if q.sortField == "" || byMod {
		if lo, ok := st.modLowerBound(q); ok || q.filter.empty() {
			total := len(base) - lo
			recs := pageOf(base[lo:], q.desc, page, per)
			st.noteServed(lo+pageEnd(page, per, total), byMod)
			return recs, total
		}
	}
	var matched []*record
	for _, rec := range base {
		if q.filter.match(&recordView{st: st, rec: rec}) {
			matched = append(matched, rec)
		}
	}
	if q.sortField != "" && !byMod {
		keys := make([]fieldValue, len(matched))
		for i, rec := range matched {
			keys[i] = (&recordView{st: st, rec: rec}).get(q.sortField)
		}
		idx := make([]int, len(matched))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return fieldLess(keys[idx[a]], keys[idx[b]]) })
		sorted := make([]*record, len(matched))
		for i, j := range idx {
			sorted[i] = matched[j]
		}
		matched = sorted
	}
	st.noteServed(pageEnd(page, per, len(matched)), byMod)
	return pageOf(matched, q.desc, page, per), len(matched)
}

func fieldLess(a, b fieldValue) bool {
	if a.isTime && b.isTime {
		return a.t.Before(b.t)
	}
	return strings.ToLower(a.s) < strings.ToLower(b.s)
}

// modLowerBound handles the incremental filter fast: one AND-group of
// lower bounds on the last-modified field. It returns the first index in
// byMod that matches.
func (st *store) modLowerBound(q query) (int, bool) {
	if q.filter.empty() || len(q.filter.or) != 1 || st.byMod == nil || q.sortField != st.spec.modField {
		return 0, false
	}
	lo := 0
	for _, c := range q.filter.or[0] {
		if c.field != st.spec.modField || !c.isTime || (c.op != opGe && c.op != opGt) {
			return 0, false
		}
		strict := c.op == opGt
		bound := unixNanos(c.t)
		i := sort.Search(len(st.byMod), func(i int) bool {
			r := st.byMod[i]
			if r.modStr == "" {
				return false
			}
			if strict {
				return r.mod > bound
			}
			return r.mod >= bound
		})
		lo = max(lo, i)
	}
	// Records without a date sort first and never match a bound.
	return lo, true
}

// pageEnd is the offset just past page (0-based), without overflow.
func pageEnd(page, per, n int) int {
	if per <= 0 || page < 0 || page >= n/per+1 {
		return n
	}
	return min((page+1)*per, n)
}

func pageOf(recs []*record, desc bool, page, per int) []*record {
	n := len(recs)
	if page < 0 || per <= 0 || page > n/per {
		return nil
	}
	start := page * per
	if start >= n {
		return nil
	}
	end := min(start+per, n)
	if !desc {
		return append([]*record(nil), recs[start:end]...)
	}
	out := make([]*record, 0, end-start)
	for i := n - 1 - start; i >= n-end; i-- {
		out = append(out, recs[i])
	}
	return out
}
