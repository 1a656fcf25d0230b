package soak

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// entityKeys are the JSON keys the records of an entity are read by.
type entityKeys struct {
	id, modified string
	wrongKey     string    // a typed field
	wrongVal     any       // a value that does not cast to it
	badDate      string    // a date field other than the modified one ("" = none)
	child        [2]string // an array of child records and a key in its elements that must be a uuid
}

// entities are the entities the soak churns and breaks on purpose; the
// reference data (organizations, users, lookup values, environment groups)
// stays fixed in the sandbox, and is compared like the rest.
var entities = []string{"changes", "releases", "environments", "hosts", "systems", "defects"}

var keys = map[string]entityKeys{
	"changes":      {id: "id", modified: "lastModifiedDate", wrongKey: "changeId", wrongVal: "soak-bad: not a number", badDate: "raisedDate", child: [2]string{"systems", "systemId"}},
	"releases":     {id: "id", modified: "lastModifiedDate", wrongKey: "releaseTypeId", wrongVal: "soak-bad: not a uuid", badDate: "implementationDate", child: [2]string{"additionalInformation", "id"}},
	"environments": {id: "id", wrongKey: "isSharedEnvironment", wrongVal: "soak-bad: not a boolean"},
	"hosts":        {id: "id", wrongKey: "environmentID", wrongVal: "soak-bad: not a uuid", child: [2]string{"layers", "stackLayerID"}},
	"systems":      {id: "id", wrongKey: "organizationId", wrongVal: "soak-bad: not a uuid", child: [2]string{"additionalInformation", "id"}},
	"defects":      {id: "Id", modified: "LastModifiedDate", wrongKey: "Status", wrongVal: map[string]any{"Id": "soak-bad: not a uuid", "Value": "Open"}, badDate: "CreatedDate", child: [2]string{"Fields", "Id"}},
}

// badMarker is in every record made bad on purpose (and in no other).
const badMarker = "soak-bad"

// Kinds of records made bad on purpose. Each is valid JSON (a page holding it
// still parses) that the warehouse cannot load.
var badKinds = []string{
	"wrong type", "NUL in a string", "invalid UTF-8", "bad date", "bad child", "huge number",
	"no id", "id not a uuid", "not an object",
}

// isIDless reports whether records of kind carry no usable id.
func isIDless(kind string) bool {
	return kind == "no id" || kind == "id not a uuid" || kind == "not an object"
}

// idlessTag marks a record made bad on purpose without an id, so that its
// quarantined list item can be told apart even when the list is a summary.
func idlessTag(id string) string { return badMarker + " " + id }

// badIDTag is the id, not a GUID, of a record made bad on purpose that way.
func badIDTag(id string) string { return badMarker + "-" + id[:8] }

// badRecord is one record made bad on purpose.
type badRecord struct {
	entity, id, kind string // id: the sandbox's key (the record may not carry it)
}

// apiTime formats t as the API does (zone-less, milliseconds).
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000") }

// baseRecord returns a live record of entity, decoded, chosen by rng.
func baseRecord(sb *plutoratest.Server, entity string, rng *rand.Rand) (map[string]any, error) {
	recs := sb.Records(entity)
	ids := make([]string, 0, len(recs))
	for id, raw := range recs {
		if !bytes.Contains(raw, []byte(badMarker)) { // never copy a bad one
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no %s left to copy", entity)
	}
	sort.Strings(ids)
	d := json.NewDecoder(bytes.NewReader(recs[ids[rng.IntN(len(ids))]]))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode a %s: %w", entity, err)
	}
	return m, nil
}

func newID(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return uuid.Must(uuid.FromBytes(b[:])).String()
}

// makeBad builds a record of entity made bad in the given way, from a copy of
// a live one, and returns its sandbox id and bytes.
func makeBad(sb *plutoratest.Server, entity, kind string, rng *rand.Rand, now time.Time) (string, []byte, error) {
	m, err := baseRecord(sb, entity, rng)
	if err != nil {
		return "", nil, err
	}
	k := keys[entity]
	id := newID(rng)
	m[k.id] = id
	if k.modified != "" {
		m[k.modified] = apiTime(now)
	}
	m["soakBad"] = badMarker + ": " + kind
	switch kind {
	case "wrong type":
		m[k.wrongKey] = k.wrongVal
	case "NUL in a string":
		m["soakBad"] = badMarker + ": NUL \x00 here" // encoding/json writes \u0000, which jsonb refuses
	case "invalid UTF-8":
		m["soakBad"] = "UTF8-PLACEHOLDER"
	case "bad date":
		if k.badDate == "" {
			m[k.wrongKey] = k.wrongVal
		} else {
			m[k.badDate] = "31/02/2020 25:61 (" + badMarker + ")"
		}
	case "bad child":
		if k.child[0] == "" {
			m[k.wrongKey] = k.wrongVal
		} else {
			m[k.child[0]] = []any{map[string]any{k.child[1]: badMarker + ": not a uuid"}}
		}
	case "huge number":
		if entity == "changes" {
			m["changeId"] = json.Number("1e400")
		} else {
			m[k.wrongKey] = k.wrongVal
		}
	case "no id":
		delete(m, k.id)
		// A summary list (environments, systems) answers only a few fields
		// of it, and with no id the worker cannot fetch the rest: the name,
		// which every summary carries, holds the marker and this record's tag.
		for _, name := range []string{"name", "Name"} {
			if _, ok := m[name]; ok {
				m[name] = idlessTag(id)
			}
		}
	case "id not a uuid":
		m[k.id] = badIDTag(id)
	case "not an object":
		// Unique bytes: the census counts a record without an id by a
		// stand-in derived from its bytes.
		return id, []byte(`["` + badMarker + `", "not an object", "` + id + `", 1, null]`), nil
	default:
		return "", nil, fmt.Errorf("unknown bad kind %q", kind)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", nil, err
	}
	if kind == "invalid UTF-8" {
		raw = bytes.Replace(raw, []byte("UTF8-PLACEHOLDER"), []byte(badMarker+": \xff\xfe\xc3"), 1)
	}
	return id, raw, nil
}

// Strings that are SQL, shell, format or template syntax: loaded records
// holding them must come back byte for byte, and every table must survive.
var metaStrings = []string{
	`'; DROP TABLE plutora.changes; --`, `Robert'); DROP TABLE students;--`, `" OR 1=1 --`,
	`$1 $2::text`, `$$ dollar $$`, `$tag$ body $tag$`, `\`, `\\x00`, `E'\\x41'`, `%s %d %% %v`, `:name ? @p1`,
	`$(rm -rf /)`, "`reboot`", `; ls -la | cat /etc/passwd && echo pwned`, `> /tmp/x 2>&1 &`,
	`<script>alert(1)</script>`, `{{.}} ${HOME} #{x}`, `/* comment */ -- line`, "tab\tnew\nline\rreturn",
	"\u2028\u2029", "ΑΒΓ 漢字 🙂 \u202eRTL", `O'Brien`, `''''`, `;`, "NULL", "null", `\N`,
}

// makeMeta builds a good record of entity (a copy of a live one under a new
// id) whose strings are metacharacters, with a deeply nested value and a
// large string: it must load as is.
func makeMeta(sb *plutoratest.Server, entity string, rng *rand.Rand, now time.Time) (string, []byte, error) {
	m, err := baseRecord(sb, entity, rng)
	if err != nil {
		return "", nil, err
	}
	k := keys[entity]
	id := newID(rng)
	m[k.id] = id
	if k.modified != "" {
		m[k.modified] = apiTime(now)
	}
	name := "name"
	if entity == "defects" {
		name = "Name"
	}
	m[name] = strings.ReplaceAll(metaStrings[0], "changes", entity)
	m["soakMeta"] = metaStrings
	var deep any = "bottom"
	for range 200 {
		deep = map[string]any{"d": []any{deep}}
	}
	m["soakDeep"] = deep
	m["soakLarge"] = strings.Repeat("large ", 20000)
	raw, err := json.Marshal(m)
	return id, raw, err
}
