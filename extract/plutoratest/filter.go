package plutoratest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// op is a normalized filter operator.
type op string

const (
	opEq          op = "Equals"
	opNe          op = "NotEquals"
	opContains    op = "Contains"
	opNotContains op = "NotContains"
	opGt          op = "GreaterThan"
	opGe          op = "GreaterOrEqual"
	opLt          op = "LessThan"
	opLe          op = "LessOrEqual"
	opWithin      op = "IsWithin"
	opNotWithin   op = "NotWithin"
	opHasValue    op = "HasValue"
	opHasNoValue  op = "HasNoValue"
)

// opNames maps every accepted spelling (lowercase) to its operator.
var opNames = map[string]op{
	"equals": opEq, "=": opEq, "==": opEq,
	"notequals": opNe, "!=": opNe,
	"contains": opContains, "~": opContains,
	"notcontains": opNotContains, "!~": opNotContains,
	"greaterthan": opGt, ">": opGt,
	"greaterorequal": opGe, "greaterorequals": opGe, ">=": opGe,
	"lessthan": opLt, "<": opLt,
	"lessorequal": opLe, "lessorequals": opLe, "<=": opLe,
	"iswithin": opWithin, "notwithin": opNotWithin,
	"hasvalue": opHasValue, "hasnovalue": opHasNoValue,
}

// cond is one comparison: field op value.
type cond struct {
	field   string // canonical field name
	op      op
	value   string
	list    []string // IsWithin / NotWithin
	t       time.Time
	isTime  bool
	dayOnly bool
}

// filter is an OR of AND-groups (AND binds tighter). The zero filter
// matches everything.
type filter struct {
	or [][]cond
}

func (f filter) empty() bool { return len(f.or) == 0 }

// FilterError is a filter the sandbox cannot evaluate; it answers 400 with
// its text, never silently ignoring a condition.
type FilterError struct {
	Pos int // byte offset in the GET filter; -1 for a POST searchFilter
	Msg string
}

func (e *FilterError) Error() string {
	if e.Pos < 0 {
		return "searchFilters: " + e.Msg
	}
	return fmt.Sprintf("filter: at byte %d: %s", e.Pos, e.Msg)
}

// unknownFieldError is a filter naming a field the entity does not have:
// the real API answers it with 500 (Options.Errors.UnknownField400 answers 400 instead).
type unknownFieldError struct{ FilterError }

func (e *unknownFieldError) Unwrap() error { return &e.FilterError }

// statusAliases maps the word "status" to each entity's status field.
var statusAliases = map[string]string{
	Changes: "changeStatus", Releases: "releaseStatusType", Defects: "Status",
}

// newCond validates and normalizes one condition against spec.
func newCond(spec *entitySpec, field, opName, value string, list []string, pos int) (cond, error) {
	o, ok := opNames[strings.ToLower(strings.TrimSpace(opName))]
	if !ok {
		return cond{}, &FilterError{pos, fmt.Sprintf("unsupported operator %q", opName)}
	}
	canon, ok := spec.hasField(field)
	if !ok {
		if alias, ok2 := statusAliases[spec.name]; ok2 && strings.EqualFold(field, "status") {
			canon, ok = alias, true
		}
	}
	if !ok {
		return cond{}, &unknownFieldError{FilterError{pos, fmt.Sprintf("unsupported field %q for %s (filterable: %s)", field, spec.name, strings.Join(spec.fields, ", "))}}
	}
	c := cond{field: canon, op: o, value: value}
	switch o {
	case opWithin, opNotWithin:
		if list == nil {
			for _, v := range strings.Split(value, ",") {
				list = append(list, strings.TrimSpace(v))
			}
		}
		c.list = list
	case opHasValue, opHasNoValue:
	default:
		if t, day, err := parseFilterTime(value); err == nil {
			c.t, c.isTime, c.dayOnly = t, true, day
		} else if canon == spec.modField {
			return cond{}, &FilterError{pos, fmt.Sprintf("%s: %v", canon, err)}
		}
	}
	return c, nil
}

// parseFilterTime reads the date forms a filter value may take.
func parseFilterTime(s string) (time.Time, bool, error) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"2006-01-02", "2006/01/02", "01/02/2006", "02-01-2006"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true, nil
		}
	}
	t, err := parseAPITime(s)
	return t, false, err
}

// parseAPITime reads a date-time as the API writes it: RFC 3339 with any
// fraction, or zone-less (UTC).
func parseAPITime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q (want YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY, DD-MM-YYYY or an ISO date-time)", s)
}

// parseGetFilter parses the GET filter syntax: `field` op `value`, joined
// by AND / OR (AND binds tighter), case-insensitive.
func parseGetFilter(spec *entitySpec, s string) (filter, error) {
	var f filter
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	lx := &lexer{s: s}
	var group []cond
	for {
		pos := lx.skip()
		field, ok, err := lx.quoted()
		if err != nil {
			return filter{}, err
		}
		if !ok {
			return filter{}, &FilterError{pos, fmt.Sprintf("expected a `field` in backticks, got %q", lx.rest())}
		}
		opPos := lx.skip()
		opName := lx.word()
		if opName == "" {
			return filter{}, &FilterError{opPos, fmt.Sprintf("expected an operator after `%s`, got %q", field, lx.rest())}
		}
		var value string
		if o := opNames[strings.ToLower(opName)]; o != opHasValue && o != opHasNoValue {
			vpos := lx.skip()
			v, ok, err := lx.quoted()
			if err != nil {
				return filter{}, err
			}
			if !ok {
				return filter{}, &FilterError{vpos, fmt.Sprintf("expected a `value` in backticks after %s, got %q", opName, lx.rest())}
			}
			value = v
		}
		c, err := newCond(spec, field, opName, value, nil, opPos)
		if err != nil {
			return filter{}, err
		}
		group = append(group, c)
		jpos := lx.skip()
		if lx.done() {
			f.or = append(f.or, group)
			return f, nil
		}
		switch j := strings.ToUpper(lx.word()); j {
		case "AND":
		case "OR":
			f.or = append(f.or, group)
			group = nil
		default:
			return filter{}, &FilterError{jpos, fmt.Sprintf("expected AND or OR, got %q", j+lx.rest())}
		}
	}
}

type lexer struct {
	s string
	i int
}

func (l *lexer) skip() int {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t' || l.s[l.i] == '\n' || l.s[l.i] == '\r' || l.s[l.i] == '+') {
		l.i++
	}
	return l.i
}

func (l *lexer) done() bool { return l.i >= len(l.s) }

func (l *lexer) rest() string {
	r := l.s[l.i:]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

// quoted reads a backtick-quoted string; ok is false when none starts here.
func (l *lexer) quoted() (string, bool, error) {
	if l.i >= len(l.s) || l.s[l.i] != '`' {
		return "", false, nil
	}
	end := strings.IndexByte(l.s[l.i+1:], '`')
	if end < 0 {
		return "", false, &FilterError{l.i, "unterminated backtick"}
	}
	v := l.s[l.i+1 : l.i+1+end]
	l.i += end + 2
	return v, true, nil
}

// word reads an operator or a conjunction: letters, or a run of =!~<>.
func (l *lexer) word() string {
	start := l.i
	if l.i < len(l.s) && strings.IndexByte("=!~<>", l.s[l.i]) >= 0 {
		for l.i < len(l.s) && strings.IndexByte("=!~<>", l.s[l.i]) >= 0 {
			l.i++
		}
		return l.s[start:l.i]
	}
	for l.i < len(l.s) && (l.s[l.i] >= 'a' && l.s[l.i] <= 'z' || l.s[l.i] >= 'A' && l.s[l.i] <= 'Z') {
		l.i++
	}
	return l.s[start:l.i]
}

// searchBody is the POST /{entity}/filter and /defects/Search body; JSON
// keys match case-insensitively, so camelCase and PascalCase both work.
type searchBody struct {
	SearchFilters  []searchFilter `json:"searchFilters"`
	RecordsPerPage *int           `json:"recordsPerPage"`
	PageNum        *int           `json:"pageNum"`
}

type searchFilter struct {
	Property  string          `json:"property"`
	Direction string          `json:"direction"`
	Value     json.RawMessage `json:"value"`
	Operator  string          `json:"operator"`
}

// query is a compiled list request: which records, in which order.
type query struct {
	filter    filter
	sortField string // "" = id order
	desc      bool
}

// compileSearch turns searchFilters into a query. All filters must hold;
// the last filter with a direction sorts.
func compileSearch(spec *entitySpec, sf []searchFilter) (query, error) {
	var q query
	var group []cond
	for i, f := range sf {
		if f.Property == "" {
			return query{}, &FilterError{-1, fmt.Sprintf("filter %d: missing property", i)}
		}
		value, list, err := filterValue(f.Value)
		if err != nil {
			return query{}, &FilterError{-1, fmt.Sprintf("filter %d (%s): %v", i, f.Property, err)}
		}
		if f.Operator != "" || len(f.Value) > 0 && string(f.Value) != "null" {
			opName := f.Operator
			if opName == "" {
				opName = "Equals"
			}
			c, err := newCond(spec, f.Property, opName, value, list, -1)
			if err != nil {
				var fe *FilterError
				if errors.As(err, &fe) {
					fe.Msg = fmt.Sprintf("filter %d: %s", i, fe.Msg)
				}
				return query{}, err
			}
			group = append(group, c)
		}
		switch strings.ToUpper(f.Direction) {
		case "":
		case "ASC", "DESC":
			canon, ok := spec.hasField(f.Property)
			if !ok {
				return query{}, &unknownFieldError{FilterError{-1, fmt.Sprintf("filter %d: cannot sort by unknown field %q", i, f.Property)}}
			}
			q.sortField, q.desc = canon, strings.EqualFold(f.Direction, "DESC")
		default:
			return query{}, &FilterError{-1, fmt.Sprintf("filter %d: direction %q is not ASC or DESC", i, f.Direction)}
		}
	}
	if len(group) > 0 {
		q.filter.or = [][]cond{group}
	}
	return q, nil
}

// filterValue reads a searchFilter value: a string, number, bool, null or
// an array of those (for IsWithin).
func filterValue(raw json.RawMessage) (string, []string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", nil, fmt.Errorf("bad value: %w", err)
	}
	switch x := v.(type) {
	case []any:
		list := make([]string, 0, len(x))
		for _, e := range x {
			s, err := scalarString(e)
			if err != nil {
				return "", nil, err
			}
			list = append(list, s)
		}
		return strings.Join(list, ","), list, nil
	default:
		s, err := scalarString(x)
		return s, nil, err
	}
}

func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", nil
	default:
		return "", fmt.Errorf("value must be a string, number or list, got %T", v)
	}
}
