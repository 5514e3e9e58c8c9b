package templates

import "strings"

// Fields returns every value-carrying field flattened (GROUP children,
// subParams, radio items' subParams, recursively), skipping LABEL and GROUP
// themselves and fields without a name, in declaration order. PARAM_TABLE
// column descriptors are row cells, not fields of data, and are not included.
func (t *Template) Fields() []Param {
	var out []Param
	walkFields(t.Params, nil, func(p Param, _ []gate) { out = append(out, p) })
	return out
}

// Field returns the first field called name (see Fields).
func (t *Template) Field(name string) (Param, bool) {
	var found Param
	ok := false
	walkFields(t.Params, nil, func(p Param, _ []gate) {
		if !ok && p.Name == name {
			found, ok = p, true
		}
	})
	return found, ok
}

// Permission returns the first permission with the given publicId.
func (t *Template) Permission(id string) (Permission, bool) {
	for _, p := range t.Permissions {
		if p.ID == id {
			return p, true
		}
	}
	return Permission{}, false
}

// gate is one thing that must hold for a nested field to be enabled: the
// enabling conditions of the field itself or of an ancestor, or (for fields
// under a radio item) that the radio has that item selected.
type gate struct {
	conds      []EnablingCondition
	radio      string // radio field name; "" for a conditions gate
	radioValue any
}

// walkFields visits value-carrying fields in declaration order together with
// the gates that decide whether each is enabled.
func walkFields(ps []Param, gates []gate, visit func(Param, []gate)) {
	for _, p := range ps {
		g := gates
		if len(p.EnablingConditions) > 0 {
			g = appendGate(gates, gate{conds: p.EnablingConditions})
		}
		switch p.Type {
		case TypeLabel:
			continue
		case TypeGroup:
			walkFields(p.SubParams, g, visit)
			continue
		}
		if p.Name != "" {
			visit(p, g)
		}
		walkFields(p.SubParams, g, visit)
		for _, ri := range p.RadioItems {
			walkFields(ri.SubParams, appendGate(g, gate{radio: p.Name, radioValue: ri.Value}), visit)
		}
	}
}

// appendGate copies so sibling branches never share a backing array.
func appendGate(gs []gate, g gate) []gate {
	out := make([]gate, len(gs), len(gs)+1)
	copy(out, gs)
	return append(out, g)
}

// Defaults returns data-shaped default values for the fields that declare a
// defaultValue. A CHECKBOX without one defaults to false. A TEXT default of ""
// is left out unless canBeEmptyString (an empty field reaches data as
// undefined), a string default of a textAsList field becomes a list of its
// non-empty lines, and a CHECKBOX default written as "true"/"false" becomes a
// boolean. Table defaults are kept as given. Values are copies.
func (t *Template) Defaults() map[string]any {
	out := map[string]any{}
	for _, p := range t.Fields() {
		if v, ok := defaultOf(p); ok {
			out[p.Name] = v
		}
	}
	return out
}

func defaultOf(p Param) (any, bool) {
	d := p.DefaultValue
	switch p.Type {
	case TypeCheckbox:
		switch v := d.(type) {
		case nil:
			return false, true
		case string:
			switch v {
			case "true":
				return true, true
			case "false", "":
				return false, true
			}
		}
	case TypeText:
		s, isStr := d.(string)
		if isStr && s == "" && !p.CanBeEmptyString {
			return nil, false
		}
		if isStr && p.TextAsList {
			return linesOf(s), true
		}
	}
	if d == nil {
		return nil, false
	}
	return deepCopy(d), true
}

func linesOf(s string) []any {
	out := []any{}
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, "\r")
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// deepCopy copies the JSON-shaped values encoding/json produces.
func deepCopy(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	}
	return v
}
