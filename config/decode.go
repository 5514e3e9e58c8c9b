package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The TOML library decodes into a generic tree; this file checks that tree against the schema
// and copies it into Config. Doing it by hand rather than with typed decoding and
// MetaData.Undecoded lets us report every unknown key and every type mismatch (typed decoding
// stops at the first) at the exact line, also inside [[array tables]].

type decoder struct {
	file string
	pos  *posNode
	env  envLookup
	errs Errors
}

// table is one TOML table being decoded. Every key read through it counts as known; done
// reports the rest.
type table struct {
	d     *decoder
	m     map[string]any
	path  []any  // position path of the table
	where string // message prefix, e.g. `tag "Meta CAPI"`
	known []string
}

func (d *decoder) table(m map[string]any, where string, path ...any) *table {
	return &table{d: d, m: m, where: where, path: path}
}

func (t *table) at(key ...any) []any { return append(slices.Clip(t.path), key...) }

func (t *table) line(key ...any) int { return t.d.pos.lineOf(t.at(key...)...) }

// errAt records a problem of this table at a line, prefixed with the table's name.
func (t *table) errAt(line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if t.where != "" {
		msg = t.where + ": " + msg
	}
	t.d.errs = append(t.d.errs, &Error{File: t.d.file, Line: line, Msg: msg})
}

// errf records a problem with key ("" for the table itself) at the key's line.
func (t *table) errf(key string, format string, args ...any) {
	if key == "" {
		t.errAt(t.line(), format, args...)
		return
	}
	t.errAt(t.line(key), format, args...)
}

func (t *table) get(key string) (any, bool) {
	t.known = append(t.known, key)
	v, ok := t.m[key]
	return v, ok
}

func (t *table) typeErr(key string, want string, v any) {
	t.errf(key, "%s must be %s, not %s", key, want, tomlType(v))
}

// expand applies ${ENV} expansion to a string found at pos (label names it in messages).
func (t *table) expand(s, label string, pos []any) string {
	out, _ := t.expandOK(s, label, pos)
	return out
}

// expandOK is expand that also reports whether expansion succeeded.
func (t *table) expandOK(s, label string, pos []any) (string, bool) {
	out, problems := expandEnv(s, t.d.env)
	for _, p := range problems {
		t.errAt(t.d.pos.lineOf(pos...), "%s: %s", label, p)
	}
	return out, len(problems) == 0
}

func (t *table) str(key string, dst *string, env bool) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	s, ok := v.(string)
	if !ok {
		t.typeErr(key, "a string", v)
		return
	}
	if env {
		s = t.expand(s, key, t.at(key))
	}
	*dst = s
}

func (t *table) boolean(key string, dst *bool) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	b, ok := v.(bool)
	if !ok {
		t.typeErr(key, "true or false", v)
		return
	}
	*dst = b
}

func (t *table) integer(key string, dst *int64) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	n, ok := v.(int64)
	if !ok {
		t.typeErr(key, "an integer", v)
		return
	}
	*dst = n
}

func (t *table) int(key string, dst *int) {
	n := int64(*dst)
	t.integer(key, &n)
	*dst = int(n)
}

func (t *table) duration(key string, dst *time.Duration, env bool) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	s, ok := v.(string)
	if !ok {
		t.typeErr(key, `a duration string such as "5s"`, v)
		return
	}
	if env {
		if s, ok = t.expandOK(s, key, t.at(key)); !ok {
			return
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.errf(key, "%s: invalid duration %q (use a value such as \"5s\" or \"250ms\")", key, s)
		return
	}
	*dst = d
}

// strList reads a list of strings; single=true also accepts one bare string.
func (t *table) strList(key string, dst *[]string, env, single bool) {
	v, ok := t.get(key)
	if !ok {
		return
	}
	want := "a list of strings"
	if single {
		want = "a string or a list of strings"
	}
	switch v := v.(type) {
	case string:
		if single {
			if env {
				v = t.expand(v, key, t.at(key))
			}
			*dst = []string{v}
			return
		}
	case []any:
		out := make([]string, 0, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				t.errAt(t.line(key, i), "%s[%d] must be a string, not %s", key, i, tomlType(e))
				continue
			}
			if env {
				s = t.expand(s, fmt.Sprintf("%s[%d]", key, i), t.at(key, i))
			}
			out = append(out, s)
		}
		*dst = out
		return
	}
	t.typeErr(key, want, v)
}

// free reads a free-form value: anything goes, strings get ${ENV} expansion.
func (t *table) free(key string) any {
	v, ok := t.get(key)
	if !ok {
		return nil
	}
	return t.freeValue(v, key, t.at(key))
}

func (t *table) freeValue(v any, label string, pos []any) any {
	switch v := v.(type) {
	case string:
		return t.expand(v, label, pos)
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out[k] = t.freeValue(v[k], label+"."+k, append(slices.Clip(pos), k))
		}
		return out
	case []map[string]any: // [[array.of.tables]] inside a free-form table
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = t.freeValue(e, fmt.Sprintf("%s[%d]", label, i), append(slices.Clip(pos), i))
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = t.freeValue(e, fmt.Sprintf("%s[%d]", label, i), append(slices.Clip(pos), i))
		}
		return out
	}
	return v
}

func (t *table) freeTable(key string) map[string]any {
	v, ok := t.get(key)
	if !ok {
		return nil
	}
	if _, isMap := v.(map[string]any); !isMap {
		t.typeErr(key, "a table", v)
		return nil
	}
	m, _ := t.freeValue(v, key, t.at(key)).(map[string]any)
	return m
}

// tables reads an array of tables ([[key]] or key = [{...}, ...]).
func (t *table) tables(key string) []*table {
	v, ok := t.get(key)
	if !ok {
		return nil
	}
	var out []*table
	switch v := v.(type) {
	case []map[string]any:
		for i, m := range v {
			out = append(out, t.d.table(m, "", t.at(key, i)...))
		}
	case []any:
		for i, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				t.errAt(t.line(key, i), "%s[%d] must be a table, not %s", key, i, tomlType(e))
				continue
			}
			out = append(out, t.d.table(m, "", t.at(key, i)...))
		}
	case map[string]any:
		t.errf(key, "%s must be an array of tables: write [[%s]], not [%s]", key, t.headerPath(key), t.headerPath(key))
	default:
		t.typeErr(key, "an array of tables", v)
	}
	return out
}

// headerPath is the dotted TOML header for a child key, e.g. "trigger.condition".
func (t *table) headerPath(key string) string {
	var parts []string
	for _, p := range t.path {
		if s, ok := p.(string); ok {
			parts = append(parts, s)
		}
	}
	return strings.Join(append(parts, key), ".")
}

// section reads a plain [key] table; absent gives an empty table.
func (t *table) section(key, where string) *table {
	v, ok := t.get(key)
	m, isMap := v.(map[string]any)
	if ok && !isMap {
		t.typeErr(key, "a table", v)
	}
	return t.d.table(m, where, t.at(key)...)
}

// done reports every key that was not read.
func (t *table) done() {
	for _, k := range slices.Sorted(maps.Keys(t.m)) {
		if slices.Contains(t.known, k) {
			continue
		}
		msg := fmt.Sprintf("unknown key %q", k)
		if t.where == "" && len(t.path) == 0 {
			msg = fmt.Sprintf("unknown top-level key %q", k)
		}
		if s := suggest(k, t.known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		t.errf(k, "%s", msg)
	}
}

// elemLabel names an element in messages: `tag "Meta CAPI"`, or `tag #2` while it has no name.
func elemLabel(kind string, i int, m map[string]any) string {
	if n, ok := m["name"].(string); ok && n != "" {
		return fmt.Sprintf("%s %q", kind, n)
	}
	return fmt.Sprintf("%s #%d", kind, i+1)
}

func (d *decoder) config(top map[string]any) *Config {
	c := Default()
	root := d.table(top, "")

	s := root.section("server", "server")
	d.server(s, &c.Server)
	s.done()

	b := root.section("sandbox", "sandbox")
	b.duration("cpu_budget", &c.Sandbox.CPUBudget, false)
	b.int("max_call_stack", &c.Sandbox.MaxCallStack)
	b.duration("http_timeout", &c.Sandbox.HTTPTimeout, false)
	b.int("max_outbound_requests", &c.Sandbox.MaxOutboundRequests)
	b.integer("max_response_bytes", &c.Sandbox.MaxResponseBytes)
	b.strList("allow_private_networks", &c.Sandbox.AllowPrivateNetworks, true, false)
	b.int("max_string_length", &c.Sandbox.MaxStringLength)
	b.int("max_log_bytes", &c.Sandbox.MaxLogBytes)
	b.done()

	for i, t := range root.tables("client") {
		t.where = elemLabel("client", i, t.m)
		c.Clients = append(c.Clients, d.client(t))
	}
	for i, t := range root.tables("trigger") {
		t.where = elemLabel("trigger", i, t.m)
		c.Triggers = append(c.Triggers, d.trigger(t))
	}
	for i, t := range root.tables("variable") {
		t.where = elemLabel("variable", i, t.m)
		c.Variables = append(c.Variables, d.variable(t))
	}
	for i, t := range root.tables("tag") {
		t.where = elemLabel("tag", i, t.m)
		c.Tags = append(c.Tags, d.tag(t))
	}
	for i, t := range root.tables("transformation") {
		t.where = elemLabel("transformation", i, t.m)
		c.Transformations = append(c.Transformations, d.transformation(t))
	}
	pk := root.section("packs", "packs")
	d.packs(pk, &c.Packs)
	pk.done()
	cl := root.section("cloud", "cloud")
	d.cloud(cl, &c.Cloud)
	for key, err := range c.Cloud.validate() {
		cl.errf(key, "%v", err)
	}
	cl.done()
	pv := root.section("preview", "preview")
	d.preview(pv, &c.Preview)
	pv.done()
	dl := root.section("delivery", "delivery")
	d.delivery(dl, &c.Delivery)
	dl.done()
	dd := root.section("dedup", "dedup")
	d.dedup(dd, &c.Dedup)
	dd.done()
	root.done()
	return c
}

func (d *decoder) server(t *table, s *Server) {
	t.str("listen", &s.Listen, true)
	t.str("admin_listen", &s.AdminListen, true)
	t.str("admin_token", &s.AdminToken, true)
	t.str("outbound_redirect", &s.OutboundRedirect, true)
	t.str("container_id", &s.ContainerID, true)
	t.str("container_version", &s.ContainerVersion, true)
	t.str("environment_name", &s.EnvironmentName, true)
	t.str("path_prefix", &s.PathPrefix, true)
	s.PathPrefix = strings.TrimRight(s.PathPrefix, "/")
	t.str("data_dir", &s.DataDir, true)
	t.integer("max_body_bytes", &s.MaxBodyBytes)
	t.duration("tag_timeout", &s.TagTimeout, true)
	t.duration("variable_timeout", &s.VariableTimeout, true)
	t.duration("client_timeout", &s.ClientTimeout, true)
	t.strList("trusted_proxies", &s.TrustedProxies, true, false)
	t.str("log_level", &s.LogLevel, true)
	s.LogLevel = strings.ToLower(strings.TrimSpace(s.LogLevel))
	t.str("log_format", &s.LogFormat, true)
	s.LogFormat = strings.ToLower(strings.TrimSpace(s.LogFormat))
	t.int("gogc", &s.GOGC)
	t.integer("memory_limit_bytes", &s.MemoryLimitBytes)
}

func (d *decoder) client(t *table) Client {
	c := Client{Line: t.line()}
	t.str("name", &c.Name, false)
	t.str("type", &c.Type, false)
	t.str("template", &c.Template, false)
	t.int("priority", &c.Priority)
	c.Settings = t.freeTable("settings")
	t.done()
	return c
}

func (d *decoder) trigger(t *table) Trigger {
	tr := Trigger{Line: t.line()}
	t.str("name", &tr.Name, false)
	t.strList("event", &tr.Events, false, true)
	for i, ct := range t.tables("condition") {
		ct.where = fmt.Sprintf("%s condition %d", t.where, i+1)
		tr.Conditions = append(tr.Conditions, d.condition(ct))
	}
	t.boolean("first_copy_only", &tr.FirstCopyOnly)
	t.done()
	return tr
}

func (d *decoder) condition(t *table) Condition {
	c := Condition{Line: t.line()}
	t.str("variable", &c.Variable, false)
	c.Variable = stripBraces(c.Variable)
	t.str("operator", &c.Operator, false)
	if op, ok := NormalizeOperator(c.Operator); ok {
		c.Operator = op
	}
	if v, ok := t.get("value"); ok {
		switch v := v.(type) {
		case string:
			c.Value = t.expand(v, "value", t.at("value"))
		case int64, float64, bool:
			c.Value = fmt.Sprint(v) // numbers compare numerically anyway; keep the written form
		default:
			t.typeErr("value", "a string, number or boolean", v)
		}
	}
	t.boolean("negate", &c.Negate)
	t.boolean("ignore_case", &c.IgnoreCase)
	t.done()
	return c
}

// stripBraces accepts the GTM spelling "{{Name}}" for a condition's variable.
func stripBraces(s string) string {
	if strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}") && len(s) > 4 {
		return s[2 : len(s)-2]
	}
	return s
}

func (d *decoder) variable(t *table) Variable {
	v := Variable{Line: t.line()}
	t.str("name", &v.Name, false)
	t.str("type", &v.Type, false)
	v.Type = strings.ToLower(strings.TrimSpace(v.Type))
	t.str("key", &v.Key, false)
	v.Value = t.free("value")
	v.Default = t.free("default")
	t.str("template", &v.Template, false)
	v.Parameters = t.freeTable("parameters")
	t.str("input", &v.Input, false)
	for i, rt := range t.tables("row") {
		rt.where = fmt.Sprintf("%s row %d", t.where, i+1)
		r := Row{Line: rt.line()}
		rt.str("key", &r.Key, false)
		r.Value = rt.free("value")
		rt.done()
		v.Rows = append(v.Rows, r)
	}
	t.boolean("ignore_case", &v.IgnoreCase)
	t.boolean("full_match", &v.FullMatch)
	t.done()
	return v
}

func (d *decoder) tag(t *table) Tag {
	g := Tag{Line: t.line()}
	t.str("name", &g.Name, false)
	t.str("template", &g.Template, false)
	t.strList("triggers", &g.Triggers, false, true)
	t.strList("blocking_triggers", &g.BlockingTriggers, false, true)
	t.int("priority", &g.Priority)
	t.duration("timeout", &g.Timeout, false)
	t.boolean("paused", &g.Paused)
	g.Parameters = t.freeTable("parameters")
	t.str("setup_tag", &g.SetupTag, false)
	t.boolean("stop_on_setup_failure", &g.StopOnSetupFailure)
	t.str("teardown_tag", &g.TeardownTag, false)
	t.boolean("stop_teardown_on_failure", &g.StopTeardownOnFailure)
	t.str("firing_option", &g.FiringOption, false)
	g.FiringOption = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(g.FiringOption)), "-", "_")
	g.Retry = d.retry(t)
	t.done()
	return g
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// tomlType names a decoded value's TOML type for messages.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	case nil:
		return "nothing"
	}
	return "a date-time"
}

// suggest returns the known key closest to k when it is a plausible typo.
func suggest(k string, known []string) string {
	best, bestDist := "", 3
	for _, c := range known {
		if d := editDistance(strings.ToLower(k), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
