package config

import (
	"regexp"
	"strings"
)

// VarRefs returns the names referenced as {{Name}} in s, in order. Names are taken verbatim
// (no trimming); text between braces that itself contains a brace is not a reference.
func VarRefs(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return out
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			return out
		}
		name := s[i+2 : i+2+j]
		if name == "" || strings.ContainsAny(name, "{}") {
			s = s[i+1:]
			continue
		}
		out = append(out, name)
		s = s[i+2+j+2:]
	}
}

// eventKeyPath matches {{references}} the runtime resolves from the event data when no
// variable has that name, e.g. {{transaction_id}} or {{user_data.email_address}}.
var eventKeyPath = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.\-]*$`)

// IsEventKeyPath reports whether a {{reference}} name, not being a variable, is read from the
// event data instead.
func IsEventKeyPath(name string) bool { return eventKeyPath.MatchString(name) }

// walkStrings calls fn for every string inside v (maps, lists, nested), with its key path.
func walkStrings(v any, path string, fn func(path, s string)) {
	switch v := v.(type) {
	case string:
		fn(path, v)
	case map[string]any:
		for _, k := range sortedKeys(v) {
			walkStrings(v[k], path+"."+k, fn)
		}
	case []any:
		for i, e := range v {
			walkStrings(e, path+"["+itoa(i)+"]", fn)
		}
	}
}
