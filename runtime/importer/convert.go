package importer

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/templates"
)

// Options configure Convert.
type Options struct {
	// Catalog lists this tagd's built-in clients and templates.
	Catalog Catalog
	// TemplatesDir is where the custom templates are written, relative to the config
	// ("templates" if empty).
	TemplatesDir string
}

// File is one file the import writes, relative to the output directory.
type File struct {
	Path string
	Data []byte
}

// Note is one thing the import could not carry over as it was.
type Note struct {
	Object string `json:"object"` // e.g. `tag "Meta CAPI"`
	Field  string `json:"field"`  // e.g. "consentSettings"; "" for the whole object
	Why    string `json:"why"`
}

func (n Note) String() string {
	if n.Field == "" {
		return n.Object + ": " + n.Why
	}
	return n.Object + ": " + n.Field + ": " + n.Why
}

// Result is a converted container.
type Result struct {
	Config    []byte // tagd.toml
	Templates []File // custom templates, under TemplatesDir
	Notes     []Note
	// Summary counts what was imported.
	Summary Summary
}

// Summary counts the objects written to the config.
type Summary struct {
	Clients, Triggers, Variables, Tags, Transformations, Templates int
	Skipped                                                        int // objects left out
}

// converter holds the state of one conversion.
type converter struct {
	o      Options
	src    string
	cv     *containerVersion
	notes  []Note
	tplDir string

	templates   map[string]*customTpl // type key (cvt_...) -> template
	tplFiles    []*customTpl
	varNames    map[string]string // export variable or built-in name -> config name
	tagNames    map[string]string // export tag name -> config name
	triggers    map[string]*outTrigger
	triggerWhy  map[string]string // trigger id -> why it was not imported
	placeholder map[string]string // unknown reference -> placeholder variable name
	usedNames   map[string]bool   // config variable names taken
	draftTags   []*outTag         // tags written commented out (missing required fields)

	out struct {
		clients   []*outClient
		triggers  []*outTrigger
		variables []*outVariable
		tags      []*outTag
		transf    []*outTransform
		skipped   []string // comment lines for objects left out
		drafts    []string // objects that need fields filled in, written commented out
	}
}

type customTpl struct {
	id       string
	name     string
	file     string // path relative to the config
	data     []byte
	tpl      *templates.Template
	parseErr error
}

func (c *converter) note(object, field, format string, args ...any) {
	c.notes = append(c.notes, Note{Object: object, Field: field, Why: fmt.Sprintf(format, args...)})
}

// Convert reads an export and converts it. name is used in messages. A malformed export is
// an error; everything else converts, with notes.
func Convert(name string, src []byte, o Options) (*Result, error) {
	ex, err := parseExport(name, src)
	if err != nil {
		return nil, err
	}
	c := &converter{
		o: o, src: name, cv: ex.ContainerVersion,
		templates: map[string]*customTpl{}, varNames: map[string]string{}, tagNames: map[string]string{},
		triggers: map[string]*outTrigger{}, triggerWhy: map[string]string{}, placeholder: map[string]string{},
		usedNames: map[string]bool{},
	}
	c.tplDir = o.TemplatesDir
	if c.tplDir == "" {
		c.tplDir = "templates"
	}
	cv := c.cv
	if uc := cv.Container.UsageContext; len(uc) > 0 && !containsFold(uc, "SERVER") {
		c.note("container", "usageContext", "the export is a %s container, not a server container; only server objects are imported", strings.Join(uc, ", "))
	}
	if n := len(cv.Zone); n > 0 {
		c.note("zone", "", "%d zone(s): zones are not supported by tagd; not imported", n)
	}
	if len(cv.GtagConfig) > 0 {
		c.note("gtagConfig", "", "%d Google tag configuration(s) are web-container settings and were not imported", len(cv.GtagConfig))
	}
	c.readTemplates()
	c.nameVariables()
	for _, t := range cv.Tag {
		c.tagNames[t.Name] = t.Name
	}
	c.convertTriggers()
	c.convertVariables()
	c.convertTags()
	c.convertClients()
	c.convertTransformations()
	c.addPlaceholders()

	res := &Result{Notes: c.notes}
	res.Config = c.render(ex)
	for _, t := range c.tplFiles {
		res.Templates = append(res.Templates, File{Path: t.file, Data: t.data})
	}
	res.Summary = Summary{
		Clients: len(c.out.clients), Triggers: len(c.out.triggers), Variables: len(c.out.variables),
		Tags: len(c.out.tags), Transformations: len(c.out.transf), Templates: len(c.tplFiles),
		Skipped: len(c.out.skipped) + len(c.out.drafts),
	}
	// The config written must load; anything else is a bug in the importer.
	if _, err := config.Parse("tagd.toml", ".", res.Config); err != nil {
		return res, fmt.Errorf("%s: internal error: the generated config does not load (please report this):\n%v", name, err)
	}
	return res, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// readTemplates indexes the custom templates under both type keys and parses them.
func (c *converter) readTemplates() {
	containerID := string(c.cv.ContainerID)
	if containerID == "" {
		containerID = string(c.cv.Container.ContainerID)
	}
	files := map[string]bool{}
	for _, ct := range c.cv.CustomTemplate {
		t := &customTpl{id: string(ct.TemplateID), name: ct.Name, data: []byte(ct.TemplateData)}
		base := slug(ct.Name)
		if base == "" {
			base = "template-" + slug(string(ct.TemplateID))
		}
		file := path.Join(c.tplDir, base+".tpl")
		for n := 2; files[file]; n++ {
			file = path.Join(c.tplDir, base+"-"+strconv.Itoa(n)+".tpl")
		}
		files[file] = true
		t.file = file
		obj := fmt.Sprintf("custom template %q", ct.Name)
		if strings.TrimSpace(ct.TemplateData) == "" {
			t.parseErr = fmt.Errorf("templateData is empty")
		} else {
			t.tpl, t.parseErr = templates.Parse(file, t.data)
		}
		if t.parseErr != nil {
			// Kept for the record, but not as .tpl: `tagd test templates/` runs the rest.
			t.file += ".broken"
			c.note(obj, "templateData", "it does not parse (%v); written to %s, and nothing that uses it was imported", t.parseErr, t.file)
		}
		c.tplFiles = append(c.tplFiles, t)
		c.templates["cvt_"+containerID+"_"+string(ct.TemplateID)] = t
		if g := ct.GalleryReference; g != nil && g.GalleryTemplateID != "" {
			c.templates["cvt_"+g.GalleryTemplateID] = t
		}
	}
}

var slugDrop = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = slugDrop.ReplaceAllString(strings.ToLower(s), "-")
	s = strings.Trim(s, "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}

// nameVariables decides the config name of every variable and built-in variable, so that
// references can be rewritten while converting.
func (c *converter) nameVariables() {
	for _, b := range config.BuiltinVariables {
		c.varNames[b] = b
	}
	for _, bv := range c.cv.BuiltInVariable {
		ours, ok := builtinVariables[bv.Type]
		obj := fmt.Sprintf("built-in variable %q", bv.Name)
		if !ok {
			c.note(obj, "type", "built-in variable type %s has no tagd equivalent; references to {{%s}} resolve to undefined", bv.Type, bv.Name)
			continue
		}
		if bv.Name != "" && bv.Name != ours {
			c.varNames[bv.Name] = ours
			c.note(obj, "name", "mapped to tagd's built-in {{%s}}; references were rewritten", ours)
		}
	}
	for _, v := range c.cv.Variable {
		name := v.Name
		obj := fmt.Sprintf("variable %q", v.Name)
		switch {
		case name == "":
			name = "Variable " + string(v.VariableID)
			c.note(obj, "name", "the variable has no name; imported as %q", name)
		case isBuiltinName(name) || strings.ContainsAny(name, "{}") || c.usedNames[name]:
			base := strings.NewReplacer("{", "(", "}", ")").Replace(name) + " (imported)"
			name = base
			for n := 2; c.usedNames[name] || isBuiltinName(name); n++ {
				name = fmt.Sprintf("%s %d", base, n)
			}
			c.note(obj, "name", "renamed to %q (the name is taken by a tagd built-in variable or not allowed); references were rewritten", name)
		}
		c.usedNames[name] = true
		if v.Name != "" {
			c.varNames[v.Name] = name
		}
	}
}

func isBuiltinName(s string) bool {
	for _, b := range config.BuiltinVariables {
		if b == s {
			return true
		}
	}
	return false
}

var refRe = regexp.MustCompile(`\{\{([^{}]+)\}\}`)

// refs rewrites the {{references}} in s to config names. References to names the export
// does not define become placeholder variables (addPlaceholders) that resolve to undefined,
// as an undefined variable does in sGTM.
func (c *converter) refs(object, field, s string) string {
	return refRe.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-2]
		if ours, ok := c.varNames[name]; ok {
			return "{{" + ours + "}}"
		}
		if ph, ok := c.placeholder[name]; ok {
			return "{{" + ph + "}}"
		}
		ph := name
		if isBuiltinName(ph) || c.usedNames[ph] {
			ph = name + " (undefined)"
		}
		c.usedNames[ph] = true
		c.placeholder[name] = ph
		c.note(object, field, "references {{%s}}, which the export does not define; it resolves to undefined (a placeholder variable %q was added)", name, ph)
		return "{{" + ph + "}}"
	})
}

// addPlaceholders defines the variables for undefined references: a lookup table with no
// rows is always undefined.
func (c *converter) addPlaceholders() {
	names := make([]string, 0, len(c.placeholder))
	for _, ph := range c.placeholder {
		names = append(names, ph)
	}
	sort.Strings(names)
	for _, ph := range names {
		c.out.variables = append(c.out.variables, &outVariable{
			Name: ph, Type: config.VarLookupTable, Input: "{{_event}}",
			Comment: []string{"Placeholder: the export references {{" + ph + "}} without defining it; it is always undefined."},
		})
	}
}

// envEscape keeps ${...} in imported text literal: tagd expands ${NAME} in parameters.
func envEscape(s string) string { return strings.ReplaceAll(s, "${", "$${") }

// value converts a parameter to the value a template sees (sGTM semantics: TEMPLATE →
// string with references, BOOLEAN → bool, INTEGER → number, LIST → list, MAP → object).
// ok is false for a TEMPLATE parameter without a value (undefined: left out).
func (c *converter) value(object, field string, p param) (any, bool) {
	switch strings.ToUpper(p.Type) {
	case "TEMPLATE", "":
		if p.Value == nil {
			return nil, false
		}
		return envEscape(c.refs(object, field, *p.Value)), true
	case "BOOLEAN":
		switch strings.ToLower(strings.TrimSpace(p.str())) {
		case "true":
			return true, true
		case "false", "":
			return false, true
		}
		c.note(object, field, "BOOLEAN value %q is neither true nor false; kept as text", p.str())
		return envEscape(p.str()), true
	case "INTEGER":
		n, err := strconv.ParseInt(strings.TrimSpace(p.str()), 10, 64)
		if err != nil {
			c.note(object, field, "INTEGER value %q is not an integer; kept as text", p.str())
			return envEscape(c.refs(object, field, p.str())), true
		}
		return n, true
	case "LIST":
		out := []any{}
		for i, x := range p.List {
			v, ok := c.value(object, fmt.Sprintf("%s[%d]", field, i), x)
			if !ok {
				v = ""
			}
			out = append(out, v)
		}
		return out, true
	case "MAP":
		out := map[string]any{}
		for _, x := range p.Map {
			if v, ok := c.value(object, field+"."+x.Key, x); ok {
				out[x.Key] = v
			}
		}
		return out, true
	case "TAG_REFERENCE":
		if n, ok := c.tagNames[p.str()]; ok {
			return n, true
		}
		return envEscape(p.str()), true
	case "TRIGGER_REFERENCE":
		if t, ok := c.triggers[p.str()]; ok {
			return t.Name, true
		}
		return envEscape(p.str()), true
	}
	c.note(object, field, "parameter type %s is unknown; its value was kept as text", p.Type)
	if p.Value == nil {
		return nil, false
	}
	return envEscape(*p.Value), true
}

// params converts a parameter list to a table.
func (c *converter) params(object string, ps []param) map[string]any {
	out := map[string]any{}
	for _, p := range ps {
		if p.Key == "" {
			c.note(object, "parameter", "a parameter without a key was left out")
			continue
		}
		if v, ok := c.value(object, "parameter "+p.Key, p); ok {
			out[p.Key] = v
		}
	}
	return out
}

func findParam(ps []param, key string) (param, bool) {
	for _, p := range ps {
		if p.Key == key {
			return p, true
		}
	}
	return param{}, false
}

// fitParams drops parameters the template does not declare (GTM keeps stale values of
// removed fields) and returns the remaining problems (missing required fields, wrong
// types), which would stop the config from loading.
func (c *converter) fitParams(object string, t *templates.Template, given map[string]any) (map[string]any, []string) {
	if t == nil {
		return given, nil
	}
	var problems []string
	for _, msg := range t.CheckParams(given) {
		var name string
		if _, err := fmt.Sscanf(msg, "unknown parameter %q", &name); err == nil {
			delete(given, name)
			c.note(object, "parameter "+name, "the template %q has no such field (a value left from an older template version); left out", t.Info.DisplayName)
			continue
		}
		problems = append(problems, msg)
	}
	return given, problems
}

// draftParams adds the required fields a draft lacks, empty, so the commented-out block
// shows what to fill in.
func draftParams(params map[string]any, problems []string) map[string]any {
	if params == nil {
		params = map[string]any{}
	}
	for _, msg := range problems {
		var name string
		if _, err := fmt.Sscanf(msg, "missing required parameter %q", &name); err == nil {
			params[name] = ""
		}
	}
	return params
}

// fieldNames lists the parameter names a template declares (sub-fields included).
func fieldNames(t *templates.Template) map[string]bool {
	out := map[string]bool{}
	var walk func(ps []templates.Param)
	walk = func(ps []templates.Param) {
		for _, p := range ps {
			if p.Name != "" {
				out[p.Name] = true
			}
			walk(p.SubParams)
			for _, r := range p.RadioItems {
				walk(r.SubParams)
			}
		}
	}
	walk(t.Params)
	return out
}

// rawKeys reports keys of an export object that the importer neither maps nor ignores.
func (c *converter) rawKeys(object string, keys []string, known map[string]bool) {
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] && !ignoredKeys[k] {
			c.note(object, k, "field not known to the importer; not imported")
		}
	}
}

// ignoredKeys are bookkeeping fields with no meaning for running a container.
var ignoredKeys = map[string]bool{
	"accountId": true, "containerId": true, "workspaceId": true, "fingerprint": true, "path": true,
	"tagManagerUrl": true, "parentFolderId": true, "notes": true,
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}
