package plutoratest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// objField is one member of a JSON object, in document order.
type objField struct {
	key string
	val json.RawMessage
}

// orderedObject splits a JSON object into its members, keeping their order.
func orderedObject(raw []byte) ([]objField, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []objField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("member %q: %w", k, err)
		}
		out = append(out, objField{k, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

func writeObject(fields []objField) []byte {
	w := &jw{}
	w.open('{')
	for _, f := range fields {
		w.k(f.key).raw(f.val)
	}
	w.close('}')
	return w.b
}

// patch merges delta's members into the record (matching keys in any case),
// stamps its last-modified date and stores the result as an exact record.
func (st *store) patch(id string, delta []byte, now time.Time) ([]byte, error) {
	d, err := orderedObject(delta)
	if err != nil {
		return nil, fmt.Errorf("patch body: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	old, ok := st.byID[strings.ToLower(id)]
	if !ok {
		old, ok = st.byID[id]
	}
	if !ok {
		return nil, fmt.Errorf("patch %s %s: %w", st.spec.name, id, ErrNotFound)
	}
	fields, err := orderedObject(st.raw(old))
	if err != nil {
		return nil, fmt.Errorf("patch %s %s: stored record is not an object: %w", st.spec.name, id, err)
	}
	for _, df := range d {
		if strings.EqualFold(df.key, st.spec.idField) {
			continue
		}
		found := false
		for i := range fields {
			if strings.EqualFold(fields[i].key, df.key) {
				fields[i].val, found = df.val, true
			}
		}
		if !found {
			fields = append(fields, df)
		}
	}
	rec := &record{id: old.id, idx: -1, version: old.version + 1, displayID: old.displayID}
	st.stamp(rec, now, strings.HasSuffix(old.modStr, "+00:00"))
	if st.spec.modField != "" {
		mv, _ := json.Marshal(rec.modStr)
		for i := range fields {
			if strings.EqualFold(fields[i].key, st.spec.modField) {
				fields[i].val = mv
			}
		}
	}
	rec.exactBytes = writeObject(fields)
	st.put(rec)
	return rec.exactBytes, nil
}
