package plutoratest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Entity names, as everywhere in plutora-sync.
const (
	Changes      = "changes"
	Releases     = "releases"
	Environments = "environments"
	Hosts        = "hosts"
	Systems      = "systems"
	Defects      = "defects"
	// Plutora's core for reporting (docs/plutora-api.md, "What Plutora's
	// own scripts call besides"): environment bookings, test environment
	// change and booking requests, and a release's schedule, served below
	// /releases/{id}/ and named after those routes.
	Bookings   = "bookings"
	TECRs      = "tecrs"
	TEBRs      = "tebrs"
	Phases     = "phases"
	Gates      = "gates"
	Activities = "activities"
	Criteria   = "criterias"
)

// entitySpec says how one entity is served and generated.
type entitySpec struct {
	name     string
	test     bool   // served by Plutora Test rather than Plutora
	idField  string // "id" or "Id"
	modField string // last-modified field, "" when the entity has none
	fields   []string
	build    func(g *generator, rec *record) []byte
	// parentKey names the member that holds the id of the record whose
	// detail embeds this one (a host's environmentID), "" for none;
	// parentOf gives it for the idx-th generated record.
	parentKey string
	parentOf  func(g *generator, idx int) string
	// linksOf, for the linked entities (links.go), gives the parent and
	// the links of the idx-th generated record instead of parentOf.
	linksOf func(g *generator, idx int) (parent string, ln *links)
	// schema names the record in the OpenAPI document ("" derives it from
	// name: changes → Change).
	schema string
	// child marks a release's sub-resource: served below
	// /releases/{id}/, never as a list of its own.
	child bool
	// filter serves POST /{entity}/filter; alwaysPaged answers the
	// envelope even without pageNum (a newer endpoint) and serves no
	// detail, none being known.
	filter, alwaysPaged bool
}

var specs = []*entitySpec{
	{name: Changes, idField: "id", modField: "lastModifiedDate", filter: true, build: (*generator).change, fields: []string{
		"id", "changeId", "name", "changePriorityId", "changePriority", "changeStatusId", "changeStatus",
		"businessValueScore", "changeTypeId", "changeType", "changeDeliveryRiskId", "changeDeliveryRisk",
		"changeThemeId", "changeTheme", "organizationId", "organization", "raisedById", "raisedBy", "raisedDate",
		"expectedDeliveryDate", "description", "descriptionSimple", "lastModifiedDate", "lastModifiedBy"}},
	{name: Releases, idField: "id", modField: "lastModifiedDate", filter: true, build: (*generator).release, fields: []string{
		"id", "identifier", "name", "summary", "location", "releaseTypeId", "releaseType", "releaseStatusTypeId",
		"releaseStatusType", "releaseRiskLevelId", "releaseRiskLevel", "implementationDate", "displayColor",
		"organizationId", "organization", "managerId", "parentReleaseId", "plutoraReleaseType",
		"releaseProjectType", "lastModifiedDate"}},
	{name: Environments, idField: "id", build: (*generator).environment, fields: []string{
		"id", "name", "url", "linkedSystem", "linkedSystemId", "usageWorkItemId", "usageWorkItem", "status",
		"environmentStatusId", "environmentStatus", "color", "description", "vendor", "environmentMgr", "isSharedEnvironment"}},
	{name: Hosts, idField: "id", build: (*generator).host, fields: []string{"id", "name", "environmentID"},
		parentKey: "environmentID", parentOf: (*generator).hostEnv},
	{name: Systems, idField: "id", build: (*generator).system, fields: []string{
		"id", "name", "vendor", "status", "organizationId", "organization", "description", "isAllowEdit", "inMyOrganization"}},
	{name: Defects, test: true, idField: "Id", modField: "LastModifiedDate", build: (*generator).defect, fields: []string{
		"Id", "DisplayId", "Name", "Description", "Status", "Priority", "Severity", "CreatedDate", "LastModifiedDate"}},
	{name: TECRs, idField: "id", modField: "lastModifiedDate", filter: true, schema: "TECR", build: (*generator).tecr,
		linksOf: (*generator).tecrLinks, fields: requestFields},
	{name: TEBRs, idField: "id", modField: "lastModifiedDate", filter: true, schema: "TEBR", build: (*generator).tebr,
		linksOf: (*generator).tebrLinks, fields: append(append([]string(nil), requestFields...), "startDate", "endDate")},
	{name: Bookings, idField: "id", modField: "timeStamp", alwaysPaged: true, schema: "Booking", build: (*generator).booking,
		parentKey: "environmentId", linksOf: (*generator).bookingLinks, fields: bookingFields},
	{name: Phases, idField: "id", child: true, schema: "Phase", build: (*generator).phase, parentKey: "releaseId",
		linksOf: (*generator).phaseLinks, fields: workItemFields},
	{name: Gates, idField: "id", child: true, schema: "Gate", build: (*generator).gate, parentKey: "releaseId",
		linksOf: (*generator).gateLinks, fields: workItemFields},
	{name: Activities, idField: "id", child: true, schema: "Activity", build: (*generator).activity, parentKey: "releaseId",
		linksOf: (*generator).activityLinks, fields: taskFields},
	{name: Criteria, idField: "id", child: true, schema: "Criterion", build: (*generator).criterion, parentKey: "releaseId",
		linksOf: (*generator).criterionLinks, fields: taskFields},
}

// linked reports whether records of the spec refer to others that must
// stay live (links.go).
func (s *entitySpec) linked() bool { return s.linksOf != nil }

// schemaName is the record's name in the OpenAPI document.
func (s *entitySpec) schemaName() string {
	if s.schema != "" {
		return s.schema
	}
	return strings.ToUpper(s.name[:1]) + s.name[1:len(s.name)-1]
}

func specByName(name string) *entitySpec {
	for _, s := range specs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// hasField reports whether field (any case) is a filterable top-level field;
// it returns the field's canonical spelling.
func (s *entitySpec) hasField(field string) (string, bool) {
	for _, f := range s.fields {
		if strings.EqualFold(f, field) {
			return f, true
		}
	}
	return "", false
}

func (g *generator) systemName(j int) string {
	n := nouns[j%len(nouns)]
	return fmt.Sprintf("%s%s %d", strings.ToUpper(n[:1]), n[1:], j)
}

func (g *generator) releaseName(j int) string {
	return fmt.Sprintf("%d.%d %s", 2020+j%6, j%12+1, g.systemName(j%max(g.sizes.Systems, 1)))
}

func (g *generator) modifiedField(w *jw, rec *record, key string) {
	if rec.modStr == "" {
		w.kn(key)
		return
	}
	w.ks(key, rec.modStr)
}

func (g *generator) change(rec *record) []byte {
	r := g.rng(Changes, rec.idx, rec.version)
	w := &jw{b: make([]byte, 0, 2048)}
	w.open('{').ks("id", rec.id).ki("changeId", int64(10000+rec.idx)).ks("name", g.sentence(r))
	g.ref(w, r, "changePriorityId", "changePriority", g.lookups.get("ChangePriority"), required)
	g.ref(w, r, "changeStatusId", "changeStatus", g.lookups.get("ChangeStatus"), required)
	if r.IntN(4) == 0 {
		w.kn("businessValueScore")
	} else {
		w.ki("businessValueScore", int64(r.IntN(100)))
	}
	g.ref(w, r, "changeTypeId", "changeType", g.lookups.get("ChangeType"), required)
	g.ref(w, r, "changeDeliveryRiskId", "changeDeliveryRisk", g.lookups.get("ChangeDeliveryRisk"), optional)
	g.ref(w, r, "changeThemeId", "changeTheme", g.lookups.get("ChangeTheme"), optional)
	g.ref(w, r, "organizationId", "organization", g.orgs, required)
	raiser := g.person(r)
	w.ks("raisedById", raiser.id).ks("raisedBy", raiser.name).ks("raisedDate", g.date(r))
	if r.IntN(5) == 0 {
		w.kn("expectedDeliveryDate")
	} else {
		w.ks("expectedDeliveryDate", g.date(r))
	}
	html, simple := g.html(r)
	w.ks("description", html).ks("descriptionSimple", simple)
	g.modifiedField(w, rec, "lastModifiedDate")
	w.ks("lastModifiedBy", g.person(r).email)
	g.additionalInformation(w, r, "Change")
	w.k("stakeholders")
	g.stakeholders(w, r, r.IntN(5)/2)
	w.k("systems").open('[')
	if g.sizes.Systems > 0 {
		for k, n := 0, r.IntN(3); k < n; k++ {
			j := r.IntN(g.sizes.Systems)
			w.open('{').ks("systemId", g.id(Systems, j)).ks("name", g.systemName(j)).ks("systemRoleType", g.lookup(r, "SystemRoleType").Value).close('}')
		}
	}
	w.close(']')
	w.k("deliveryReleases").open('[')
	if g.sizes.Releases > 0 {
		for k, n := 0, r.IntN(3); k < n; k++ {
			w.open('{').ks("releaseId", g.id(Releases, r.IntN(g.sizes.Releases))).kb("targetRelease", k == 0).kb("actualDeliveryRelease", r.IntN(3) == 0).close('}')
		}
	}
	w.close(']')
	w.k("comments").open('[')
	if r.IntN(4) == 0 {
		p := g.person(r)
		w.open('{').ks("id", guid(g.seed, "comment", uint64(rec.idx), uint64(rec.version))).ks("comment", g.sentence(r)).ks("commentedBy", p.name).ks("commentedDate", g.date(r)).close('}')
	}
	w.close(']')
	w.close('}')
	return w.b
}

// stakeholders writes an array of n stakeholders: a user or a group, one
// role, and the RACI flags.
func (g *generator) stakeholders(w *jw, r *rand.Rand, n int) {
	w.open('[')
	for k := 0; k < n; k++ {
		w.open('{')
		if r.IntN(3) > 0 {
			p := g.person(r)
			w.ks("userId", p.id).ks("user", p.name).kn("groupId").kn("group")
		} else {
			gi := r.IntN(5)
			w.kn("userId").kn("user").ks("groupId", guid(g.seed, "group", uint64(gi), 0)).ks("group", fmt.Sprintf("Team %c", 'A'+gi))
		}
		role := g.lookup(r, "StakeholderRole")
		w.k("stakeholderRoleIds").open('[').s(role.ID).close(']').ks("stakeholderRoles", role.Value)
		w.kb("responsible", r.IntN(2) == 0).kb("accountable", r.IntN(2) == 0).kb("informed", r.IntN(2) == 0).kb("consulted", r.IntN(2) == 0)
		w.close('}')
	}
	w.close(']')
}

var plutoraReleaseTypes = []string{"Enterprise", "Integrated", "Independent"}
var releaseProjectTypes = []string{"IsProject", "NotIsProject", "None"}

func (g *generator) release(rec *record) []byte {
	r := g.rng(Releases, rec.idx, rec.version)
	w := &jw{b: make([]byte, 0, 1536)}
	html, _ := g.html(r)
	w.open('{').ks("id", rec.id).ks("identifier", fmt.Sprintf("PR-%d", 1000+rec.idx)).ks("name", g.releaseName(rec.idx)).ks("summary", html)
	w.ks("location", pick(r, []string{"Sydney", "London", "Denver", "Remote"}))
	g.ref(w, r, "releaseTypeId", "releaseType", g.lookups.get("ReleaseType"), required)
	g.ref(w, r, "releaseStatusTypeId", "releaseStatusType", g.lookups.get("ReleaseStatusType"), required)
	g.ref(w, r, "releaseRiskLevelId", "releaseRiskLevel", g.lookups.get("ReleaseRiskLevel"), requiredNull)
	w.ks("implementationDate", g.date(r)).ks("displayColor", pick(r, colors))
	g.ref(w, r, "organizationId", "organization", g.orgs, required)
	w.ks("managerId", g.person(r).id)
	prt := pick(r, plutoraReleaseTypes)
	if prt == "Integrated" && rec.idx > 0 {
		w.ks("parentReleaseId", g.id(Releases, r.IntN(rec.idx)))
	} else {
		w.kn("parentReleaseId")
	}
	w.ks("plutoraReleaseType", prt).ks("releaseProjectType", pick(r, releaseProjectTypes))
	g.additionalInformation(w, r, "Release")
	g.modifiedField(w, rec, "lastModifiedDate")
	w.close('}')
	return w.b
}

// envOf is the index of the environment of the idx-th generated host;
// environments past four fifths of the list have no hosts.
func (g *generator) envOf(hostIdx int) int {
	k := max(g.sizes.Environments*4/5, 1)
	return hostIdx % k
}

// hostEnv is the environmentID of the idx-th generated host.
func (g *generator) hostEnv(idx int) string {
	if g.sizes.Environments == 0 {
		return zeroGUID
	}
	return g.id(Environments, g.envOf(idx))
}

func (g *generator) host(rec *record) []byte {
	r := g.rng(Hosts, rec.idx, rec.version)
	w := &jw{b: make([]byte, 0, 1024)}
	envID := g.hostEnv(rec.idx)
	w.open('{').ks("id", rec.id).ks("name", fmt.Sprintf("%s-%s%02d", pick(r, []string{"app", "db", "web", "mq"}), pick(r, []string{"syd", "lon", "den"}), rec.idx%100)).ks("environmentID", envID)
	w.k("layers")
	n := r.IntN(4)
	if n == 0 && g.quirks.NullArrays {
		w.null().close('}')
		return w.b
	}
	w.open('[')
	for k := 0; k < n; k++ {
		sl := g.lookup(r, "StackLayer")
		w.open('{').ks("id", guid(g.seed, "layer", uint64(rec.idx), uint64(rec.version*16+k))).ks("componentName", pick(r, components)).ks("version", fmt.Sprintf("%d.%d.%d", r.IntN(20), r.IntN(10), r.IntN(30)))
		w.ks("hostID", rec.id).ks("environmentID", envID)
		if r.IntN(60) == 0 { // on purpose: real layers now and then carry it
			w.ks("stackLayerID", zeroGUID)
		} else {
			w.ks("stackLayerID", sl.ID)
		}
		w.ks("stackLayer", sl.Value).ks("stackLayerType", "StackLayer").close('}')
	}
	w.close(']').close('}')
	return w.b
}

// environment writes the detail of docs/plutora-api.md, "Records"
// (usageWorkItemId only under ListsReal, see generator.real), plus the list
// item's status: the detail carries every member of the list item. The
// hosts member is left out: Server.withHosts adds the live hosts when the
// record is served.
func (g *generator) environment(rec *record) []byte {
	r := g.rng(Environments, rec.idx, rec.version)
	w := &jw{b: make([]byte, 0, 2048)}
	usage := g.lookup(r, "UsedForWorkItem")
	linkedID, linked := "", ""
	if g.sizes.Systems > 0 && (r.IntN(6) > 0 || !g.quirks.NullLinkedSystem) {
		j := r.IntN(g.sizes.Systems)
		linkedID, linked = g.id(Systems, j), g.systemName(j)
	}
	st := g.lookup(r, "EnvironmentStatus")
	html, _ := g.html(r)
	color, vendor, mgr, shared := pick(r, colors), pick(r, vendors), g.person(r).name, r.IntN(3) == 0
	w.open('{').ks("id", rec.id).ks("name", fmt.Sprintf("%s %d", usage.Value, rec.idx)).ks("description", html)
	w.ks("url", fmt.Sprintf("https://env%d.example.com/", rec.idx)).ks("vendor", vendor)
	if linkedID != "" {
		w.ks("linkedSystemId", linkedID).ks("linkedSystem", linked)
	} else {
		w.kn("linkedSystemId").kn("linkedSystem")
	}
	w.ks("environmentMgr", mgr)
	if g.real {
		w.ks("usageWorkItemId", usage.ID)
	}
	w.ks("usageWorkItem", usage.Value)
	w.ks("environmentStatusId", st.ID).ks("environmentStatus", st.Value).ks("status", st.Value)
	w.ks("color", color).kb("isSharedEnvironment", shared)
	w.close('}')
	return w.b
}

// withHosts is the environment record base with its hosts member: the
// live hosts whose environmentID names it, as GET /hosts/{id} serves them,
// in id order; [] when none (null under Quirks.NullArrays). Built at each
// read, so that the detail follows hosts added, changed and deleted.
func (s *Server) withHosts(rec *record, base []byte) []byte {
	hosts := s.stores[Hosts]
	kids := hosts.children(rec.id)
	n := len(base) + 16
	for _, h := range kids {
		n += len(hosts.raw(h)) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, base[:len(base)-1]...)
	out = append(out, `,"hosts":`...)
	if len(kids) == 0 && s.opts.Quirks.NullArrays {
		return append(out, "null}"...)
	}
	out = append(out, '[')
	for i, h := range kids {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, hosts.raw(h)...)
	}
	return append(out, "]}"...)
}

func (g *generator) system(rec *record) []byte {
	r := g.rng(Systems, rec.idx, rec.version)
	w := &jw{b: make([]byte, 0, 1024)}
	w.open('{').ks("id", rec.id).ks("name", g.systemName(rec.idx)).ks("vendor", pick(r, vendors))
	if r.IntN(6) == 0 {
		w.ks("status", "Inactive")
	} else {
		w.ks("status", "Active")
	}
	org := r.IntN(200) // as ref: the all-zero GUID in about one system in 200
	if org == 0 {
		w.ks("organizationId", zeroGUID).kn("organization")
	} else {
		o := g.orgs[org%len(g.orgs)]
		w.ks("organizationId", o.ID).ks("organization", o.Value)
	}
	html, _ := g.html(r)
	w.ks("description", html)
	// The sandbox's user belongs to the first department.
	if mine := org%len(g.orgs) == 1; g.real {
		w.kb("isAllowEdit", mine).kb("inMyOrganization", mine)
	}
	g.additionalInformation(w, r, "System")
	w.close('}')
	return w.b
}

// displayID is the display id of the idx-th defect.
func displayID(idx int) string { return fmt.Sprintf("P-D-%d", 1000+idx) }

var defectFields = []string{"Found In Build", "Root Cause", "Component", "Environment", "Browser"}

func (g *generator) defect(rec *record) []byte {
	r := g.rng(Defects, rec.idx, rec.version)
	w := &jw{b: make([]byte, 0, 1536)}
	w.open('{').ks("Id", rec.id).ks("DisplayId", rec.displayID).ks("Name", g.sentence(r)+" fails")
	html, _ := g.html(r)
	w.ks("Description", html)
	for _, f := range [][2]string{{"Status", "DefectStatus"}, {"Priority", "DefectPriority"}, {"Severity", "DefectSeverity"}} {
		it := g.lookup(r, f[1])
		w.k(f[0]).open('{').ks("Id", it.ID).ks("Value", it.Value).close('}')
	}
	p := g.person(r)
	w.k("AssignedTo")
	if r.IntN(5) == 0 {
		w.null()
	} else {
		w.open('{').ks("Id", p.id).ks("Name", p.name).ks("Email", p.email).close('}')
	}
	w.ks("CreatedDate", g.date(r))
	g.modifiedField(w, rec, "LastModifiedDate")
	w.k("Fields").open('[')
	for k, n := 0, r.IntN(len(defectFields)+1); k < n; k++ {
		w.open('{').ks("Id", guid(g.seed, "defectfield", uint64(k), 0)).ks("Name", defectFields[k]).ks("DataType", "FreeText")
		if r.IntN(6) == 0 {
			w.kn("StringValue")
		} else {
			w.ks("StringValue", pick(r, nouns))
		}
		w.close('}')
	}
	w.close(']').close('}')
	return w.b
}
