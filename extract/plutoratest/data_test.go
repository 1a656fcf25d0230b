package plutoratest

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// requiredFields are the fields docs/plutora-api.md ("Records") names per
// entity.
var requiredFields = map[string][]string{
	Changes: {"id", "changeId", "name", "changePriorityId", "changePriority", "changeStatusId", "changeStatus",
		"changeTypeId", "changeType", "changeDeliveryRiskId", "changeDeliveryRisk", "changeThemeId", "changeTheme",
		"businessValueScore", "raisedById", "raisedBy", "raisedDate", "organizationId", "organization",
		"expectedDeliveryDate", "description", "descriptionSimple", "lastModifiedDate", "lastModifiedBy",
		"additionalInformation", "stakeholders", "systems", "deliveryReleases", "comments"},
	Releases: {"id", "identifier", "name", "summary", "location", "releaseTypeId", "releaseType", "releaseStatusTypeId",
		"releaseStatusType", "releaseRiskLevelId", "releaseRiskLevel", "implementationDate", "displayColor",
		"organizationId", "organization", "managerId", "parentReleaseId", "plutoraReleaseType", "releaseProjectType",
		"additionalInformation", "lastModifiedDate"},
	Hosts: {"id", "name", "environmentID", "layers"},
	Environments: {"id", "name", "url", "linkedSystem", "linkedSystemId", "usageWorkItem", "status", "environmentStatusId",
		"environmentStatus", "color", "description", "vendor", "environmentMgr", "isSharedEnvironment", "hosts"},
	Systems: {"id", "name", "vendor", "status", "organizationId", "organization", "description", "additionalInformation"},
	Defects: {"Id", "DisplayId", "Name", "Description", "Status", "Fields", "LastModifiedDate"},
}

var nestedFields = map[string][]string{
	"stakeholders":          {"userId", "user", "groupId", "group", "stakeholderRoleIds", "stakeholderRoles", "responsible", "accountable", "informed", "consulted"},
	"systems":               {"systemId", "name", "systemRoleType"},
	"deliveryReleases":      {"releaseId", "targetRelease", "actualDeliveryRelease"},
	"layers":                {"id", "componentName", "version", "hostID", "environmentID", "stackLayerID", "stackLayer", "stackLayerType"},
	"additionalInformation": {"id", "name", "type", "dataType", "text", "number", "decimal", "date", "time", "dateTime", "listItem", "multiListItem"},
	"Fields":                {"StringValue"},
}

func TestGeneratedFieldsAndReferences(t *testing.T) {
	s := newTestServer(t, Options{Seed: 11})
	envs, rels := s.Records(Environments), s.Records(Releases)
	dataTypes := map[string]bool{}
	var zoneless, offset, zeroGUIDs, envsWithoutHosts int
	for entity, fields := range requiredFields {
		seenNested := map[string]bool{}
		for id, raw := range s.Records(entity) {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s %s: %v", entity, id, err)
			}
			for _, f := range fields {
				if _, ok := m[f]; !ok {
					t.Fatalf("%s %s lacks %q", entity, id, f)
				}
			}
			for arr, nf := range nestedFields {
				items, _ := m[arr].([]any)
				for _, it := range items {
					obj := it.(map[string]any)
					seenNested[arr] = true
					for _, f := range nf {
						if _, ok := obj[f]; !ok {
							t.Fatalf("%s %s: %s item lacks %q", entity, id, arr, f)
						}
					}
					if dt, ok := obj["dataType"].(string); ok {
						dataTypes[dt] = true
					}
					if arr == "layers" && obj["stackLayerType"] != "StackLayer" {
						t.Fatalf("layer stackLayerType %v", obj["stackLayerType"])
					}
				}
			}
			if mod, ok := m["lastModifiedDate"].(string); ok {
				if strings.HasSuffix(mod, "+00:00") {
					offset++
				} else {
					zoneless++
				}
			}
			if strings.Contains(string(raw), zeroGUID) {
				zeroGUIDs++
			}
			switch entity {
			case Hosts:
				if _, ok := envs[m["environmentID"].(string)]; !ok {
					t.Fatalf("host %s: environment %v does not exist", id, m["environmentID"])
				}
			case Changes:
				for _, dr := range m["deliveryReleases"].([]any) {
					if _, ok := rels[dr.(map[string]any)["releaseId"].(string)]; !ok {
						t.Fatalf("change %s: delivery release %v does not exist", id, dr)
					}
				}
			case Environments:
				if hosts, ok := m["hosts"].([]any); ok && len(hosts) == 0 {
					envsWithoutHosts++
				}
			}
		}
		for arr := range nestedFields {
			if _, ok := m0(requiredFields[entity], arr); ok && !seenNested[arr] {
				t.Errorf("%s: no record has any %s item", entity, arr)
			}
		}
	}
	for _, cf := range customFields {
		if !dataTypes[cf.dataType] {
			t.Errorf("no custom field of type %s", cf.dataType)
		}
	}
	if zoneless == 0 || offset == 0 || zeroGUIDs == 0 || envsWithoutHosts == 0 {
		t.Errorf("variety: zoneless %d offset %d zero GUIDs %d envs without hosts ([]) %d", zoneless, offset, zeroGUIDs, envsWithoutHosts)
	}
}

// quirkCounts counts, in the records of s, what each quirk turns on.
func quirkCounts(t *testing.T, s *Server) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, e := range []string{Changes, Releases, Environments, Hosts} {
		for id, raw := range s.Records(e) {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s %s: %v", e, id, err)
			}
			for _, k := range map[string][]string{
				Changes:  {"organizationId", "changeStatusId", "changePriorityId", "changeTypeId"},
				Releases: {"organizationId", "releaseStatusTypeId", "releaseTypeId"},
			}[e] {
				if m[k] == zeroGUID || m[k] == nil {
					n["zero or null required reference"]++
				}
			}
			if e == Releases && m["releaseRiskLevelId"] == nil {
				n["null releaseRiskLevelId"]++
			}
			if e == Environments && m["hosts"] == nil {
				n["null hosts"]++
			}
			if e == Environments && m["linkedSystemId"] == nil {
				n["null linkedSystemId"]++
			}
			if e == Hosts && m["layers"] == nil {
				n["null layers"]++
			}
		}
	}
	return n
}

// TestQuirks: by default required references are set, arrays are [] and
// every environment links a system; each quirk turns its case on.
func TestQuirks(t *testing.T) {
	if n := quirkCounts(t, newTestServer(t, Options{Seed: 11, Sizes: DefaultSizes()})); len(n) != 0 {
		t.Errorf("default data: %v, want none", n)
	}
	n := quirkCounts(t, newTestServer(t, Options{Seed: 11, Sizes: DefaultSizes(), Quirks: AllQuirks()}))
	for _, k := range []string{"zero or null required reference", "null releaseRiskLevelId", "null hosts", "null linkedSystemId", "null layers"} {
		if n[k] == 0 {
			t.Errorf("AllQuirks: no %s (%v)", k, n)
		}
	}
	only, err := ParseQuirks("null-arrays")
	if err != nil || only != (Quirks{NullArrays: true}) {
		t.Errorf("ParseQuirks(null-arrays) = %+v, %v", only, err)
	}
	if q, err := ParseQuirks(" all ,none"); err != nil || q != AllQuirks() {
		t.Errorf("ParseQuirks(all) = %+v, %v", q, err)
	}
	if _, err := ParseQuirks("zero-refs,nulls"); err == nil || !strings.Contains(err.Error(), `"nulls"`) {
		t.Errorf("ParseQuirks(nulls): %v", err)
	}
}

func m0(list []string, s string) (int, bool) {
	for i, x := range list {
		if x == s {
			return i, true
		}
	}
	return 0, false
}

func TestDeterministic(t *testing.T) {
	a := newTestServer(t, Options{Seed: 42})
	b := newTestServer(t, Options{Seed: 42})
	c := newTestServer(t, Options{Seed: 43})
	for _, e := range []string{Changes, Defects, Environments} {
		ra, rb, rc := a.Records(e), b.Records(e), c.Records(e)
		for id, raw := range ra {
			if string(rb[id]) != string(raw) {
				t.Fatalf("%s %s differs between two servers of one seed", e, id)
			}
			if _, ok := rc[id]; ok {
				t.Fatalf("%s %s exists under another seed", e, id)
			}
		}
	}
}

func TestDataMethods(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := newTestServer(t, Options{Now: clk.now})
	tok := token(t, s.Plutora)
	n := s.Count(Changes)
	id, err := s.Insert(Changes)
	if err != nil || s.Count(Changes) != n+1 {
		t.Fatalf("insert: %v, count %d", err, s.Count(Changes))
	}
	detail := call(t, nil, "GET", s.Plutora.URL+"/changes/"+id, tok, nil)
	if detail.status != 200 || string(detail.body) != string(s.Records(Changes)[id]) {
		t.Fatalf("detail of inserted: %d", detail.status)
	}
	var m modRecord
	_ = json.Unmarshal(detail.body, &m)
	if m.Mod != "2026-03-01T12:00:00" {
		t.Fatalf("inserted lastModifiedDate %q", m.Mod)
	}
	before := s.Records(Changes)[id]
	clk.advance(time.Minute + 1500*time.Microsecond)
	if err := s.Update(Changes, id); err != nil {
		t.Fatal(err)
	}
	after := s.Records(Changes)[id]
	_ = json.Unmarshal(after, &m)
	if string(after) == string(before) || m.Mod != "2026-03-01T12:01:00.001" {
		t.Fatalf("update: same content %v, modified %q", string(after) == string(before), m.Mod)
	}
	// The update is the newest record in an incremental read.
	e := decodeEnvelope(t, call(t, nil, "POST", s.Plutora.URL+"/changes/filter", tok, `{"searchFilters":[{"property":"lastModifiedDate","operator":"GreaterThan","value":"2026-03-01T12:00:30","direction":"ASC"}],"pageNum":0,"recordsPerPage":100}`))
	if e.TotalCount != 1 || idOf(t, e.ResultSet[0]) != id {
		t.Fatalf("incremental after update: %d", e.TotalCount)
	}
	if err := s.Delete(Changes, id); err != nil || s.Count(Changes) != n {
		t.Fatalf("delete: %v", err)
	}
	if r := call(t, nil, "GET", s.Plutora.URL+"/changes/"+id, tok, nil); r.status != 404 {
		t.Fatalf("detail of deleted: %d", r.status)
	}
	if err := s.Delete(Changes, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Insert("widgets"); !errors.Is(err, ErrUnknownEntity) {
		t.Fatalf("unknown entity: %v", err)
	}
	// SetRecord: exact bytes, even broken ones, served in the page.
	bad := json.RawMessage(`{"id":"ffffffff-0000-0000-0000-000000000001","lastModifiedDate":"2026-04-01T00:00:00","name":42}`)
	if err := s.SetRecord(Changes, "ffffffff-0000-0000-0000-000000000001", bad); err != nil {
		t.Fatal(err)
	}
	e = decodeEnvelope(t, call(t, nil, "POST", s.Plutora.URL+"/changes/filter", tok, `{"searchFilters":[{"property":"lastModifiedDate","operator":"GreaterOrEqual","value":"2026-03-15","direction":"ASC"}]}`))
	if e.TotalCount != 1 || string(e.ResultSet[0]) != string(bad) {
		t.Fatalf("set record: %d %s", e.TotalCount, e.ResultSet)
	}
	broken := json.RawMessage(`{"id":"fffffffe-0000-0000-0000-000000000001","name":`)
	if err := s.SetRecord(Changes, "fffffffe-0000-0000-0000-000000000001", broken); err != nil {
		t.Fatal(err)
	}
	r := call(t, nil, "GET", s.Plutora.URL+"/changes/fffffffe-0000-0000-0000-000000000001", tok, nil)
	if string(r.body) != string(broken) {
		t.Fatalf("broken record served as %s", r.body)
	}
}

func TestMeDetailLookupsAndRoutes(t *testing.T) {
	s := newTestServer(t, Options{Seed: 2})
	tok, ttok := token(t, s.Plutora), token(t, s.Test)
	if r := call(t, nil, "GET", s.Plutora.URL+"/ME", tok, nil); r.status != 200 || string(r.body) != `"sync.bot@example.com"` {
		t.Fatalf("/me: %d %s", r.status, r.body)
	}
	for id, raw := range s.Records(Hosts) {
		if r := call(t, nil, "GET", s.Plutora.URL+"/Hosts/"+strings.ToUpper(id), tok, nil); r.status != 200 || string(r.body) != string(raw) {
			t.Fatalf("host detail: %d", r.status)
		}
		break
	}
	r := call(t, nil, "GET", s.Plutora.URL+"/lookupfields/StackLayer", tok, nil)
	var items []struct {
		ID, Value, Type string
		SortOrder       int
	}
	if err := json.Unmarshal(r.body, &items); err != nil || len(items) != 5 || items[0].Type != "StackLayer" || items[0].Value != "Application" {
		t.Fatalf("lookupfields: %v %s", err, r.body)
	}
	// Every stackLayerID on a host is from the list or the zero GUID.
	ok := map[string]bool{zeroGUID: true}
	for _, it := range items {
		ok[it.ID] = true
	}
	for _, raw := range s.Records(Hosts) {
		var h struct {
			Layers []struct{ StackLayerID string }
		}
		_ = json.Unmarshal(raw, &h)
		for _, l := range h.Layers {
			if !ok[l.StackLayerID] {
				t.Fatalf("stackLayerID %s not in /lookupfields/StackLayer", l.StackLayerID)
			}
		}
	}
	if r := call(t, nil, "GET", s.Plutora.URL+"/lookupfields/Nope", tok, nil); r.status != 404 {
		t.Fatalf("unknown lookup: %d", r.status)
	}
	r = call(t, nil, "GET", s.Plutora.URL+"/widgets?pageNum=0", tok, nil)
	want := `{"message":"No HTTP resource was found that matches the request URI '` + s.Plutora.URL + `/widgets?pageNum=0'."}`
	if r.status != 404 || string(r.body) != want {
		t.Fatalf("unknown route: %d %s", r.status, r.body)
	}
	if r := call(t, nil, "GET", s.Plutora.URL+"/changes/0000", tok, nil); r.status != 404 {
		t.Fatalf("unknown id: %d", r.status)
	}
	if r := call(t, nil, "GET", s.Test.URL+"/changes?pageNum=0", ttok, nil); r.status != 404 {
		t.Fatalf("changes on Plutora Test: %d", r.status)
	}
	if r := call(t, nil, "DELETE", s.Plutora.URL+"/changes", tok, nil); r.status != 405 {
		t.Fatalf("DELETE list: %d", r.status)
	}
}

func TestRequestLog(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := newTestServer(t, Options{Now: clk.now})
	tok := token(t, s.Plutora)
	call(t, nil, "GET", s.Plutora.URL+"/hosts?pageNum=0", tok, nil)
	call(t, nil, "GET", s.Plutora.URL+"/hosts?pageNum=1", "", nil)
	log := s.Plutora.RequestLog()
	if len(log) != 3 {
		t.Fatalf("log: %+v", log)
	}
	cid := s.Plutora.Credentials().ClientID
	want := []LoggedRequest{
		{clk.t, cid, "POST", "/oauth/token", 200, ""},
		{clk.t, cid, "GET", "/hosts", 200, "pageNum=0"},
		{clk.t, "", "GET", "/hosts", 401, "pageNum=1"},
	}
	for i := range want {
		if log[i] != want[i] {
			t.Errorf("log[%d] = %+v, want %+v", i, log[i], want[i])
		}
	}
	if len(s.Test.RequestLog()) != 0 {
		t.Fatal("Plutora Test logged Plutora's requests")
	}
}

// clientFrom dials from a given loopback source address.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func TestWhitelist(t *testing.T) {
	s := newTestServer(t, Options{})
	tok := token(t, s.Plutora)
	s.Plutora.SetWhitelist("127.0.0.1/32", "10.1.2.3")
	if r := call(t, nil, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 200 {
		t.Fatalf("inside: %d", r.status)
	}
	outside := clientFrom("127.0.0.2")
	if r := call(t, outside, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 401 || string(r.body) != deniedBody {
		t.Fatalf("outside: %d %s", r.status, r.body)
	}
	// The trusted header stands in for the source address.
	req, _ := http.NewRequest("GET", s.Plutora.URL+"/me", nil)
	req.Header.Set("Authorization", "bearer "+tok)
	req.Header.Set("X-Plutoratest-Remote-Addr", "10.1.2.3")
	res, err := outside.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("header inside: %d", res.StatusCode)
	}
	// The token endpoint is not checked unless asked.
	res, err = outside.Post(s.Plutora.TokenURL, "", strings.NewReader(tokenForm(s.Plutora.Credentials())))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("token from outside: %d", res.StatusCode)
	}
	s.Plutora.SetWhitelist()
	if r := call(t, outside, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 200 {
		t.Fatalf("whitelist cleared: %d", r.status)
	}
	s2 := newTestServer(t, Options{WhitelistTokenEndpoint: true})
	s2.Test.SetWhitelist("127.0.0.1")
	res, err = outside.Post(s2.Test.TokenURL, "", strings.NewReader(tokenForm(s2.Test.Credentials())))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("token from outside with WhitelistTokenEndpoint: %d", res.StatusCode)
	}
	if _, err := ParseWhitelist("127.0.0.1", "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("ParseWhitelist: %v", err)
	}
}

// TestEnvironmentHostsFollowHosts: under churn of hosts and environments
// an environment's detail lists exactly the live hosts that name it, each
// as GET /hosts/{id} answers it (a deleted host is gone from it).
func TestEnvironmentHostsFollowHosts(t *testing.T) {
	s := newTestServer(t, Options{Seed: 13})
	tick, rounds := make(chan time.Time), make(chan int)
	stop := s.StartChurn(ChurnOptions{Entities: []string{Hosts, Environments}, Inserts: 2, Updates: 3, Deletes: 2, Tick: tick, Rounds: rounds})
	defer stop()
	for i := 0; i < 10; i++ {
		tick <- time.Time{}
		<-rounds
	}
	hosts := s.Records(Hosts)
	byEnv := map[string]int{}
	for _, raw := range hosts {
		var h struct{ EnvironmentID string }
		_ = json.Unmarshal(raw, &h)
		byEnv[h.EnvironmentID]++
	}
	var embedded int
	for id, raw := range s.Records(Environments) {
		var e struct{ Hosts []json.RawMessage }
		if err := json.Unmarshal(raw, &e); err != nil || e.Hosts == nil {
			t.Fatalf("environment %s: hosts %v (%v), want an array", id, e.Hosts, err)
		}
		for _, h := range e.Hosts {
			var x struct{ ID, EnvironmentID string }
			_ = json.Unmarshal(h, &x)
			if string(hosts[x.ID]) != string(h) || x.EnvironmentID != id {
				t.Fatalf("environment %s embeds host %s as %s; GET /hosts has %s", id, x.ID, h, hosts[x.ID])
			}
		}
		if len(e.Hosts) != byEnv[id] {
			t.Errorf("environment %s embeds %d hosts, %d live hosts name it", id, len(e.Hosts), byEnv[id])
		}
		embedded += len(e.Hosts)
	}
	if embedded == 0 {
		t.Fatal("no environment embeds a host: the test checks nothing")
	}
}
