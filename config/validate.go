package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks the whole config and returns every problem as Errors (nil if none). It
// reads but never changes c, so it can be run on a config built in code too; positions are
// then the element Line fields, or 0.
func (c *Config) Validate() error {
	v := &validator{c: c, file: c.fileName()}
	v.server()
	v.sandbox()
	v.clients()
	triggers := v.triggers()
	vars := v.variables()
	v.tags(triggers, vars)
	v.conditions(vars)
	v.cycles()
	v.sequences()
	v.transformations(vars)
	v.packs()
	v.preview()
	v.delivery()
	return v.errs.asError()
}

type validator struct {
	c    *Config
	file string
	errs Errors
}

func (v *validator) add(line int, where, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if where != "" {
		msg = where + ": " + msg
	}
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Msg: msg})
}

// keyLine is the line of a key inside the i-th element of kind, falling back to the
// element's own line when the key was not written (or the config was not parsed from text).
func (v *validator) keyLine(fallback int, path ...any) int {
	if v.c.pos == nil {
		return fallback
	}
	if l := v.c.pos.lineOf(path...); l > 0 && l >= fallback {
		return l
	}
	return fallback
}

func (v *validator) server() {
	s := &v.c.Server
	line := func(key string) int { return v.keyLine(0, "server", key) }
	if err := checkAddr(s.Listen); err != nil {
		v.add(line("listen"), "server", "listen: %v", err)
	}
	if s.AdminListen != "" {
		if err := checkAddr(s.AdminListen); err != nil {
			v.add(line("admin_listen"), "server", "admin_listen: %v", err)
		} else if !isLoopback(s.AdminListen) && s.AdminToken == "" {
			v.add(line("admin_listen"), "server",
				"admin_listen %q is not a loopback address, so admin_token is required", s.AdminListen)
		}
		if s.AdminListen == s.Listen {
			v.add(line("admin_listen"), "server", "admin_listen must differ from listen (%q)", s.Listen)
		}
	}
	if s.OutboundRedirect != "" {
		u, err := url.Parse(s.OutboundRedirect)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add(line("outbound_redirect"), "server",
				"outbound_redirect %q must be an absolute http:// or https:// URL", s.OutboundRedirect)
		}
	}
	if s.ContainerID == "" {
		v.add(line("container_id"), "server", "container_id must not be empty")
	}
	if p := s.PathPrefix; p != "" && (!strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#")) {
		v.add(line("path_prefix"), "server", "path_prefix %q must start with \"/\" and hold no query or fragment", p)
	}
	if s.MaxBodyBytes < 0 {
		v.add(line("max_body_bytes"), "server", "max_body_bytes must be positive, not %d", s.MaxBodyBytes)
	}
	for _, d := range []struct {
		key string
		d   time.Duration
	}{{"tag_timeout", s.TagTimeout}, {"variable_timeout", s.VariableTimeout}, {"client_timeout", s.ClientTimeout}} {
		if d.d < 0 {
			v.add(line(d.key), "server", "%s must be positive, not %s", d.key, d.d)
		}
	}
	for i, p := range s.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			v.add(v.keyLine(0, "server", "trusted_proxies", i), "server", "trusted_proxies[%d]: %v", i, err)
		}
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, s.LogLevel) {
		v.add(line("log_level"), "server", "log_level %q must be one of debug, info, warn, error", s.LogLevel)
	}
	if !slices.Contains([]string{"json", "text"}, s.LogFormat) {
		v.add(line("log_format"), "server", "log_format %q must be json or text", s.LogFormat)
	}
	if s.GOGC < -1 {
		v.add(line("gogc"), "server", "gogc must be a percentage, 0 (Go's default) or -1 (off), not %d", s.GOGC)
	}
	if s.MemoryLimitBytes < 0 {
		v.add(line("memory_limit_bytes"), "server", "memory_limit_bytes must be positive or 0 (no limit), not %d", s.MemoryLimitBytes)
	}
}

func checkAddr(a string) error {
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("invalid address %q (want host:port, e.g. \":8080\")", a)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid port in %q", a)
	}
	return nil
}

// isLoopback reports whether a listen address only accepts local connections. An empty
// host means every interface.
func isLoopback(a string) bool {
	host, _, err := net.SplitHostPort(a)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (v *validator) sandbox() {
	b := &v.c.Sandbox
	line := func(key string) int { return v.keyLine(0, "sandbox", key) }
	for _, d := range []struct {
		key string
		d   time.Duration
	}{{"cpu_budget", b.CPUBudget}, {"http_timeout", b.HTTPTimeout}} {
		if d.d < 0 {
			v.add(line(d.key), "sandbox", "%s must be positive, not %s", d.key, d.d)
		}
	}
	for _, n := range []struct {
		key string
		n   int64
	}{
		{"max_call_stack", int64(b.MaxCallStack)},
		{"max_outbound_requests", int64(b.MaxOutboundRequests)},
		{"max_response_bytes", b.MaxResponseBytes},
	} {
		if n.n < 0 {
			v.add(line(n.key), "sandbox", "%s must be positive, not %d", n.key, n.n)
		}
	}
}

// name checks that an element (labelled w in messages) has a name that is not taken yet.
func (v *validator) name(w, name string, line int, seen map[string]int) {
	if strings.TrimSpace(name) == "" {
		v.add(line, w, "name is required")
		return
	}
	if first, dup := seen[name]; dup {
		v.add(line, w, "duplicate name (first defined at %s)", v.c.Pos(first))
		return
	}
	seen[name] = line
}

func where(kind, name string, i int) string {
	if name == "" {
		return fmt.Sprintf("%s #%d", kind, i+1)
	}
	return fmt.Sprintf("%s %q", kind, name)
}

func (v *validator) clients() {
	seen := map[string]int{}
	for i, cl := range v.c.Clients {
		w := where("client", cl.Name, i)
		v.name(w, cl.Name, cl.Line, seen)
		switch {
		case cl.Type == "" && cl.Template == "":
			v.add(cl.Line, w, "set type (a built-in client) or template (a CLIENT .tpl file)")
		case cl.Type != "" && cl.Template != "":
			v.add(v.keyLine(cl.Line, "client", i, "template"), w, "set only one of type and template")
		}
	}
}

// triggers checks [[trigger]] entries and returns the set of trigger names.
func (v *validator) triggers() map[string]bool {
	seen := map[string]int{}
	for i, t := range v.c.Triggers {
		w := where("trigger", t.Name, i)
		if t.Name == BuiltinAllEvents {
			v.add(t.Line, w, "name is reserved for the built-in trigger")
		} else {
			v.name(w, t.Name, t.Line, seen)
		}
		if t.Events != nil && len(t.Events) == 0 {
			v.add(v.keyLine(t.Line, "trigger", i, "event"), w, "event is an empty list (leave it out to match every event)")
		}
		for j, e := range t.Events {
			if strings.TrimSpace(e) == "" {
				v.add(v.keyLine(t.Line, "trigger", i, "event", j), w, "event[%d] is empty", j)
			}
		}
	}
	names := make(map[string]bool, len(seen)+1)
	for n := range seen {
		names[n] = true
	}
	names[BuiltinAllEvents] = true
	return names
}

// conditions checks every [[trigger.condition]] once variables are known.
func (v *validator) conditions(vars map[string]bool) {
	for i, t := range v.c.Triggers {
		for j, cd := range t.Conditions {
			w := fmt.Sprintf("%s condition %d", where("trigger", t.Name, i), j+1)
			at := func(key string) int { return v.keyLine(cd.Line, "trigger", i, "condition", j, key) }
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
				continue
			}
			refs := VarRefs(cd.Value)
			v.refs(at("value"), w, "value", cd.Value, vars)
			switch {
			case op == OpMatchesRegex:
				if _, err := regexp.Compile(cd.Value); err != nil {
					v.add(at("value"), w, "invalid regex %q: %v", cd.Value, regexpReason(err))
				}
			case IsNumericOperator(op) && len(refs) == 0:
				if _, err := strconv.ParseFloat(strings.TrimSpace(cd.Value), 64); err != nil {
					v.add(at("value"), w, "operator %s needs a number, not %q", op, cd.Value)
				}
			}
		}
	}
}

// regexpReason drops the "error parsing regexp" prefix regexp.Compile adds.
func regexpReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: %q", se.Code, se.Expr)
	}
	return err.Error()
}

// variables checks [[variable]] entries and returns every name a condition or {{reference}}
// may use: the variables plus the built-ins.
func (v *validator) variables() map[string]bool {
	names := v.refNames()
	seen := map[string]int{}
	for i, x := range v.c.Variables {
		w := where("variable", x.Name, i)
		at := func(key string) int { return v.keyLine(x.Line, "variable", i, key) }
		switch {
		case slices.Contains(BuiltinVariables, x.Name):
			v.add(x.Line, w, "name is taken by a built-in variable")
		case strings.ContainsAny(x.Name, "{}"):
			v.add(x.Line, w, "name must not contain braces")
		default:
			v.name(w, x.Name, x.Line, seen)
		}
		used := map[string]bool{"default": true}
		switch x.Type {
		case VarEventData, VarRequestHeader, VarCookie, VarQueryParameter:
			used["key"] = true
			if x.Key == "" {
				v.add(x.Line, w, "type %s needs key", x.Type)
			}
		case VarConstant:
			used["value"] = true
			if x.Value == nil {
				v.add(x.Line, w, "type constant needs value")
			}
		case VarTemplate:
			used["template"], used["parameters"] = true, true
			if x.Template == "" {
				v.add(x.Line, w, "type template needs template (a built-in name or a MACRO .tpl path)")
			}
		case VarLookupTable, VarRegexTable:
			used["input"], used["row"], used["ignore_case"] = true, true, true
			if x.Input == "" {
				v.add(x.Line, w, "type %s needs input (e.g. \"{{Page Hostname}}\")", x.Type)
			}
			if x.Type == VarRegexTable {
				used["full_match"] = true
				for j, r := range x.Rows {
					if _, err := regexp.Compile(r.Key); err != nil {
						v.add(v.keyLine(r.Line, "variable", i, "row", j, "key"), w+fmt.Sprintf(" row %d", j+1),
							"invalid regex %q: %v", r.Key, regexpReason(err))
					}
				}
			}
		case "":
			v.add(x.Line, w, "type is required")
		default:
			v.add(at("type"), w, "unknown type %q (want one of %s)", x.Type, strings.Join(variableTypes, ", "))
		}
		if x.Type != "" && slices.Contains(variableTypes, x.Type) {
			for _, f := range []struct {
				key string
				set bool
			}{
				{"key", x.Key != ""}, {"value", x.Value != nil}, {"template", x.Template != ""},
				{"parameters", x.Parameters != nil}, {"input", x.Input != ""}, {"row", len(x.Rows) > 0},
				{"ignore_case", x.IgnoreCase}, {"full_match", x.FullMatch},
			} {
				if f.set && !used[f.key] {
					v.add(at(f.key), w, "%s is not used by type %s", f.key, x.Type)
				}
			}
		}
		for _, p := range sortedKeys(x.Parameters) {
			walkStrings(x.Parameters[p], "parameters."+p, func(path, s string) {
				v.refs(v.keyLine(x.Line, "variable", i, "parameters", p), w, path, s, names)
			})
		}
		v.refs(at("input"), w, "input", x.Input, names)
		for j, r := range x.Rows {
			walkStrings(r.Value, fmt.Sprintf("row %d value", j+1), func(path, s string) {
				v.refs(v.keyLine(r.Line, "variable", i, "row", j, "value"), w, path, s, names)
			})
		}
	}
	return names
}

var variableTypes = []string{
	VarEventData, VarRequestHeader, VarCookie, VarQueryParameter,
	VarConstant, VarTemplate, VarLookupTable, VarRegexTable,
}

// refs reports {{references}} in s that are neither variables nor event-data key paths.
func (v *validator) refs(line int, w, path, s string, vars map[string]bool) {
	for _, r := range VarRefs(s) {
		if !vars[r] && !IsEventKeyPath(r) {
			v.add(line, w, "%s: unknown variable {{%s}}", path, r)
		}
	}
}

func (v *validator) tags(triggers, vars map[string]bool) {
	seen := map[string]int{}
	for i, t := range v.c.Tags {
		w := where("tag", t.Name, i)
		at := func(key string, idx ...any) int {
			return v.keyLine(t.Line, append([]any{"tag", i, key}, idx...)...)
		}
		v.name(w, t.Name, t.Line, seen)
		if t.Template == "" {
			v.add(t.Line, w, "template is required (a built-in name or a TAG .tpl path)")
		}
		if len(t.Triggers) == 0 && !t.Paused && !v.c.sequencedTags()[t.Name] {
			v.add(t.Line, w, "triggers is empty, so the tag never fires (use [%q] to fire on every event)", BuiltinAllEvents)
		}
		for _, l := range []struct {
			key   string
			names []string
		}{{"triggers", t.Triggers}, {"blocking_triggers", t.BlockingTriggers}} {
			for j, name := range l.names {
				if !triggers[name] {
					v.add(at(l.key, j), w, "%s: unknown trigger %q", l.key, name)
				}
			}
		}
		if t.Timeout < 0 {
			v.add(at("timeout"), w, "timeout must be positive, not %s", t.Timeout)
		}
		for _, p := range sortedKeys(t.Parameters) {
			walkStrings(t.Parameters[p], "parameters."+p, func(path, s string) {
				v.refs(at("parameters", p), w, path, s, vars)
			})
		}
	}
}

// refNames is every name a {{reference}} may use.
func (v *validator) refNames() map[string]bool {
	names := make(map[string]bool, len(v.c.Variables)+len(BuiltinVariables))
	for _, b := range BuiltinVariables {
		names[b] = true
	}
	for _, x := range v.c.Variables {
		names[x.Name] = true
	}
	return names
}

// cycles reports variables whose {{references}} lead back to themselves; the runtime would
// otherwise recurse until a timeout.
func (v *validator) cycles() {
	index := make(map[string]int, len(v.c.Variables))
	for i, x := range v.c.Variables {
		if _, dup := index[x.Name]; !dup {
			index[x.Name] = i
		}
	}
	edges := make([][]int, len(v.c.Variables))
	for i, x := range v.c.Variables {
		add := func(_, s string) {
			for _, r := range VarRefs(s) {
				if j, ok := index[r]; ok && !slices.Contains(edges[i], j) {
					edges[i] = append(edges[i], j)
				}
			}
		}
		walkStrings(x.Parameters, "", add)
		add("", x.Input)
		for _, r := range x.Rows {
			walkStrings(r.Value, "", add)
		}
	}
	const (
		unvisited = iota
		active
		finished
	)
	state := make([]int, len(edges))
	var stack []int
	reported := map[string]bool{}
	var visit func(i int)
	visit = func(i int) {
		state[i] = active
		stack = append(stack, i)
		for _, j := range edges[i] {
			switch state[j] {
			case unvisited:
				visit(j)
			case active:
				cyc := stack[slices.Index(stack, j):]
				v.reportCycle(cyc, reported)
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = finished
	}
	for i := range edges {
		if state[i] == unvisited {
			visit(i)
		}
	}
}

func (v *validator) reportCycle(cyc []int, reported map[string]bool) {
	// Rotate so the cycle starts at its first-defined variable: one report per cycle.
	start := slices.Index(cyc, slices.Min(cyc))
	cyc = append(slices.Clone(cyc[start:]), cyc[:start]...)
	names := make([]string, 0, len(cyc)+1)
	for _, i := range cyc {
		names = append(names, v.c.Variables[i].Name)
	}
	names = append(names, names[0])
	key := strings.Join(names, "\x00")
	if reported[key] {
		return
	}
	reported[key] = true
	x := v.c.Variables[cyc[0]]
	v.add(x.Line, where("variable", x.Name, cyc[0]), "reference cycle %s", strings.Join(names, " -> "))
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func itoa(i int) string { return strconv.Itoa(i) }
