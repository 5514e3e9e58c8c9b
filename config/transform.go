package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Transformation types accepted in [[transformation]] type.
const (
	TransformAllow   = "allow"   // tags see only the listed keys
	TransformExclude = "exclude" // tags do not see the listed keys
	TransformAugment = "augment" // tags see the listed keys set to the given values
)

// TransformationTypes lists the [[transformation]] types.
var TransformationTypes = []string{TransformAllow, TransformExclude, TransformAugment}

// Transformation is one [[transformation]]: an edit of the event data that the affected tags
// see (sGTM's transformations). The event itself, triggers and other tags are not changed.
type Transformation struct {
	Name     string `json:"name"`
	Type     string `json:"type"`               // allow | exclude | augment
	Priority int    `json:"priority,omitempty"` // higher runs first
	// Keys are event-data key paths (allow, exclude).
	Keys []string `json:"keys,omitempty"`
	// Params are the keys augment sets, in order.
	Params     []TransformParam `json:"params,omitempty"`
	Conditions []Condition      `json:"conditions,omitempty"` // all must hold; none = always
	// Tags and TagTemplates select the affected tags by name or by template; both empty
	// means every tag.
	Tags         []string `json:"tags,omitempty"`
	TagTemplates []string `json:"tag_templates,omitempty"`
	Line         int      `json:"line"`
}

// TransformParam is one [[transformation.param]] of an augment transformation.
type TransformParam struct {
	Key   string `json:"key"`   // event-data key path
	Value any    `json:"value"` // may contain {{references}}
	Line  int    `json:"line"`
}

// Packs is the [packs] table: where installed template packs live and which pack wins when
// several provide a template of the same name.
type Packs struct {
	// Directory holds installed pack archives, relative to the config's directory.
	Directory string `json:"directory,omitempty"`
	// Prefer maps a template name to the pack that provides it when two packs (or a pack and
	// a built-in) provide that name.
	Prefer map[string]string `json:"prefer,omitempty"`
	Line   int               `json:"line,omitempty"`
}

// DefaultPacksDirectory is [packs] directory when it is not set.
const DefaultPacksDirectory = "packs"

// PacksDir is the absolute (or Dir-relative) directory of installed packs.
func (c *Config) PacksDir() string {
	d := c.Packs.Directory
	if d == "" {
		d = DefaultPacksDirectory
	}
	return c.ResolvePath(d)
}

// LockPath is the pack lock file beside the config: tagd.lock.
func (c *Config) LockPath() string { return c.ResolvePath("tagd.lock") }

// Tag firing options (sGTM tagFiringOption).
const (
	FireOncePerEvent = "once_per_event" // at most one run per event (the default)
	FireUnlimited    = "unlimited"      // also runs again as another tag's setup or teardown
)

func (d *decoder) transformation(t *table) Transformation {
	x := Transformation{Line: t.line()}
	t.str("name", &x.Name, false)
	t.str("type", &x.Type, false)
	x.Type = strings.ToLower(strings.TrimSpace(x.Type))
	t.int("priority", &x.Priority)
	t.strList("keys", &x.Keys, false, true)
	for i, pt := range t.tables("param") {
		pt.where = fmt.Sprintf("%s param %d", t.where, i+1)
		p := TransformParam{Line: pt.line()}
		pt.str("key", &p.Key, false)
		p.Value = pt.free("value")
		pt.done()
		x.Params = append(x.Params, p)
	}
	for i, ct := range t.tables("condition") {
		ct.where = fmt.Sprintf("%s condition %d", t.where, i+1)
		x.Conditions = append(x.Conditions, d.condition(ct))
	}
	t.strList("tags", &x.Tags, false, true)
	t.strList("tag_templates", &x.TagTemplates, false, true)
	t.done()
	return x
}

func (d *decoder) packs(t *table, p *Packs) {
	p.Line = t.line()
	t.str("directory", &p.Directory, false)
	if v, ok := t.get("prefer"); ok {
		m, isMap := v.(map[string]any)
		if !isMap {
			t.typeErr("prefer", `a table of template name = "pack"`, v)
			return
		}
		p.Prefer = map[string]string{}
		for _, k := range sortedKeys(m) {
			s, ok := m[k].(string)
			if !ok {
				t.errAt(t.line("prefer", k), "prefer.%s must be a pack name string, not %s", k, tomlType(m[k]))
				continue
			}
			p.Prefer[k] = s
		}
	}
}

// packName is the spelling of pack and template names in [packs] prefer.
var packName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

func (v *validator) packs() {
	p := v.c.Packs
	at := func(path ...any) int { return v.keyLine(p.Line, append([]any{"packs"}, path...)...) }
	if p.Directory != "" && strings.TrimSpace(p.Directory) == "" {
		v.add(at("directory"), "packs", "directory must not be blank")
	}
	for _, name := range sortedKeys(anyMap(p.Prefer)) {
		if pack := p.Prefer[name]; !packName.MatchString(pack) {
			v.add(at("prefer", name), "packs", "prefer.%s: %q is not a pack name (lower-case letters, digits, '.', '_' and '-')", name, pack)
		}
	}
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// transformations checks [[transformation]] entries once tags and variables are known.
func (v *validator) transformations(vars map[string]bool) {
	tags := make(map[string]bool, len(v.c.Tags))
	for _, t := range v.c.Tags {
		tags[t.Name] = true
	}
	seen := map[string]int{}
	for i, x := range v.c.Transformations {
		w := where("transformation", x.Name, i)
		at := func(path ...any) int { return v.keyLine(x.Line, append([]any{"transformation", i}, path...)...) }
		v.name(w, x.Name, x.Line, seen)
		switch x.Type {
		case TransformAllow, TransformExclude:
			if len(x.Keys) == 0 {
				v.add(x.Line, w, "type %s needs keys (the event-data key paths it %s)", x.Type, map[string]string{TransformAllow: "keeps", TransformExclude: "removes"}[x.Type])
			}
			if len(x.Params) > 0 {
				v.add(at("param"), w, "param is not used by type %s (use keys)", x.Type)
			}
		case TransformAugment:
			if len(x.Params) == 0 {
				v.add(x.Line, w, "type augment needs at least one [[transformation.param]] with key and value")
			}
			if len(x.Keys) > 0 {
				v.add(at("keys"), w, "keys is not used by type augment (use [[transformation.param]])")
			}
		case "":
			v.add(x.Line, w, "type is required (one of %s)", strings.Join(TransformationTypes, ", "))
		default:
			v.add(at("type"), w, "unknown type %q (want one of %s)", x.Type, strings.Join(TransformationTypes, ", "))
		}
		for j, k := range x.Keys {
			if strings.TrimSpace(k) == "" {
				v.add(at("keys", j), w, "keys[%d] is empty", j)
			}
		}
		for j, p := range x.Params {
			pw := fmt.Sprintf("%s param %d", w, j+1)
			if strings.TrimSpace(p.Key) == "" {
				v.add(p.Line, pw, "key is required")
			}
			if p.Value == nil {
				v.add(p.Line, pw, "value is required")
			}
			walkStrings(p.Value, "value", func(path, s string) {
				v.refs(v.keyLine(p.Line, "transformation", i, "param", j, "value"), pw, path, s, vars)
			})
		}
		for j, name := range x.Tags {
			if !tags[name] {
				v.add(at("tags", j), w, "tags: unknown tag %q", name)
			}
		}
		for j, tpl := range x.TagTemplates {
			if strings.TrimSpace(tpl) == "" {
				v.add(at("tag_templates", j), w, "tag_templates[%d] is empty", j)
			}
		}
		for j, cd := range x.Conditions {
			cw := fmt.Sprintf("%s condition %d", w, j+1)
			v.condition(cw, cd, vars, func(key string) int {
				return v.keyLine(cd.Line, "transformation", i, "condition", j, key)
			})
		}
	}
}

// condition checks one condition (of a transformation; triggers have their own loop).
func (v *validator) condition(w string, cd Condition, vars map[string]bool, at func(key string) int) {
	switch {
	case cd.Variable == "":
		v.add(cd.Line, w, "variable is required")
	case !vars[cd.Variable]:
		v.add(at("variable"), w, "unknown variable %q (define it as a [[variable]] or use a built-in one)", cd.Variable)
	}
	op, ok := NormalizeOperator(cd.Operator)
	if !ok {
		if cd.Operator == "" {
			v.add(cd.Line, w, "operator is required")
		} else {
			v.add(at("operator"), w, "unknown operator %q (want one of %s)", cd.Operator, strings.Join(Operators, ", "))
		}
		return
	}
	v.refs(at("value"), w, "value", cd.Value, vars)
	switch {
	case op == OpMatchesRegex:
		if _, err := regexp.Compile(cd.Value); err != nil {
			v.add(at("value"), w, "invalid regex %q: %v", cd.Value, regexpReason(err))
		}
	case IsNumericOperator(op) && len(VarRefs(cd.Value)) == 0:
		if _, err := strconv.ParseFloat(strings.TrimSpace(cd.Value), 64); err != nil {
			v.add(at("value"), w, "operator %s needs a number, not %q", op, cd.Value)
		}
	}
}

// sequencedTags returns the tags other tags name as setup or teardown: they need no
// triggers of their own.
func (c *Config) sequencedTags() map[string]bool {
	out := map[string]bool{}
	for _, t := range c.Tags {
		if t.SetupTag != "" {
			out[t.SetupTag] = true
		}
		if t.TeardownTag != "" {
			out[t.TeardownTag] = true
		}
	}
	return out
}

// sequences checks setup_tag, teardown_tag and firing_option.
func (v *validator) sequences() {
	index := make(map[string]int, len(v.c.Tags))
	for i, t := range v.c.Tags {
		if _, dup := index[t.Name]; !dup {
			index[t.Name] = i
		}
	}
	for i, t := range v.c.Tags {
		w := where("tag", t.Name, i)
		at := func(key string) int { return v.keyLine(t.Line, "tag", i, key) }
		for _, s := range []struct{ key, name string }{{"setup_tag", t.SetupTag}, {"teardown_tag", t.TeardownTag}} {
			if s.name == "" {
				continue
			}
			if _, ok := index[s.name]; !ok {
				v.add(at(s.key), w, "%s: unknown tag %q", s.key, s.name)
			} else if s.name == t.Name {
				v.add(at(s.key), w, "%s: a tag cannot sequence itself", s.key)
			}
		}
		if t.StopOnSetupFailure && t.SetupTag == "" {
			v.add(at("stop_on_setup_failure"), w, "stop_on_setup_failure needs setup_tag")
		}
		if t.StopTeardownOnFailure && t.TeardownTag == "" {
			v.add(at("stop_teardown_on_failure"), w, "stop_teardown_on_failure needs teardown_tag")
		}
		if t.FiringOption != "" && !slices.Contains([]string{FireOncePerEvent, FireUnlimited}, t.FiringOption) {
			v.add(at("firing_option"), w, "firing_option %q must be %s or %s", t.FiringOption, FireOncePerEvent, FireUnlimited)
		}
	}
	// A setup or teardown chain that leads back to its start would wait for itself.
	const (
		unvisited = iota
		active
		finished
	)
	state := make([]int, len(v.c.Tags))
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = active
		t := v.c.Tags[i]
		for _, next := range []string{t.SetupTag, t.TeardownTag} {
			j, ok := index[next]
			if !ok || next == t.Name {
				continue
			}
			switch state[j] {
			case active:
				v.add(t.Line, where("tag", t.Name, i), "setup/teardown chain through %q leads back to itself", next)
				return false
			case unvisited:
				if !visit(j) {
					return false
				}
			}
		}
		state[i] = finished
		return true
	}
	for i := range v.c.Tags {
		if state[i] == unvisited {
			visit(i)
		}
	}
}
