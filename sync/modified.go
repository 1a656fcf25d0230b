package sync

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// zoneless layouts: Plutora sends dates without a zone (meaning UTC) or with
// an offset.
var dateLayouts = []string{
	"2006-01-02T15:04:05.999999999", // the most common form first
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseDate parses a Plutora date; a date without a zone is UTC.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("parse date %q: not a known date form", s)
}

// maxModified returns the latest value of field among records. Records without
// the field, or that do not parse, are skipped: the writer quarantines them.
func maxModified(records []json.RawMessage, field string) *time.Time {
	_, max := scanPage(records, "", field)
	return max
}

// scanPage returns the ids (string values of idField; skipped when idField
// is "" or the value is not a string) and the latest modified time of records.
func scanPage(records []json.RawMessage, idField, modField string) (ids []string, max *time.Time) {
	fast := (idField == "" || strings.EqualFold(idField, "id")) && strings.EqualFold(modField, "lastModifiedDate")
	for _, raw := range records {
		id, s, ok := "", "", false
		if fast {
			id, s, ok = scanKnown(raw, idField != "")
		} else {
			id, s, ok = scanAny(raw, idField, modField)
		}
		if !ok {
			continue
		}
		if id != "" {
			ids = append(ids, strings.ToLower(id))
		}
		if s == "" {
			continue
		}
		t, err := ParseDate(s)
		if err != nil {
			continue
		}
		if max == nil || t.After(*max) {
			max = &t
		}
	}
	return ids, max
}

// scanKnown reads the fields id and lastModifiedDate (in any letter case, as
// encoding/json matches struct fields) without decoding the rest.
func scanKnown(raw json.RawMessage, wantID bool) (id, modified string, ok bool) {
	var rec struct {
		ID       string `json:"id"`
		Modified string `json:"lastModifiedDate"`
	}
	if json.Unmarshal(raw, &rec) != nil {
		// A field of another type: read what can be read.
		return scanAny(raw, map[bool]string{true: "id"}[wantID], "lastModifiedDate")
	}
	if !wantID {
		rec.ID = ""
	}
	return rec.ID, rec.Modified, true
}

// scanAny reads two named fields of a record.
func scanAny(raw json.RawMessage, idField, modField string) (id, modified string, ok bool) {
	var rec map[string]json.RawMessage
	if json.Unmarshal(raw, &rec) != nil {
		return "", "", false
	}
	if idField != "" {
		_ = json.Unmarshal(rec[idField], &id)
	}
	_ = json.Unmarshal(rec[modField], &modified)
	return id, modified, true
}

// later returns the later of two optional times.
func later(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.After(*a):
		return b
	default:
		return a
	}
}
