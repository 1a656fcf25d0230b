package load_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// hostileIDKey is the JSON key of each entity's record id.
var hostileIDKey = map[string]string{"changes": "id", "releases": "id", "environments": "id", "hosts": "id", "systems": "id", "defects": "Id"}

// hostileValues are values put in every field of a record: the JSON text of
// each, or raw bytes that are not JSON at all.
var hostileValues = map[string]string{
	"number":         `12345`,
	"huge number":    `1e400`,
	"true":           `true`,
	"null":           `null`,
	"object":         `{"id":"x","value":7}`,
	"array":          `[1,"a",null,{"id":null}]`,
	"empty string":   `""`,
	"NUL escape":     `"a\u0000b"`,
	"NUL byte":       "\"a\x00b\"",
	"invalid UTF-8":  "\"a\xff\xfeb\"",
	"lone surrogate": `"\ud800"`,
	"SQL":            `"'; DROP TABLE plutora.changes; --"`,
	"uuid":           `"7a1c1f9e-0000-4000-8000-0000000000ff"`,
	"date iso":       `"2025-06-20T17:29:55.883"`,
	"date word":      `"next Tuesday"`,
	"not JSON":       `{"unclosed": [`,
}

// hostileDates are put in the date fields too: every form, and none.
var hostileDates = map[string]string{
	"date offset":     `"2017-01-09T03:17:38.9137257+00:00"`,
	"date Z":          `"2025-06-20T17:29:55Z"`,
	"date only":       `"2025-06-20"`,
	"date slashes":    `"2025/06/20"`,
	"date US":         `"06/20/2025"`,
	"date EU":         `"20-06-2025"`,
	"date unix":       `"1750438195"`,
	"date unix int":   `1750438195`,
	"date Feb 30":     `"2025-02-30"`,
	"date month 13":   `"2025-13-01"`,
	"date hour 25":    `"2025-06-20T25:00:00"`,
	"date offset +99": `"2025-06-20T17:29:55+99:00"`,
	"date year 1":     `"0001-01-01T00:00:00"`,
	"date year 9999":  `"9999-12-31T23:59:59.9999999"`,
	"date blank":      `"   "`,
}

// hostileRecord returns base with key set to value (raw bytes, spliced in
// as they are) and the id set to id (unless key is the id).
func hostileRecord(t testing.TB, base []byte, idKey, id, key, value string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(base, &m); err != nil {
		t.Fatal(err)
	}
	m[idKey] = json.RawMessage(`"` + id + `"`)
	m[key] = json.RawMessage(`"` + "HOLE" + `"`)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Replace(b, []byte(`"`+key+`":"HOLE"`), []byte(`"`+key+`":`+value), 1)
}

// outcome says what became of one record written in a page: loaded with
// the same content, or quarantined with a reason. Anything else is an error.
func outcome(ctx context.Context, db *sqlx.DB, entity, id string, raw []byte) (string, error) {
	var same *bool
	err := db.QueryRowContext(ctx, `SELECT raw = $2::text::jsonb FROM plutora.`+entity+` WHERE id::text = $1`, id, string(raw)).Scan(&same)
	if err == nil && same != nil && *same {
		return "loaded", nil
	}
	sum := sha256.Sum256(raw)
	var reason string
	qerr := db.QueryRowContext(ctx, `SELECT reason FROM plutora_sync.quarantine WHERE entity = $1 AND raw_sha256 = $2`, entity, sum[:]).Scan(&reason)
	if qerr == nil {
		if strings.TrimSpace(reason) == "" {
			return "", fmt.Errorf("quarantined without a reason")
		}
		return "quarantined: " + reason, nil
	}
	if err == nil {
		return "", fmt.Errorf("loaded with other content and not quarantined")
	}
	return "", fmt.Errorf("neither loaded nor quarantined (%w; %w)", err, qerr)
}

// TestHostileValuesInEveryField puts each hostile value in every field of a
// record of every entity (and in a field no column reads), a page per field:
// no page fails or hangs, and each record is loaded as it came or
// quarantined with a reason. Nothing is dropped.
func TestHostileValuesInEveryField(t *testing.T) {
	t.Parallel()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	seq := 0
	for _, entity := range []string{"changes", "releases", "environments", "hosts", "systems", "defects"} {
		base := records(srv, entity)[0]
		var m map[string]json.RawMessage
		if err := json.Unmarshal(base, &m); err != nil {
			t.Fatal(err)
		}
		fields := []string{"soakUnmapped"}
		for k := range m {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		quarantined := map[string]int{}
		for page, key := range fields {
			values := maps.Clone(hostileValues)
			if strings.Contains(strings.ToLower(key), "date") {
				maps.Copy(values, hostileDates)
			}
			if key == hostileIDKey[entity] {
				delete(values, "uuid") // every record of the page would have this id
			}
			names := slices.Sorted(maps.Keys(values))
			var recs []json.RawMessage
			var ids []string
			for _, name := range names {
				seq++
				id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "hostile %d", seq)).String()
				ids = append(ids, id)
				recs = append(recs, hostileRecord(t, base, hostileIDKey[entity], id, key, values[name]))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			res, err := w.WritePage(ctx, synctype.PageWrite{Entity: entity, Mode: synctype.ModeSweep, PageNum: page, TotalCount: len(recs), Records: recs})
			if err != nil {
				cancel()
				t.Errorf("%s.%s: the page failed: %v", entity, key, err)
				continue
			}
			if n := res.Inserted + res.Updated + res.Unchanged + res.Quarantined; n != len(recs) {
				t.Errorf("%s.%s: %+v accounts for %d of %d records", entity, key, res, n, len(recs))
			}
			for i, name := range names {
				got, err := outcome(ctx, db, entity, ids[i], recs[i])
				if err != nil {
					t.Errorf("%s.%s = %s: %v", entity, key, name, err)
				}
				if strings.HasPrefix(got, "quarantined") {
					quarantined[name]++
				}
			}
			cancel()
		}
		t.Logf("%s: %d fields × %d values (more in date fields); quarantined per value: %v", entity, len(fields), len(hostileValues), quarantined)
	}
}

// TestHostileHugeAndDeepValues loads records with a large string and deeply
// nested values: they load (or, past PostgreSQL's limits, are quarantined);
// the page never fails.
func TestHostileHugeAndDeepValues(t *testing.T) {
	t.Parallel()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	base := records(srv, "changes")[0]
	tests := []struct{ name, key, value string }{
		{"1 MB string in a column", "description", `"` + strings.Repeat("<p>x</p>", 1<<17) + `"`},
		{"1 MB string in no column", "soakLarge", `"` + strings.Repeat("large ", 1<<20/6) + `"`},
		{"nested 1000 deep", "soakDeep", strings.Repeat(`{"d":[`, 500) + `1` + strings.Repeat(`]}`, 500)},
		{"nested 9000 deep", "soakDeep", strings.Repeat(`[`, 9000) + strings.Repeat(`]`, 9000)},
		{"nested 9000 deep in a column", "name", strings.Repeat(`[`, 9000) + strings.Repeat(`]`, 9000)},
		{"20k keys", "soakWide", "{" + wideObject(20000) + "}"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "huge %d", i)).String()
			rec := hostileRecord(t, base, "id", id, tc.key, tc.value)
			good := hostileRecord(t, base, "id", uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "good %d", i)).String(), "name", `"good"`)
			res, err := w.WritePage(ctx, synctype.PageWrite{Entity: "changes", Mode: synctype.ModeSweep, PageNum: i, TotalCount: 2,
				Records: []json.RawMessage{good, rec}})
			if err != nil {
				t.Fatalf("the page failed: %v", err)
			}
			got, err := outcome(ctx, db, "changes", id, rec)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d bytes: %s (%+v)", len(rec), got, res)
		})
	}
}

func wideObject(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	return b.String()
}

// TestHostileDateWordsAreNotDates: PostgreSQL's timestamptz input also reads
// words ('now', 'today', 'epoch', 'infinity'…) and many local forms; the API
// sends ISO dates only, so a date column holding a word must send the record
// to the quarantine, not load it as the time of the load.
func TestHostileDateWordsAreNotDates(t *testing.T) {
	t.Parallel()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	base := records(srv, "changes")[0]
	for i, word := range []string{"now", "today", "tomorrow", "yesterday", "epoch", "infinity", "-infinity", "allballs", "Tuesday"} {
		for _, key := range []string{"raisedDate", "lastModifiedDate"} {
			id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "word %d %s", i, key)).String()
			rec := hostileRecord(t, base, "id", id, key, `"`+word+`"`)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_, err := w.WritePage(ctx, synctype.PageWrite{Entity: "changes", Mode: synctype.ModeSweep, PageNum: i, TotalCount: 1,
				Records: []json.RawMessage{rec}})
			if err != nil {
				t.Errorf("%s = %q: the page failed: %v", key, word, err)
				cancel()
				continue
			}
			got, err := outcome(ctx, db, "changes", id, rec)
			cancel()
			if err != nil || !strings.HasPrefix(got, "quarantined") {
				t.Errorf("%s = %q: %s %v; want it quarantined (not a date)", key, word, got, err)
			}
		}
	}
}

// TestHostileSQLMetacharacters loads records whose every string is SQL,
// shell, format or template syntax: each comes back byte for byte in its
// typed column and raw, and every table is still there.
func TestHostileSQLMetacharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	meta := []string{
		`'; DROP TABLE plutora.changes; --`, `Robert'); DROP TABLE students;--`, `" OR 1=1 --`, `1; DELETE FROM plutora_sync.runs`,
		`$1 $2::text`, `$$ dollar $$`, `$tag$ body $tag$`, `\`, `\\x00`, `E'\\x41'`, `%s %d %% %v %!`, `:name ? @p1`,
		`$(rm -rf /)`, "`reboot`", `; ls -la | cat /etc/passwd && echo pwned`, `> /tmp/x 2>&1 &`, `{{.}} ${HOME} #{x}`,
		`/* comment */ -- line`, "tab\tnew\nline\rreturn", `O'Brien`, `''''`, `\N`, "NULL", `<script>alert(1)</script>`,
	}
	base := records(srv, "changes")
	var recs []json.RawMessage
	var ids []string
	for i, s := range meta {
		v, _ := json.Marshal(s)
		id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "meta %d", i)).String()
		rec := hostileRecord(t, base[i], "id", id, "name", string(v))
		rec = hostileRecord(t, rec, "id", id, "descriptionSimple", string(v))
		rec = hostileRecord(t, rec, "id", id, "systems", `[{"systemId":null,"name":`+string(v)+`,"systemRoleType":`+string(v)+`}]`)
		recs, ids = append(recs, rec), append(ids, id)
	}
	// An id that is SQL: quarantined, kept verbatim.
	sqlID := `'; DROP TABLE plutora_sync.quarantine; --`
	recs = append(recs, hostileRecord(t, base[0], "id", "x", "id", mustJSON(sqlID)))
	res, err := w.WritePage(ctx, synctype.PageWrite{Entity: "changes", Mode: synctype.ModeSweep, TotalCount: len(recs), Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != len(meta) || res.Quarantined != 1 {
		t.Errorf("%+v, want %d inserted and 1 quarantined", res, len(meta))
	}
	for i, s := range meta {
		var name, simple, sysName string
		if err := db.QueryRowContext(ctx, `SELECT c.name, c.description_simple, s.Name FROM plutora.changes c
			JOIN plutora.change_systems s ON s.change_id = c.id WHERE c.id = $1`, ids[i]).Scan(&name, &simple, &sysName); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if name != s || simple != s || sysName != s {
			t.Errorf("%q came back as %q, %q, %q", s, name, simple, sysName)
		}
		if got, err := outcome(ctx, db, "changes", ids[i], recs[i]); err != nil || got != "loaded" {
			t.Errorf("%q: %s %v", s, got, err)
		}
	}
	var qid string
	if err := db.QueryRowContext(ctx, `SELECT record_id FROM plutora_sync.quarantine WHERE record_id = $1`, sqlID).Scan(&qid); err != nil {
		t.Errorf("the record with an SQL id is not in the quarantine: %v", err)
	}
	for _, table := range []string{"plutora.changes", "plutora.change_systems", "plutora_sync.runs", "plutora_sync.quarantine"} {
		if n := count(t, db, `SELECT count(*) FROM pg_tables WHERE schemaname || '.' || tablename = $1`, table); n != 1 {
			t.Errorf("table %s is gone", table)
		}
	}
	// Names from the caller are checked, never spliced into SQL.
	if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: `changes; DROP TABLE plutora.changes`, Mode: synctype.ModeSweep}); err == nil {
		t.Error("an entity name that is SQL was accepted")
	}
	if _, _, err := w.MarkDeleted(ctx, synctype.Census{RunID: 1, Entity: `changes" --`, TotalFirst: 1, TotalLast: 1, MaxShare: 0.1}, nil, ""); err == nil {
		t.Error("MarkDeleted accepted an entity name that is SQL")
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestHostileCensusCountsRecordsWithoutID: a record without a usable id goes
// to the quarantine, but it is still one of the census's totalCount records.
// It must not make every census of the entity incomplete (then no deletion is
// ever marked again while it lives upstream).
func TestHostileCensusCountsRecordsWithoutID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	recs := records(srv, "systems")
	runID, _ := loadAll(t, w, "systems", synctype.ModeCensus, recs)
	if _, reason, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "systems", TotalFirst: len(recs), TotalLast: len(recs), MaxShare: 0.5}, nil, ""); err != nil || reason != "" {
		t.Fatalf("first census: %q %v", reason, err)
	}
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Outcome: synctype.OutcomeSuccess}); err != nil {
		t.Fatal(err)
	}
	gone := srv.IDs("systems")[2]
	if err := srv.Delete("systems", gone); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"name":"no id"}`, `{"id":"SYS-12","name":"id not a uuid"}`, `["not an object"]`} {
		upstream := append(records(srv, "systems"), json.RawMessage(bad))
		runID, res := loadAll(t, w, "systems", synctype.ModeCensus, upstream)
		if res.Quarantined != 1 {
			t.Fatalf("%s: %+v", bad, res)
		}
		deleted, reason, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "systems", TotalFirst: len(upstream), TotalLast: len(upstream), MaxShare: 0.5}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if deleted != 1 || reason != "" {
			t.Errorf("census with %s upstream: %d marked deleted, %q; want the deleted system marked", bad, deleted, reason)
		}
		if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Outcome: synctype.OutcomeSuccess}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE plutora.systems SET _deleted_at = NULL WHERE id = $1`, gone); err != nil {
			t.Fatal(err)
		}
	}
}
