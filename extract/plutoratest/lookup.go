package plutoratest

import (
	"sort"
	"strings"
)

// lookupItem is one value of a lookup list (/lookupfields/{type}).
type lookupItem struct {
	ID, Value string
	SortOrder int
	Type      string
}

// lookupValues are the lists the generator draws statuses and types from,
// each with the description GET /lookupfields gives its type.
var lookupValues = map[string]struct {
	desc   string
	values []string
}{
	"StackLayer":         {"Stack layer of a host's component", []string{"Application", "Database", "Middleware", "Network", "Operating System"}},
	"ChangeStatus":       {"Change status", []string{"Draft", "Submitted", "Approved", "In Progress", "Delivered", "Rejected", "Cancelled"}},
	"ChangePriority":     {"Change priority", []string{"Low", "Medium", "High", "Critical"}},
	"ChangeType":         {"Change type", []string{"Enhancement", "Defect Fix", "Maintenance", "Regulatory"}},
	"ChangeDeliveryRisk": {"Change delivery risk", []string{"Low", "Medium", "High"}},
	"ChangeTheme":        {"Change theme", []string{"Customer Experience", "Cost Reduction", "Compliance", "Platform"}},
	"ReleaseStatusType":  {"Release status", []string{"Draft", "Planning", "In Progress", "Completed", "Cancelled"}},
	"ReleaseType":        {"Release type", []string{"Major", "Minor", "Patch", "Emergency"}},
	"ReleaseRiskLevel":   {"Release risk level", []string{"Low", "Medium", "High"}},
	"EnvironmentStatus":  {"Environment status", []string{"Available", "In Use", "Maintenance", "Decommissioned"}},
	"UsedForWorkItem":    {"What an environment is used for", []string{"Development", "System Test", "Integration Test", "UAT", "Pre-Production", "Production"}},
	"StakeholderRole":    {"Stakeholder role", []string{"Business Owner", "Developer", "Tester", "Release Manager"}},
	"SystemRoleType":     {"Role of a system in a change", []string{"Impact", "Dependency"}},
	// Types Plutora's own scripts ask for (docs/plutora-api.md, "Records");
	// their values are assumed.
	"SystemRoleDependencyType":       {"How one system depends on another", []string{"Upstream", "Downstream", "Bidirectional"}},
	"EnvironmentMapConnectivityType": {"How two environments are connected", []string{"HTTPS", "Message Queue", "File Transfer", "Database Link"}},
	"ActionsByType":                  {"Actions by type of work item", []string{"Create", "Update", "Approve", "Reject", "Close"}},
	// Plutora Test's lists: drawn for defects, not served by Plutora.
	"DefectStatus":   {"", []string{"New", "Open", "In Progress", "Fixed", "Retest", "Closed", "Rejected"}},
	"DefectPriority": {"", []string{"P1", "P2", "P3", "P4"}},
	"DefectSeverity": {"", []string{"Critical", "Major", "Minor", "Trivial"}},
}

// lookups holds the generated lists of one server, keyed by lowercase type.
type lookups struct {
	byType map[string][]lookupItem // by lowercase type
	exact  map[string][]lookupItem // by type as spelled in lookupValues
}

func newLookups(seed uint64) *lookups {
	l := &lookups{byType: make(map[string][]lookupItem, len(lookupValues)), exact: make(map[string][]lookupItem, len(lookupValues))}
	for typ, lv := range lookupValues {
		items := make([]lookupItem, len(lv.values))
		for i, v := range lv.values {
			items[i] = lookupItem{ID: guid(seed, "lookup/"+typ, uint64(i), 0), Value: v, SortOrder: i, Type: typ}
		}
		l.byType[strings.ToLower(typ)] = items
		l.exact[typ] = items
	}
	return l
}

func (l *lookups) get(typ string) []lookupItem {
	if items, ok := l.exact[typ]; ok {
		return items
	}
	return l.byType[strings.ToLower(typ)]
}

// types lists the lookup types Plutora serves (those with a description),
// in a stable order.
func (l *lookups) types() []string {
	out := make([]string, 0, len(l.exact))
	for typ := range l.exact {
		if lookupValues[typ].desc != "" {
			out = append(out, typ)
		}
	}
	sort.Strings(out)
	return out
}

// typesJSON is GET /lookupfields: [{name, description}].
func (l *lookups) typesJSON() []byte {
	w := &jw{}
	w.open('[')
	for _, typ := range l.types() {
		w.open('{').ks("name", typ).ks("description", lookupValues[typ].desc).close('}')
	}
	w.close(']')
	return w.b
}

// json is GET /lookupfields/{type} (any case) for a type Plutora serves.
func (l *lookups) json(typ string) ([]byte, bool) {
	items := l.get(typ)
	if items == nil || lookupValues[items[0].Type].desc == "" {
		return nil, false
	}
	w := &jw{}
	w.open('[')
	for _, it := range items {
		w.open('{').ks("id", it.ID).ks("value", it.Value).ki("sortOrder", int64(it.SortOrder)).ks("type", it.Type).close('}')
	}
	w.close(']')
	return w.b, true
}
