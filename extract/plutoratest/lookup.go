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

// lookupValues are the lists the generator draws statuses and types from.
var lookupValues = map[string][]string{
	"StackLayer":         {"Application", "Database", "Middleware", "Network", "Operating System"},
	"ChangeStatus":       {"Draft", "Submitted", "Approved", "In Progress", "Delivered", "Rejected", "Cancelled"},
	"ChangePriority":     {"Low", "Medium", "High", "Critical"},
	"ChangeType":         {"Enhancement", "Defect Fix", "Maintenance", "Regulatory"},
	"ChangeDeliveryRisk": {"Low", "Medium", "High"},
	"ChangeTheme":        {"Customer Experience", "Cost Reduction", "Compliance", "Platform"},
	"ReleaseStatusType":  {"Draft", "Planning", "In Progress", "Completed", "Cancelled"},
	"ReleaseType":        {"Major", "Minor", "Patch", "Emergency"},
	"ReleaseRiskLevel":   {"Low", "Medium", "High"},
	"EnvironmentStatus":  {"Available", "In Use", "Maintenance", "Decommissioned"},
	"UsageWorkItem":      {"Development", "System Test", "Integration Test", "UAT", "Pre-Production", "Production"},
	"StakeholderRole":    {"Business Owner", "Developer", "Tester", "Release Manager"},
	"Organization":       {"Retail Banking", "Wealth", "Group Technology", "Payments", "Digital"},
	"DefectStatus":       {"New", "Open", "In Progress", "Fixed", "Retest", "Closed", "Rejected"},
	"DefectPriority":     {"P1", "P2", "P3", "P4"},
	"DefectSeverity":     {"Critical", "Major", "Minor", "Trivial"},
	"SystemRoleType":     {"Impact", "Dependency"},
}

// lookups holds the generated lists of one server, keyed by lowercase type.
type lookups struct {
	byType map[string][]lookupItem // by lowercase type
	exact  map[string][]lookupItem // by type as spelled in lookupValues
}

func newLookups(seed uint64) *lookups {
	l := &lookups{byType: make(map[string][]lookupItem, len(lookupValues)), exact: make(map[string][]lookupItem, len(lookupValues))}
	for typ, values := range lookupValues {
		items := make([]lookupItem, len(values))
		for i, v := range values {
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

// types lists the lookup types in a stable order.
func (l *lookups) types() []string {
	out := make([]string, 0, len(l.byType))
	for _, items := range l.byType {
		out = append(out, items[0].Type)
	}
	sort.Strings(out)
	return out
}

func (l *lookups) json(typ string) ([]byte, bool) {
	items := l.get(typ)
	if items == nil {
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
