package plutoratest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// The script test walks `plutora-sync sim` as a script would that knows only
// the facts of docs/plutora-api.md: what it prints, the password grant, the
// paths (in any case), the envelope, the fields of each record, which lists
// answer summaries, which references are always set, the core objects
// (script_core_test.go) and the 500 of a filter on an unknown field. It imports nothing of the sandbox but SimCommand,
// and checks that the OpenAPI document lists every path it walked.

// Facts of "Paging and filtering" and "Records": the envelope, the list items, the details.
var (
	envelopeKeys = []string{"resultSet", "returnCount", "totalCount", "pageNum", "recordsPerPage"}
	listItem     = map[string][]string{
		"environments": {"id", "name", "url", "linkedSystem", "usageWorkItem", "status", "color"},
		"systems":      {"id", "name"},
		"releases":     {"id", "identifier", "name", "implementationDate", "displayColor", "plutoraReleaseType"},
	}
	detail = map[string][]string{
		"changes": {"id", "changeId", "name", "changePriorityId", "changePriority", "changeStatusId", "changeStatus",
			"changeTypeId", "changeType", "changeDeliveryRiskId", "changeDeliveryRisk", "changeThemeId", "changeTheme",
			"businessValueScore", "raisedById", "raisedBy", "raisedDate", "organizationId", "organization",
			"expectedDeliveryDate", "description", "descriptionSimple", "lastModifiedDate", "lastModifiedBy",
			"additionalInformation", "stakeholders", "systems", "deliveryReleases", "comments"},
		"releases": {"id", "identifier", "name", "summary", "location", "releaseTypeId", "releaseType",
			"releaseStatusTypeId", "releaseStatusType", "releaseRiskLevelId", "releaseRiskLevel", "implementationDate",
			"displayColor", "organizationId", "organization", "managerId", "parentReleaseId", "plutoraReleaseType",
			"releaseProjectType", "additionalInformation", "lastModifiedDate"},
		"hosts": {"id", "name", "environmentID", "layers"},
		"environments": {"id", "name", "description", "url", "vendor", "linkedSystemId", "linkedSystem", "environmentMgr",
			"usageWorkItemId", "usageWorkItem", "environmentStatusId", "environmentStatus", "color", "isSharedEnvironment", "hosts"},
		"systems": {"id", "name", "vendor", "status", "organizationId", "organization", "description", "isAllowEdit",
			"inMyOrganization", "additionalInformation"},
	}
	layerFields       = []string{"id", "componentName", "version", "hostID", "environmentID", "stackLayerID", "stackLayer", "stackLayerType"}
	userFields        = []string{"id", "userName", "firstName", "lastName", "email"}
	stakeholderFields = []string{"userId", "user", "groupId", "group", "stakeholderRoleIds", "stakeholderRoles", "responsible", "accountable", "informed", "consulted"}
	// requiredRefs are set in real data: Plutora's exporter reads them
	// unguarded; so is an environment's linkedSystemId (the primer).
	requiredRefs = map[string][]string{
		"changes":      {"organizationId", "changeStatusId", "changePriorityId", "changeTypeId"},
		"releases":     {"organizationId", "releaseStatusTypeId", "releaseRiskLevelId"},
		"environments": {"linkedSystemId"},
	}
	// lookupTypes are lookup types the notes and Plutora's scripts name.
	lookupTypes = []string{"ActionsByType", "UsedForWorkItem", "EnvironmentStatus", "StackLayer", "EnvironmentMapConnectivityType",
		"ReleaseType", "ReleaseRiskLevel", "ChangeStatus", "ReleaseStatusType", "SystemRoleDependencyType"}
	zeroGUID = "00000000-0000-0000-0000-000000000000"
)

// site is what `sim` prints for one product.
type site struct{ api, tokenURL, clientID, secret, user, password string }

func TestScriptWalksTheAPI(t *testing.T) {
	for _, world := range []struct {
		name  string
		args  []string
		real  bool
		lacks []string // members of "Records" that the world leaves out
	}{
		{"real lists, summary filters", []string{"-lists", "real", "-summary-filters", "changes,releases"}, true, nil},
		// Today's default world: full lists, and details without the
		// members the warehouse does not map yet.
		{"full lists", []string{"-lists", "full"}, false, []string{"usageWorkItemId", "isAllowEdit", "inMyOrganization"}},
	} {
		t.Run(world.name, func(t *testing.T) {
			pl, pt := startSim(t, append([]string{"-scale", "0.05", "-seed", "5"}, world.args...)...)
			c := &script{t: t, base: pl.api, token: passwordToken(t, pl), summaries: world.real, lacks: world.lacks, walked: map[string]bool{}}
			c.me(pl.user)
			refs := c.reference()
			data := c.entities()
			c.related(data)
			c.environmentHosts(data)
			requiredSet(t, data)
			c.subresources(data, refs)
			c.core(data, refs)
			c.unknownField()
			resolve(t, data, refs)
			c.documented()
			d := walkDefects(t, pt)
			d.documented()
		})
	}
}

// startSim runs SimCommand until the test ends and reads the two products
// from what it prints.
func startSim(t *testing.T, args ...string) (plutora, test site) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &readyWriter{ready: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		done <- plutoratest.SimCommand(ctx, append([]string{"-plutora-addr", "127.0.0.1:0", "-test-addr", "127.0.0.1:0"}, args...), out, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sim: %v", err)
		}
	})
	select {
	case <-out.ready:
	case err := <-done:
		t.Fatalf("sim ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("sim printed nothing in 30s")
	}
	var sites []site
	re := regexp.MustCompile(`API URL:\s+(\S+)\n\s+token URL:\s+(\S+)\n\s+client id:\s+(\S+)\n\s+client secret:\s+(\S+)\n\s+username:\s+(\S+)\n\s+password:\s+(\S+)`)
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		sites = append(sites, site{m[1], m[2], m[3], m[4], m[5], m[6]})
	}
	if len(sites) != 2 {
		t.Fatalf("sim printed %d products:\n%s", len(sites), out.String())
	}
	return sites[0], sites[1]
}

type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), "Serving until interrupted.") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// passwordToken gets a token by the password grant, as "Hosts and tokens"
// describes it.
func passwordToken(t *testing.T, s site) string {
	t.Helper()
	form := url.Values{"client_id": {s.clientID}, "client_secret": {s.secret}, "grant_type": {"password"}, "username": {s.user}, "password": {s.password}}
	res, err := http.PostForm(s.tokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok map[string]any
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 200 {
		t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	for _, k := range []string{"access_token", "token_type", "expires_in", "refresh_token"} {
		if _, ok := tok[k]; !ok {
			t.Fatalf("token answer lacks %s: %v", k, tok)
		}
	}
	return tok["access_token"].(string)
}

// script is the walker of one product.
type script struct {
	t         *testing.T
	base      string
	token     string
	n         int      // requests so far: picks each path's case
	summaries bool     // the lists of "Paging and filtering" answer summaries
	lacks     []string // members of "Records" the details leave out
	// walked holds "METHOD /path" of every request, ids and types as {}
	// and lowercase, to be found in the OpenAPI document.
	walked map[string]bool
}

// literals are the path segments after an id that are not ids.
var literals = []string{"filter", "systems", "changes", "tree", "additionalInformation", "stakeholders", "GetByDisplayId", "Search",
	"phases", "gates", "activities", "criterias", "LinkedChanges", "Bookings"}

// path joins literal segments in a case that varies per request (paths are
// case-insensitive) with ids, which are passed as they are.
func (c *script) path(parts ...string) string {
	c.n++
	var b strings.Builder
	for i, p := range parts {
		b.WriteByte('/')
		switch {
		case i%2 == 1 && len(parts) > 1 && !slices.Contains(literals, p):
			b.WriteString(p) // an id or a lookup type
		case c.n%3 == 1:
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		case c.n%3 == 2:
			b.WriteString(strings.ToUpper(p))
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

func (c *script) do(method, path, body string) []byte {
	c.t.Helper()
	status, b := c.call(method, path, body)
	if status != 200 {
		c.t.Fatalf("%s %s: %d %.200s", method, path, status, b)
	}
	return b
}

// call sends one request and notes its path; it fails the test unless the
// answer is JSON.
func (c *script) call(method, path, body string) (int, []byte) {
	c.t.Helper()
	if c.walked != nil {
		c.walked[method+" "+template(path)] = true
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		c.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	return res.StatusCode, b
}

var guidOrType = regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f-]{27}|[A-Z][A-Za-z]+|P-D-\d+)$`)

// template is path without its query, lowercase, with ids, lookup types and
// display ids as {}.
func template(path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	for i, sg := range segs {
		if i >= 2 && guidOrType.MatchString(sg) && !slices.ContainsFunc(literals, func(l string) bool { return strings.EqualFold(l, sg) }) {
			segs[i] = "{}"
		}
	}
	return strings.ToLower(strings.Join(segs, "/"))
}

// documented fails unless the OpenAPI document (at the path the notes give,
// no token needed) lists every path c walked, with its method.
func (c *script) documented() {
	c.t.Helper()
	res, err := http.Get(c.base + "/swagger/docs/v1")
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		Paths map[string]map[string]any
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil || res.StatusCode != 200 {
		c.t.Fatalf("/swagger/docs/v1: %d %v", res.StatusCode, err)
	}
	listed := map[string]bool{}
	param := regexp.MustCompile(`\{[^}]*\}`)
	for p, ops := range doc.Paths {
		for m := range ops {
			listed[strings.ToUpper(m)+" "+strings.ToLower(param.ReplaceAllString(p, "{}"))] = true
		}
	}
	if len(c.walked) == 0 {
		c.t.Fatal("the walk noted no path")
	}
	for w := range c.walked {
		if !listed[w] {
			c.t.Errorf("%s is not in the OpenAPI document", w)
		}
	}
}

func (c *script) me(user string) {
	var s string
	if err := json.Unmarshal(c.do("GET", c.path("me"), ""), &s); err != nil || s != user {
		c.t.Fatalf("/me: %q %v", s, err)
	}
}

type rec = map[string]any

// page reads all pages of a list: GET with pageNum, or POST body searches.
// It checks the envelope's keys in order and its counts.
func (c *script) pages(method string, path func() string) []rec {
	c.t.Helper()
	var all []rec
	for pageNum := 0; ; pageNum++ {
		var b []byte
		if method == "GET" {
			b = c.do("GET", fmt.Sprintf("%s?pageNum=%d&recordsPerPage=100", path(), pageNum), "")
		} else {
			b = c.do("POST", path(), fmt.Sprintf(`{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC","value":"2000-01-01T00:00:00.000Z","operator":"GreaterOrEqual"}],"recordsPerPage":100,"pageNum":%d}`, pageNum))
		}
		if keys := topKeys(c.t, b); !slices.Equal(keys, envelopeKeys) {
			c.t.Fatalf("%s %s: envelope keys %v, want %v", method, path(), keys, envelopeKeys)
		}
		var e struct {
			ResultSet                                        []rec
			ReturnCount, TotalCount, PageNum, RecordsPerPage int
		}
		if err := json.Unmarshal(b, &e); err != nil {
			c.t.Fatal(err)
		}
		if e.ReturnCount != len(e.ResultSet) || e.PageNum != pageNum || e.RecordsPerPage != 100 {
			c.t.Fatalf("%s: envelope %d items, returnCount %d, pageNum %d, recordsPerPage %d", path(), len(e.ResultSet), e.ReturnCount, e.PageNum, e.RecordsPerPage)
		}
		all = append(all, e.ResultSet...)
		if len(e.ResultSet) == 0 || len(all) >= e.TotalCount {
			if len(all) != e.TotalCount {
				c.t.Fatalf("%s: read %d records, totalCount %d", path(), len(all), e.TotalCount)
			}
			return all
		}
	}
}

// topKeys returns the member names of a JSON object in document order.
func topKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %.100s", b)
	}
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func keysOf(r rec) []string {
	var ks []string
	for k := range r {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// hasFields fails unless r has exactly fields (with duplicates ignored).
func hasFields(t *testing.T, what string, r rec, fields []string) {
	t.Helper()
	if got, want := keysOf(r), slices.Compact(sorted(fields)); !slices.Equal(got, want) {
		t.Fatalf("%s %v: fields %v, want %v", what, r["id"], got, want)
	}
}

// fullFields are the members of a detail: those of "Records" and of the list item
// (the detail carries all the list item does), but those c.lacks.
func (c *script) fullFields(entity string) []string {
	all := append(slices.Clone(detail[entity]), listItem[entity]...)
	return slices.DeleteFunc(all, func(f string) bool { return slices.Contains(c.lacks, f) })
}

// walked holds what the script read: the details by entity and id.
type walked map[string]map[string]rec

// entities reads every list and every detail, and checks list items
// against details: summaries where "Paging and filtering" says so, else the
// full record.
func (c *script) entities() walked {
	data := walked{}
	for _, e := range []string{"changes", "releases", "hosts", "environments", "systems"} {
		items := c.pages("GET", func() string { return c.path(e) })
		data[e] = map[string]rec{}
		for i, it := range items {
			id, _ := it["id"].(string)
			full := it
			if sum, ok := listItem[e]; ok && c.summaries {
				hasFields(c.t, e+" list item", it, sum)
				full = nil
			}
			if full == nil || i%10 == 0 { // details: all for summaries, a sample else
				full = c.detail(e, id)
				subsetOf(c.t, e+" list item", it, full)
			}
			hasFields(c.t, e+" detail", full, c.fullFields(e))
			data[e][id] = full
		}
	}
	for _, e := range []string{"environments", "releases"} { // bare arrays without pageNum
		var bare []rec
		if err := json.Unmarshal(c.do("GET", c.path(e), ""), &bare); err != nil || len(bare) != len(data[e]) {
			c.t.Fatalf("bare %s: %v, %d items for %d records", e, err, len(bare), len(data[e]))
		}
		for _, it := range bare {
			subsetOf(c.t, "bare "+e+" item", it, data[e][it["id"].(string)])
		}
	}
	for _, e := range []string{"changes", "releases"} {
		for _, it := range c.pages("POST", func() string { return c.path(e, "filter") }) {
			full := data[e][it["id"].(string)]
			if c.summaries { // the summaries world also makes filters short
				subsetOf(c.t, e+" filter item", it, full)
				if it["lastModifiedDate"] == nil {
					c.t.Fatalf("%s filter item without lastModifiedDate: %v", e, it)
				}
			} else {
				hasFields(c.t, e+" filter item", it, c.fullFields(e))
			}
		}
	}
	return data
}

func (c *script) detail(entity, id string) rec {
	var r rec
	if err := json.Unmarshal(c.do("GET", c.path(entity, id), ""), &r); err != nil || r["id"] != id {
		c.t.Fatalf("detail %s %s: %v %v", entity, id, err, r["id"])
	}
	return r
}

// subsetOf fails unless every member of part has the same value in whole.
func subsetOf(t *testing.T, what string, part, whole rec) {
	t.Helper()
	if whole == nil {
		t.Fatalf("%s %v: no such record", what, part["id"])
	}
	for k, v := range part {
		if w, ok := whole[k]; !ok || fmt.Sprint(w) != fmt.Sprint(v) {
			t.Fatalf("%s %v: %s = %v, the detail has %v", what, part["id"], k, v, w)
		}
	}
}

func (c *script) array(parts ...string) []rec {
	var out []rec
	if err := json.Unmarshal(c.do("GET", c.path(parts...), ""), &out); err != nil {
		c.t.Fatalf("%v: %v", parts, err)
	}
	return out
}

// related walks the endpoints below a record: a release's changes and
// systems, a change's systems, every layer.
func (c *script) related(data walked) {
	n := 0
	for id := range data["releases"] {
		for _, ch := range c.array("releases", id, "changes") {
			if !strings.Contains(fmt.Sprint(ch["deliveryReleases"]), id) {
				c.t.Fatalf("release %s lists change %v, which is not delivered in it", id, ch["id"])
			}
		}
		for _, sys := range c.array("releases", id, "systems") {
			hasFields(c.t, "release system", sys, []string{"systemId", "name", "systemRoleType"})
			if data["systems"][sys["systemId"].(string)] == nil {
				c.t.Fatalf("release %s: system %v does not exist", id, sys["systemId"])
			}
		}
		if n++; n == 5 {
			break
		}
	}
	for id, ch := range data["changes"] {
		if got := c.array("changes", id, "systems"); fmt.Sprint(got) != fmt.Sprint(ch["systems"]) {
			c.t.Fatalf("change %s: /systems %v, the record has %v", id, got, ch["systems"])
		}
		break
	}
	for _, h := range data["hosts"] {
		layers, ok := h["layers"].([]any)
		if !ok {
			c.t.Fatalf("host %v: layers %v, want an array ([] when none)", h["id"], h["layers"])
		}
		for _, l := range layers {
			hasFields(c.t, "layer", l.(rec), layerFields)
			var got rec
			_ = json.Unmarshal(c.do("GET", c.path("layers", l.(rec)["id"].(string)), ""), &got)
			if fmt.Sprint(got) != fmt.Sprint(l) {
				c.t.Fatalf("/layers/%v: %v, the host has %v", l.(rec)["id"], got, l)
			}
		}
	}
}

// environmentHosts checks that every environment's hosts is an array of
// hosts as GET /hosts/{id} answers them (a script reads len(hosts)).
func (c *script) environmentHosts(data walked) {
	var n int
	for id, e := range data["environments"] {
		hosts, ok := e["hosts"].([]any)
		if !ok {
			c.t.Fatalf("environment %s: hosts %v, want an array ([] when none)", id, e["hosts"])
		}
		for _, h := range hosts {
			hid, _ := h.(rec)["id"].(string)
			if fmt.Sprint(h) != fmt.Sprint(data["hosts"][hid]) {
				c.t.Fatalf("environment %s: host %s is %v; GET /hosts/%s has %v", id, hid, h, hid, data["hosts"][hid])
			}
			n++
		}
	}
	if n == 0 {
		c.t.Fatal("no environment has a host")
	}
}

// subresources walks the sub-resources of a sample of records: the custom
// fields of a release, change and system (as the record holds them) and a
// release's stakeholders; an unknown id answers 404.
func (c *script) subresources(data walked, rf refs) {
	var stakeholders int
	for _, e := range []string{"releases", "changes", "systems"} {
		n := 0
		for id, r := range data[e] {
			got := c.array(e, id, "additionalInformation")
			want, _ := r["additionalInformation"].([]any)
			if fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
				c.t.Fatalf("%s %s: /additionalInformation %v, the record has %v", e, id, got, want)
			}
			if e == "releases" {
				for _, sh := range c.array(e, id, "stakeholders") {
					hasFields(c.t, "release stakeholder", sh, stakeholderFields)
					if u, ok := sh["userId"].(string); ok && rf["users"][u] == "" {
						c.t.Fatalf("release %s: stakeholder user %s is not a user", id, u)
					}
					stakeholders++
				}
			}
			if n++; n == 8 {
				break
			}
		}
		if status, _ := c.call("GET", c.path(e, "0badc0de-0000-4000-8000-000000000000", "additionalInformation"), ""); status != 404 {
			c.t.Fatalf("%s of an unknown id: additionalInformation answers %d, want 404", e, status)
		}
	}
	if stakeholders == 0 {
		c.t.Fatal("no release has a stakeholder")
	}
}

// unknownField: a filter naming a field that does not exist answers 500,
// on GET and on POST.
func (c *script) unknownField() {
	for _, q := range []struct{ method, path, body string }{
		{"GET", c.path("hosts") + "?pageNum=0&recordsPerPage=100&filter=" + url.QueryEscape("`noSuchField` = `x`"), ""},
		{"POST", c.path("changes", "filter"), `{"searchFilters":[{"property":"noSuchField","operator":"Equals","value":"x"}],"recordsPerPage":100,"pageNum":0}`},
	} {
		if status, b := c.call(q.method, q.path, q.body); status != 500 {
			c.t.Fatalf("%s %s: %d %s, want 500", q.method, q.path, status, b)
		}
	}
}

// requiredSet fails if a reference that real data always sets is null or
// the all-zero GUID.
func requiredSet(t *testing.T, data walked) {
	t.Helper()
	for e, keys := range requiredRefs {
		for id, r := range data[e] {
			for _, k := range keys {
				if v, _ := r[k].(string); v == "" || v == zeroGUID {
					t.Fatalf("%s %s: %s is %v; real data always sets it", e, id, k, r[k])
				}
			}
		}
	}
}

// refs are the reference lists: id → name or value, by what they hold
// ("organizations", "users", a lookup type).
type refs map[string]map[string]string

// reference reads organizations, users, every lookup type and the
// environment groups.
func (c *script) reference() refs {
	out := refs{"organizations": {}, "users": {}}
	for _, o := range c.array("organizations") {
		hasFields(c.t, "organization", o, []string{"id", "name", "type"})
		out["organizations"][o["id"].(string)] = o["name"].(string)
	}
	c.organizationsTree(out["organizations"])
	users := c.pages("GET", func() string { return c.path("users") })
	for _, u := range users {
		hasFields(c.t, "user", u, userFields)
		// Records name a user by first and last name (raisedBy, user).
		out["users"][u["id"].(string)] = u["firstName"].(string) + " " + u["lastName"].(string)
	}
	if bare := c.array("users"); fmt.Sprint(bare) != fmt.Sprint(users) {
		c.t.Fatalf("GET /users without pageNum: %d users, not the %d of the pages", len(bare), len(users))
	}
	types := map[string]bool{}
	for _, lt := range c.array("lookupfields") {
		types[lt["name"].(string)] = true
	}
	for _, typ := range lookupTypes {
		if !types[typ] {
			c.t.Errorf("/lookupfields lacks %s", typ)
		}
	}
	for _, lt := range c.array("lookupfields") {
		hasFields(c.t, "lookup type", lt, []string{"name", "description"})
		typ := lt["name"].(string)
		out[typ] = map[string]string{}
		for _, v := range c.array("lookupfields", typ) {
			hasFields(c.t, "lookup value", v, []string{"id", "value", "sortOrder", "type"})
			if v["type"] != typ {
				c.t.Fatalf("/lookupfields/%s: value of type %v", typ, v["type"])
			}
			out[typ][v["id"].(string)] = v["value"].(string)
		}
	}
	out["groups"] = map[string]string{}
	for _, g := range c.array("environmentgroups") {
		hasFields(c.t, "environment group", g, []string{"id", "name", "description", "color", "environmentIDs"})
		for _, id := range g["environmentIDs"].([]any) {
			out["groups"][id.(string)] = g["name"].(string)
		}
	}
	if len(out["organizations"]) == 0 || len(out["users"]) == 0 || len(out["groups"]) == 0 {
		c.t.Fatalf("empty reference lists: %d organizations, %d users, %d grouped environments", len(out["organizations"]), len(out["users"]), len(out["groups"]))
	}
	return out
}

// organizationsTree reads GET /organizations/tree and checks that it
// nests exactly the organizations of the list, each once.
func (c *script) organizationsTree(orgs map[string]string) {
	seen := map[string]bool{}
	var walk func(nodes []any)
	walk = func(nodes []any) {
		for _, n := range nodes {
			o := n.(rec)
			hasFields(c.t, "organization tree node", o, []string{"id", "name", "type", "children"})
			id := o["id"].(string)
			if seen[id] || orgs[id] != o["name"] {
				c.t.Fatalf("/organizations/tree: %s %v seen twice or not in /organizations", id, o["name"])
			}
			seen[id] = true
			walk(o["children"].([]any))
		}
	}
	var roots []any
	if err := json.Unmarshal(c.do("GET", c.path("organizations", "tree"), ""), &roots); err != nil {
		c.t.Fatal(err)
	}
	walk(roots)
	if len(seen) != len(orgs) || len(roots) >= len(orgs) {
		c.t.Fatalf("/organizations/tree: %d organizations under %d roots, the list has %d", len(seen), len(roots), len(orgs))
	}
}

// A reference: in records of entity, the id at path (through arrays)
// is one of target's, and the name beside it (if any) is its name.
type reference struct {
	entity, target string
	path           []string
	nameKey        string
}

var references = []reference{
	{"changes", "organizations", []string{"organizationId"}, "organization"},
	{"changes", "ChangeStatus", []string{"changeStatusId"}, "changeStatus"},
	{"changes", "ChangePriority", []string{"changePriorityId"}, "changePriority"},
	{"changes", "ChangeType", []string{"changeTypeId"}, "changeType"},
	{"changes", "ChangeDeliveryRisk", []string{"changeDeliveryRiskId"}, "changeDeliveryRisk"},
	{"changes", "ChangeTheme", []string{"changeThemeId"}, "changeTheme"},
	{"changes", "users", []string{"raisedById"}, "raisedBy"},
	{"changes", "users", []string{"stakeholders", "userId"}, ""},
	{"changes", "StakeholderRole", []string{"stakeholders", "stakeholderRoleIds"}, ""},
	{"changes", "systems", []string{"systems", "systemId"}, ""},
	{"changes", "releases", []string{"deliveryReleases", "releaseId"}, ""},
	{"releases", "organizations", []string{"organizationId"}, "organization"},
	{"releases", "ReleaseType", []string{"releaseTypeId"}, "releaseType"},
	{"releases", "ReleaseStatusType", []string{"releaseStatusTypeId"}, "releaseStatusType"},
	{"releases", "ReleaseRiskLevel", []string{"releaseRiskLevelId"}, "releaseRiskLevel"},
	{"releases", "users", []string{"managerId"}, ""},
	{"releases", "releases", []string{"parentReleaseId"}, ""},
	{"environments", "UsedForWorkItem", []string{"usageWorkItemId"}, "usageWorkItem"},
	{"environments", "EnvironmentStatus", []string{"environmentStatusId"}, "environmentStatus"},
	{"environments", "systems", []string{"linkedSystemId"}, "linkedSystem"},
	{"environments", "hosts", []string{"hosts", "id"}, ""},
	{"environments", "StackLayer", []string{"hosts", "layers", "stackLayerID"}, ""},
	{"hosts", "environments", []string{"environmentID"}, ""},
	{"hosts", "StackLayer", []string{"layers", "stackLayerID"}, ""},
	{"systems", "organizations", []string{"organizationId"}, "organization"},
}

// resolve checks every reference of references: each id is null, one of
// its target's, or (rarely, in an optional reference) the all-zero GUID;
// and every grouped environment exists.
func resolve(t *testing.T, data walked, rf refs) {
	t.Helper()
	names := func(target string) map[string]string {
		if m, ok := rf[target]; ok {
			return m
		}
		m := map[string]string{}
		for id, r := range data[target] {
			m[id], _ = r["name"].(string)
		}
		return m
	}
	var total, zero int
	for _, ref := range append(slices.Clone(references), coreReferences...) {
		ids := names(ref.target)
		if len(ids) == 0 {
			t.Fatalf("%s: no %s to refer to (is the lookup type listed?)", ref.entity, ref.target)
		}
		for _, r := range data[ref.entity] {
			for _, id := range values(r, ref.path) {
				total++
				name, ok := ids[id]
				switch {
				case id == zeroGUID:
					zero++
				case !ok:
					t.Errorf("%s %v: %s %s is not one of %s", ref.entity, r["id"], strings.Join(ref.path, "."), id, ref.target)
				case ref.nameKey != "" && r[ref.nameKey] != name:
					t.Errorf("%s %v: %s is %v, %s says %q", ref.entity, r["id"], ref.nameKey, r[ref.nameKey], ref.target, name)
				}
			}
		}
	}
	if total < 500 || zero*100 > total {
		t.Errorf("%d references, %d all-zero GUIDs: want at most 1%%", total, zero)
	}
	for id := range rf["groups"] {
		if data["environments"][id] == nil {
			t.Errorf("environment group member %s is not an environment", id)
		}
	}
}

// values collects the non-null strings at path in r, through arrays.
func values(v any, path []string) []string {
	if len(path) == 0 {
		switch x := v.(type) {
		case string:
			return []string{x}
		case []any:
			var out []string
			for _, e := range x {
				out = append(out, values(e, nil)...)
			}
			return out
		}
		return nil
	}
	switch x := v.(type) {
	case rec:
		return values(x[path[0]], path[1:])
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, values(e, path)...)
		}
		return out
	}
	return nil
}

// walkDefects walks Plutora Test: search every page (either envelope), get
// one defect by display id, patch it and see the change.
func walkDefects(t *testing.T, s site) *script {
	c := &script{t: t, base: s.api, token: passwordToken(t, s), walked: map[string]bool{}}
	var defects []rec
	for pageNum := 0; ; pageNum++ {
		b := c.do("POST", c.path("defects", "Search"), fmt.Sprintf(`{"recordsPerPage":100,"pageNum":%d}`, pageNum))
		var e struct {
			Data, ResultSet []rec
			TotalCount      int
		}
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		defects = append(append(defects, e.Data...), e.ResultSet...)
		if len(e.Data)+len(e.ResultSet) == 0 || len(defects) >= e.TotalCount {
			if len(defects) != e.TotalCount {
				t.Fatalf("defects: read %d, TotalCount %d", len(defects), e.TotalCount)
			}
			break
		}
	}
	display := regexp.MustCompile(`^P-D-\d+$`)
	for _, d := range defects {
		for _, k := range []string{"Id", "Name", "Description", "Status", "Fields", "LastModifiedDate"} {
			if _, ok := d[k]; !ok {
				t.Fatalf("defect %v lacks %s", d["Id"], k)
			}
		}
		if !display.MatchString(fmt.Sprint(d["DisplayId"])) {
			t.Fatalf("defect %v: display id %v", d["Id"], d["DisplayId"])
		}
	}
	d := defects[len(defects)/2]
	var got rec
	_ = json.Unmarshal(c.do("GET", c.path("defects", "GetByDisplayId")+"/"+d["DisplayId"].(string), ""), &got)
	if got["Id"] != d["Id"] {
		t.Fatalf("GetByDisplayId %v: %v", d["DisplayId"], got["Id"])
	}
	c.do("PATCH", c.path("defects", d["Id"].(string)), `{"Name":"Renamed by the script","Description":"<p>x</p>"}`)
	_ = json.Unmarshal(c.do("GET", c.path("defects", "GetByDisplayId")+"/"+d["DisplayId"].(string), ""), &got)
	if got["Name"] != "Renamed by the script" {
		t.Fatalf("after PATCH: Name %v", got["Name"])
	}
	return c
}
