package templates

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// CheckParams validates a configured parameter map (for example from TOML
// config) against the template's fields. It returns one human-readable
// message per problem, sorted by parameter name for value problems and then
// in field order for missing ones; an empty slice means the map is fine.
//
// Checked: unknown names (and the reserved gtmOnSuccess/gtmOnFailure); value
// shapes per field type (CHECKBOX bool; TEXT string or number, or a list of
// strings with textAsList; SELECT/RADIO one of the items' values; tables a
// list of maps keyed by column names); and required fields: a field with a
// NON_EMPTY validator, no non-empty default, that is enabled given the values
// plus defaults. A string containing "{{" is a variable reference and is
// accepted wherever a scalar is. Enabling conditions that cannot be decided
// (unknown condition types, or a controlling value that is a variable
// reference) never produce a "missing" message.
func (t *Template) CheckParams(values map[string]any) []string {
	type entry struct {
		p     Param
		gates []gate
	}
	var fields []entry
	first := map[string]int{}
	walkFields(t.Params, nil, func(p Param, g []gate) {
		if _, dup := first[p.Name]; !dup {
			first[p.Name] = len(fields)
		}
		fields = append(fields, entry{p, g})
	})

	problems := []string{}
	for _, k := range sortedKeys(values) {
		if k == "gtmOnSuccess" || k == "gtmOnFailure" {
			problems = append(problems, fmt.Sprintf("parameter %q is reserved for the runtime and cannot be configured", k))
			continue
		}
		i, ok := first[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("unknown parameter %q (known: %s)", k, knownList(first)))
			continue
		}
		for _, msg := range checkValue(fields[i].p, values[k]) {
			problems = append(problems, fmt.Sprintf("parameter %q: %s", k, msg))
		}
	}

	merged := t.Defaults()
	for k, v := range values {
		merged[k] = v
	}
	reported := map[string]bool{}
	for _, f := range fields {
		p := f.p
		if reported[p.Name] || required(p, merged) != yes || enabled(f.gates, merged) != yes {
			continue
		}
		v, given := values[p.Name]
		switch {
		case given && !isEmpty(v):
			continue
		case !given && hasDefault(p):
			continue
		case given:
			problems = append(problems, fmt.Sprintf("required parameter %q%s is empty", p.Name, label(p)))
		default:
			problems = append(problems, fmt.Sprintf("missing required parameter %q%s", p.Name, label(p)))
		}
		reported[p.Name] = true
	}
	return problems
}

func label(p Param) string {
	if p.DisplayName == "" {
		return ""
	}
	return fmt.Sprintf(" (%s)", p.DisplayName)
}

func knownList(first map[string]int) string {
	if len(first) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(first), ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tri is a three-valued truth: enabling conditions may be undecidable.
type tri int8

const (
	no tri = iota
	yes
	unknown
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// required reports whether p has a NON_EMPTY validator that applies.
func required(p Param, vals map[string]any) tri {
	res := no
	for _, v := range p.ValueValidators {
		if v.Type != "NON_EMPTY" {
			continue
		}
		switch anyCond(v.EnablingConditions, vals) {
		case yes:
			return yes
		case unknown:
			res = unknown
		}
	}
	return res
}

func hasDefault(p Param) bool {
	d, ok := defaultOf(p)
	return ok && !isEmpty(d)
}

// enabled is the conjunction of all gates on the path to a field.
func enabled(gates []gate, vals map[string]any) tri {
	res := yes
	for _, g := range gates {
		var r tri
		if g.radio != "" {
			v, ok := vals[g.radio]
			switch {
			case ok && isMacro(v):
				r = unknown
			default:
				r = triOf(ok && looseEqual(v, g.radioValue))
			}
		} else {
			r = anyCond(g.conds, vals)
		}
		if r == no {
			return no
		}
		if r == unknown {
			res = unknown
		}
	}
	return res
}

// anyCond: a field's enabling conditions are alternatives (real templates
// list e.g. status == 200 and status == 201 on one field). No conditions
// means always enabled.
func anyCond(conds []EnablingCondition, vals map[string]any) tri {
	if len(conds) == 0 {
		return yes
	}
	res := no
	for _, c := range conds {
		switch evalCond(c, vals) {
		case yes:
			return yes
		case unknown:
			res = unknown
		}
	}
	return res
}

func evalCond(c EnablingCondition, vals map[string]any) tri {
	v, present := vals[c.ParamName]
	present = present && v != nil
	if present && isMacro(v) {
		if c.Type == "PRESENT" {
			return yes
		}
		return unknown // decided only at run time
	}
	switch c.Type {
	case "EQUALS":
		return triOf(condMatches(v, present, c.ParamValue))
	case "NOT_EQUALS":
		return triOf(!condMatches(v, present, c.ParamValue))
	case "PRESENT":
		return triOf(present && !isEmpty(v))
	case "NOT_PRESENT":
		return triOf(!present || isEmpty(v))
	}
	return unknown
}

// condMatches compares a value with a condition's paramValue (a list means
// any of its elements). An absent value equals only a nil or "" paramValue.
func condMatches(v any, present bool, want any) bool {
	if list, ok := want.([]any); ok {
		for _, w := range list {
			if condMatches(v, present, w) {
				return true
			}
		}
		return false
	}
	if !present {
		s, isStr := want.(string)
		return want == nil || (isStr && s == "")
	}
	return looseEqual(v, want)
}

// checkValue returns the problems with one configured value for field p.
func checkValue(p Param, v any) []string {
	if v == nil {
		return nil
	}
	one := func(format string, args ...any) []string { return []string{fmt.Sprintf(format, args...)} }
	switch p.Type {
	case TypeCheckbox:
		if _, ok := v.(bool); ok || isMacro(v) {
			return nil
		}
		return one("CHECKBOX wants a boolean, got %s", describe(v))
	case TypeText:
		if isString(v) || isNumber(v) {
			return nil
		}
		if p.TextAsList {
			list, ok := asList(v)
			if !ok {
				return one("TEXT (textAsList) wants a string or a list of strings, got %s", describe(v))
			}
			var out []string
			for i, e := range list {
				if !isString(e) {
					out = append(out, fmt.Sprintf("item %d is %s, want a string", i+1, describe(e)))
				}
			}
			return out
		}
		return one("TEXT wants a string or number, got %s", describe(v))
	case TypeSelect:
		vals := make([]any, len(p.SelectItems))
		for i, it := range p.SelectItems {
			vals[i] = it.Value
		}
		return checkChoice(TypeSelect, v, vals, p.DefaultValue)
	case TypeRadio:
		vals := make([]any, len(p.RadioItems))
		for i, it := range p.RadioItems {
			vals[i] = it.Value
		}
		return checkChoice(TypeRadio, v, vals, p.DefaultValue)
	case TypeSimpleTable:
		cols := make([]column, len(p.SimpleTableColumns))
		for i, c := range p.SimpleTableColumns {
			cols[i] = simpleColumn(c)
		}
		return checkTable(TypeSimpleTable, v, cols)
	case TypeParamTable:
		cols := make([]column, len(p.ParamTableColumns))
		for i, c := range p.ParamTableColumns {
			cols[i] = paramColumn(c.Param)
		}
		return checkTable(TypeParamTable, v, cols)
	}
	return nil // unknown field types accept anything
}

// checkChoice accepts one of choices or the field's declared default (some
// templates default to a value outside their list, e.g. -1 for "not set").
func checkChoice(kind string, v any, choices []any, def any) []string {
	if isMacro(v) || (def != nil && looseEqual(v, def)) {
		return nil
	}
	if !isScalar(v) {
		return []string{fmt.Sprintf("%s wants one of its item values, got %s", kind, describe(v))}
	}
	if len(choices) == 0 {
		return nil
	}
	for _, c := range choices {
		if looseEqual(v, c) {
			return nil
		}
	}
	shown := make([]string, len(choices))
	for i, c := range choices {
		shown[i] = show(c)
	}
	return []string{fmt.Sprintf("value %s is not one of the %s items (%s)", show(v), kind, strings.Join(shown, ", "))}
}

// column is what checkTable needs to know about a table column.
type column struct {
	name     string
	check    func(v any) []string
	required bool
}

func simpleColumn(c Column) column {
	col := column{name: c.Name, required: hasNonEmpty(c.ValueValidators) && isEmpty(c.DefaultValue)}
	if c.Type == TypeSelect {
		vals := make([]any, len(c.SelectItems))
		for i, it := range c.SelectItems {
			vals[i] = it.Value
		}
		col.check = func(v any) []string { return checkChoice(TypeSelect, v, vals, c.DefaultValue) }
	} else {
		col.check = func(v any) []string { return checkValue(Param{Type: TypeText}, v) }
	}
	return col
}

func paramColumn(p Param) column {
	return column{
		name:     p.Name,
		required: hasNonEmpty(p.ValueValidators) && !hasDefault(p),
		check:    func(v any) []string { return checkValue(p, v) },
	}
}

func hasNonEmpty(vs []Validator) bool {
	for _, v := range vs {
		if v.Type == "NON_EMPTY" {
			return true
		}
	}
	return false
}

func checkTable(kind string, v any, cols []column) []string {
	rows, ok := asList(v)
	if !ok {
		return []string{fmt.Sprintf("%s wants a list of rows (tables), got %s", kind, describe(v))}
	}
	byName := make(map[string]column, len(cols))
	names := make([]string, 0, len(cols))
	for _, c := range cols {
		byName[c.name] = c
		names = append(names, c.name)
	}
	var out []string
	for i, r := range rows {
		row, ok := asMap(r)
		if !ok {
			out = append(out, fmt.Sprintf("row %d is %s, want a table", i+1, describe(r)))
			continue
		}
		for _, k := range sortedKeys(row) {
			c, ok := byName[k]
			if !ok {
				out = append(out, fmt.Sprintf("row %d: unknown column %q (columns: %s)", i+1, k, strings.Join(names, ", ")))
				continue
			}
			for _, msg := range c.check(row[k]) {
				out = append(out, fmt.Sprintf("row %d: column %q: %s", i+1, k, msg))
			}
		}
		for _, c := range cols {
			if c.required && isEmpty(row[c.name]) {
				out = append(out, fmt.Sprintf("row %d: column %q is required", i+1, c.name))
			}
		}
	}
	return out
}

// isMacro reports a string with a {{variable}} reference.
func isMacro(v any) bool {
	s, ok := v.(string)
	return ok && strings.Contains(s, "{{")
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return true
	}
	return false
}

func isScalar(v any) bool {
	_, isBool := v.(bool)
	return isString(v) || isNumber(v) || isBool
}

func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	if s, ok := v.(string); ok {
		return s == ""
	}
	if l, ok := asList(v); ok {
		return len(l) == 0
	}
	if m, ok := asMap(v); ok {
		return len(m) == 0
	}
	return false
}

// asList accepts the list shapes TOML and JSON decoders produce.
func asList(v any) ([]any, bool) {
	switch v := v.(type) {
	case []any:
		return v, true
	case string, nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// asMap accepts maps with string keys of any value type.
func asMap(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		out[iter.Key().String()] = iter.Value().Interface()
	}
	return out, true
}

// looseEqual compares scalars by their canonical text so that a configured
// 200 matches a select item written as "200" and vice versa.
func looseEqual(a, b any) bool {
	ca, okA := canon(a)
	cb, okB := canon(b)
	return okA && okB && ca == cb
}

func canon(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32), true
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64), true
		}
		return v.String(), true
	case int, int8, int16, int32, int64:
		return strconv.FormatInt(reflect.ValueOf(v).Int(), 10), true
	case uint, uint8, uint16, uint32, uint64:
		return strconv.FormatUint(reflect.ValueOf(v).Uint(), 10), true
	}
	return "", false
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	if c, ok := canon(v); ok {
		return c
	}
	return describe(v)
}

func describe(v any) string {
	switch {
	case v == nil:
		return "null"
	case isString(v):
		return "a string"
	case isNumber(v):
		return "a number"
	}
	if _, ok := v.(bool); ok {
		return "a boolean"
	}
	if _, ok := asList(v); ok {
		return "a list"
	}
	if _, ok := asMap(v); ok {
		return "a table"
	}
	return fmt.Sprintf("a %T", v)
}
