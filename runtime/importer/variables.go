package importer

import (
	"fmt"
	"strings"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/templates"
)

type outVariable struct {
	Name       string
	Type       string
	Key        string
	Value      any
	Default    any
	Template   string
	Params     map[string]any
	Input      string
	Rows       []outRow
	IgnoreCase bool
	FullMatch  bool
	Comment    []string
}

type outRow struct {
	Key   string
	Value any
}

// Variable type codes. ed, c, smm and remm appear in public exports; the request header,
// cookie and query parameter codes are [inf] and several spellings are accepted.
var (
	headerTypes = map[string][]string{"hrq": {"headerName", "name"}, "rh": {"headerName", "name"}}
	cookieTypes = map[string][]string{"k": {"name", "cookieName"}, "ck": {"cookieName", "name"}}
	queryTypes  = map[string][]string{"qp": {"queryParamName", "name", "key"}, "rqp": {"queryParamName", "name", "key"}, "up": {"queryParamName", "name", "key"}}
)

var variableKeys = set("variableId", "name", "type", "parameter", "formatValue")

func (c *converter) convertVariables() {
	for _, v := range c.cv.Variable {
		obj := fmt.Sprintf("variable %q", v.Name)
		c.rawKeys(obj, keysOf(v.raw), variableKeys)
		name := c.varNames[v.Name]
		if v.Name == "" {
			name = "Variable " + string(v.VariableID)
		}
		out := &outVariable{Name: name}
		ok := c.variable(obj, v, out)
		if !ok {
			// Keep the name resolvable, as undefined, so references still load.
			out = &outVariable{Name: name, Type: config.VarLookupTable, Input: "{{_event}}",
				Comment: []string{fmt.Sprintf("Not imported (type %s, see IMPORT-NOTES.md); always undefined here.", v.Type)}}
		} else {
			c.format(obj, v.FormatValue, out)
		}
		c.out.variables = append(c.out.variables, out)
	}
}

// variable fills out from v; false when the type has no tagd equivalent.
func (c *converter) variable(obj string, v gtmVariable, out *outVariable) bool {
	str := func(key string) (string, bool) {
		p, ok := findParam(v.Parameter, key)
		return p.str(), ok
	}
	used := map[string]bool{}
	first := func(keys []string) string {
		for _, k := range keys {
			if s, ok := str(k); ok {
				used[k] = true
				return s
			}
		}
		return ""
	}
	defaultValue := func() {
		used["setDefaultValue"], used["defaultValue"] = true, true
		if s, _ := str("setDefaultValue"); strings.EqualFold(s, "true") {
			if p, ok := findParam(v.Parameter, "defaultValue"); ok {
				if d, ok := c.value(obj, "defaultValue", p); ok {
					out.Default = d
				}
			}
		}
	}
	typ := v.Type
	switch {
	case typ == "ed":
		out.Type = config.VarEventData
		out.Key = first([]string{"keyPath"})
		defaultValue()
		if out.Key == "" {
			c.note(obj, "keyPath", "event data variable without a key path; not imported")
			return false
		}
	case typ == "c":
		out.Type = config.VarConstant
		used["value"] = true
		out.Value = ""
		if p, ok := findParam(v.Parameter, "value"); ok {
			if x, ok := c.value(obj, "value", p); ok {
				out.Value = x
			}
		}
	case typ == "smm" || typ == "remm":
		out.Type = config.VarLookupTable
		if typ == "remm" {
			out.Type = config.VarRegexTable
		}
		used["input"], used["map"] = true, true
		in, _ := str("input")
		out.Input = c.refs(obj, "input", in)
		if out.Input == "" {
			out.Input = "{{_event}}"
			c.note(obj, "input", "the table has no input; it is looked up with an empty value")
		}
		defaultValue()
		replace := true
		if typ == "remm" {
			out.FullMatch, out.IgnoreCase = boolParam(v.Parameter, "fullMatch", true), boolParam(v.Parameter, "ignoreCase", true)
			replace = boolParam(v.Parameter, "replaceAttributeString", true)
			used["fullMatch"], used["ignoreCase"], used["replaceAttributeString"] = true, true, true
		} else {
			out.IgnoreCase = boolParam(v.Parameter, "ignoreCase", false)
			used["ignoreCase"] = true
		}
		m, _ := findParam(v.Parameter, "map")
		for i, row := range m.List {
			k, _ := findParam(row.Map, "key")
			val, hasVal := findParam(row.Map, "value")
			field := fmt.Sprintf("map[%d]", i)
			r := outRow{Key: k.str(), Value: ""}
			if strings.Contains(r.Key, "{{") {
				c.note(obj, field+".key", "row key %q holds a variable reference; tagd compares row keys as written", r.Key)
			}
			if hasVal {
				if x, ok := c.value(obj, field+".value", val); ok {
					r.Value = x
				}
			}
			if s, isStr := r.Value.(string); isStr && typ == "remm" && !replace && strings.Contains(s, "$") {
				// tagd substitutes $n groups; with replacement off, "$" must stay literal.
				r.Value = strings.ReplaceAll(s, "$", "$$")
			}
			out.Rows = append(out.Rows, r)
		}
	case headerTypes[typ] != nil:
		out.Type = config.VarRequestHeader
		out.Key = first(headerTypes[typ])
	case cookieTypes[typ] != nil:
		out.Type = config.VarCookie
		out.Key = first(cookieTypes[typ])
		used["decodeCookie"] = true
		if boolParam(v.Parameter, "decodeCookie", false) {
			c.note(obj, "decodeCookie", "tagd returns the cookie value as sent, without URI-decoding it")
		}
	case queryTypes[typ] != nil:
		out.Type = config.VarQueryParameter
		out.Key = first(queryTypes[typ])
	case strings.HasPrefix(typ, "cvt_"):
		t := c.templates[typ]
		switch {
		case t == nil:
			c.note(obj, "type", "custom template %s is not in the export's customTemplate list; not imported", typ)
			return false
		case t.parseErr != nil:
			c.note(obj, "type", "its template %q does not parse; not imported", t.name)
			return false
		case t.tpl.Info.Type != templates.KindMacro:
			c.note(obj, "type", "its template %q is a %s template, not a variable (MACRO) template; not imported", t.name, t.tpl.Info.Type)
			return false
		}
		out.Type = config.VarTemplate
		out.Template = t.file
		var problems []string
		out.Params, problems = c.fitParams(obj, t.tpl, c.params(obj, v.Parameter))
		if len(problems) > 0 {
			c.note(obj, "parameters", "%s; not imported (it resolves to undefined until the variable is added by hand)", strings.Join(problems, "; "))
			return false
		}
		return true
	default:
		c.note(obj, "type", "variable type %q has no tagd equivalent (tagd imports ed, c, smm, remm, request header, cookie, query parameter and custom templates); it resolves to undefined", typ)
		return false
	}
	if (out.Type == config.VarRequestHeader || out.Type == config.VarCookie || out.Type == config.VarQueryParameter) && out.Key == "" {
		c.note(obj, "parameter", "no header, cookie or parameter name found; not imported")
		return false
	}
	for _, p := range v.Parameter {
		if !used[p.Key] {
			c.note(obj, "parameter "+p.Key, "not used by tagd's %s variable; ignored", out.Type)
		}
	}
	return true
}

func boolParam(ps []param, key string, def bool) bool {
	p, ok := findParam(ps, key)
	if !ok {
		return def
	}
	return strings.EqualFold(p.str(), "true")
}

// format applies formatValue where tagd has an equivalent (the default for an undefined
// value) and notes the rest.
func (c *converter) format(obj string, f *format, out *outVariable) {
	if f == nil {
		return
	}
	if f.CaseConversionType != "" && f.CaseConversionType != "NONE" {
		c.note(obj, "formatValue.caseConversionType", "tagd does not convert variable values to %s; the value is used as it is", strings.ToLower(f.CaseConversionType))
	}
	if f.ConvertUndefinedToValue != nil {
		if v, ok := c.value(obj, "formatValue.convertUndefinedToValue", *f.ConvertUndefinedToValue); ok {
			if out.Default == nil {
				out.Default = v
			} else {
				c.note(obj, "formatValue.convertUndefinedToValue", "the variable already has a default value, which wins")
			}
		}
	}
	if f.ConvertNullToValue != nil {
		c.note(obj, "formatValue.convertNullToValue", "tagd uses the variable's default for null as for undefined; the null replacement is not imported separately")
	}
	if f.ConvertTrueToValue != nil || f.ConvertFalseToValue != nil {
		c.note(obj, "formatValue.convertTrue/FalseToValue", "tagd does not replace true/false variable values; not imported")
	}
}
