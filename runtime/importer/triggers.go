package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/config"
)

type outTrigger struct {
	Name       string
	Events     []string // nil = any event
	Conditions []outCondition
	Comment    []string
	id         string
	group      []string // member trigger ids of a TRIGGER_GROUP, flattened later
}

type outCondition struct {
	Variable   string
	Operator   string
	Value      string
	Negate     bool
	IgnoreCase bool
	Comment    string
}

// neverRegex matches nothing: a condition sGTM evaluates as false on a server container
// (CSS_SELECTOR) or that tagd cannot evaluate is written so that it never holds, which errs
// on the side of not firing.
const neverRegex = `[^\x00-\x{10FFFF}]`

func never(why string) outCondition {
	return outCondition{Variable: "Event Name", Operator: config.OpMatchesRegex, Value: neverRegex, Comment: why}
}

// gtmOperators maps the export's condition types to tagd operators.
var gtmOperators = map[string]string{
	"EQUALS":            config.OpEquals,
	"CONTAINS":          config.OpContains,
	"STARTS_WITH":       config.OpStartsWith,
	"ENDS_WITH":         config.OpEndsWith,
	"MATCH_REGEX":       config.OpMatchesRegex,
	"GREATER":           config.OpGreaterThan,
	"GREATER_OR_EQUALS": config.OpGreaterOrEqual,
	"LESS":              config.OpLessThan,
	"LESS_OR_EQUALS":    config.OpLessOrEqual,
}

// condition converts one export condition. ok is false when the condition always holds and
// was left out (a negated CSS_SELECTOR).
func (c *converter) condition(object string, n int, cd condition) (outCondition, bool) {
	field := fmt.Sprintf("condition %d", n)
	var arg0, arg1 string
	var negate, ignoreCase bool
	for _, p := range cd.Parameter {
		switch p.Key {
		case "arg0":
			arg0 = p.str()
		case "arg1":
			arg1 = p.str()
		case "negate":
			negate = strings.EqualFold(p.str(), "true")
		case "ignore_case":
			ignoreCase = strings.EqualFold(p.str(), "true")
		default:
			c.note(object, field+" "+p.Key, "condition parameter not known to the importer; ignored")
		}
	}
	typ := strings.ToUpper(cd.Type)
	switch typ {
	case "CSS_SELECTOR":
		if negate {
			c.note(object, field, "CSS_SELECTOR is a web-only operator and always false on a server; negated it always holds, so the condition was left out")
			return outCondition{}, false
		}
		c.note(object, field, "CSS_SELECTOR is a web-only operator and always false on a server; written as a condition that never holds")
		return never("CSS_SELECTOR (web only): never true on a server"), true
	}
	op, known := gtmOperators[typ]
	if !known {
		c.note(object, field, "operator %s is not supported by tagd; written as a condition that never holds, so the trigger does not fire where sGTM might", cd.Type)
		return never(fmt.Sprintf("operator %s is not supported", cd.Type)), true
	}
	out := outCondition{Operator: op, Negate: negate, IgnoreCase: ignoreCase}
	// The left side must be one variable; anything else becomes a constant variable holding
	// the text (constants resolve references).
	arg0 = strings.TrimSpace(arg0)
	if m := refRe.FindStringSubmatchIndex(arg0); m != nil && m[0] == 0 && m[1] == len(arg0) {
		out.Variable = refName(c.refs(object, field, arg0))
	} else {
		out.Variable = c.conditionInput(object, field, arg0)
	}
	out.Value = envEscape(c.refs(object, field, arg1))
	if op == config.OpMatchesRegex {
		if _, err := regexp.Compile(arg1); err != nil {
			c.note(object, field, "regex %q is not valid RE2 (%v); written as a condition that never holds", arg1, err)
			return never(fmt.Sprintf("invalid regex %q", arg1)), true
		}
	}
	if config.IsNumericOperator(op) && !strings.Contains(arg1, "{{") {
		if _, err := strconv.ParseFloat(strings.TrimSpace(arg1), 64); err != nil {
			c.note(object, field, "%s compares numbers but %q is not a number; sGTM evaluates it as false, written as a condition that never holds", cd.Type, arg1)
			return never(fmt.Sprintf("%s with non-number %q", cd.Type, arg1)), true
		}
	}
	return out, true
}

// conditionInput defines a constant variable for a condition whose left side is not a
// single variable reference.
func (c *converter) conditionInput(object, field, text string) string {
	name := fmt.Sprintf("%s %s input", strings.Trim(object, ` "`), field)
	name = strings.NewReplacer("{", "(", "}", ")", `"`, "").Replace(name)
	for n := 2; c.usedNames[name] || isBuiltinName(name); n++ {
		name = fmt.Sprintf("%s %d", name, n)
	}
	c.usedNames[name] = true
	c.out.variables = append(c.out.variables, &outVariable{
		Name: name, Type: config.VarConstant, Value: envEscape(c.refs(object, field, text)),
		Comment: []string{"Added by the import: the left side of " + object + " " + field + " is not a single variable."},
	})
	c.note(object, field, "the left side %q is not a single {{variable}}; a constant variable %q holds it", text, name)
	return name
}

func refName(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, "{{"), "}}") }

// triggerKind normalises a trigger type: "CUSTOM_EVENT" and the API's "customEvent" alike.
func triggerKind(t string) string {
	return strings.ToLower(strings.ReplaceAll(t, "_", ""))
}

var triggerKeys = set("triggerId", "name", "type", "filter", "customEventFilter", "autoEventFilter", "parameter")

func (c *converter) convertTriggers() {
	taken := map[string]bool{config.BuiltinAllEvents: true}
	for _, t := range c.cv.Trigger {
		id := string(t.TriggerID)
		obj := fmt.Sprintf("trigger %q", t.Name)
		c.rawKeys(obj, keysOf(t.raw), triggerKeys)
		name := t.Name
		if name == "" {
			name = "Trigger " + id
		}
		if taken[name] {
			base := name + " (imported)"
			name = base
			for n := 2; taken[name]; n++ {
				name = fmt.Sprintf("%s %d", base, n)
			}
			c.note(obj, "name", "renamed to %q (the name is taken or reserved in tagd)", name)
		}
		out := &outTrigger{Name: name, id: id}
		switch triggerKind(t.Type) {
		case "always":
		case "customevent":
			c.eventFilter(obj, out, t.CustomEventFilter)
		case "serverpageview":
			out.Events = []string{"page_view"}
			out.Comment = append(out.Comment, "sGTM page view trigger: fires for page_view events.")
		case "triggergroup":
			p, _ := findParam(t.Parameter, "triggerIds")
			for _, x := range p.List {
				out.group = append(out.group, x.str())
			}
			if len(out.group) == 0 {
				c.triggerWhy[id] = "it is a trigger group without members"
				c.note(obj, "parameter triggerIds", "trigger group without members: not imported")
				continue
			}
		default:
			c.triggerWhy[id] = fmt.Sprintf("its type %s is not a server trigger type", t.Type)
			c.note(obj, "type", "trigger type %s is not a server-container trigger (tagd supports ALWAYS, CUSTOM_EVENT, SERVER_PAGEVIEW and TRIGGER_GROUP); not imported", t.Type)
			c.out.skipped = append(c.out.skipped, fmt.Sprintf("trigger %q (type %s): not a server trigger type", t.Name, t.Type))
			continue
		}
		if len(t.AutoEventFilter) > 0 {
			c.note(obj, "autoEventFilter", "web-only auto-event conditions are not evaluated on a server; ignored")
		}
		for i, cd := range t.Filter {
			if cond, ok := c.condition(obj, i+1, cd); ok {
				out.Conditions = append(out.Conditions, cond)
			}
		}
		taken[name] = true
		c.triggers[id] = out
		c.out.triggers = append(c.out.triggers, out)
	}
	c.flattenGroups()
}

// eventFilter turns customEventFilter conditions into the trigger's event list when they
// are a plain "{{_event}} equals name" test, and into conditions otherwise.
func (c *converter) eventFilter(object string, out *outTrigger, filter []condition) {
	for i, cd := range filter {
		cond, ok := c.condition(object, i+1, cd)
		if !ok {
			continue
		}
		plain := cond.Operator == config.OpEquals && !cond.Negate && !cond.IgnoreCase && cond.Comment == "" &&
			(cond.Variable == "_event" || cond.Variable == "Event Name") && !strings.Contains(cond.Value, "{{") &&
			!strings.Contains(cond.Value, "$${")
		if plain && out.Events == nil && len(filter) == 1 {
			out.Events = []string{cond.Value}
			continue
		}
		out.Conditions = append(out.Conditions, cond)
	}
}

// flattenGroups writes each trigger group as one trigger: it fires when every member fires
// for the same event, which is the conjunction of the members' event lists and conditions.
func (c *converter) flattenGroups() {
	var expand func(t *outTrigger, seen map[string]bool) (events []string, anyEvent bool, conds []outCondition, why string)
	expand = func(t *outTrigger, seen map[string]bool) ([]string, bool, []outCondition, string) {
		if len(t.group) == 0 {
			return t.Events, t.Events == nil, t.Conditions, ""
		}
		if seen[t.id] {
			return nil, false, nil, "the group contains itself"
		}
		seen[t.id] = true
		defer delete(seen, t.id)
		events, anyEvent := []string(nil), true
		conds := slices.Clone(t.Conditions)
		for _, id := range t.group {
			m, ok := c.triggers[id]
			if !ok {
				why := c.triggerWhy[id]
				if why == "" {
					why = "it is not in the export"
				}
				return nil, false, nil, fmt.Sprintf("member trigger %s was not imported (%s)", id, why)
			}
			ev, any2, cs, why := expand(m, seen)
			if why != "" {
				return nil, false, nil, why
			}
			conds = append(conds, cs...)
			switch {
			case any2:
			case anyEvent:
				events, anyEvent = slices.Clone(ev), false
			default:
				events = slices.DeleteFunc(events, func(e string) bool { return !slices.Contains(ev, e) })
			}
		}
		return events, anyEvent, conds, ""
	}
	var kept []*outTrigger
	for _, t := range c.out.triggers {
		if len(t.group) == 0 {
			kept = append(kept, t)
			continue
		}
		obj := fmt.Sprintf("trigger %q", t.Name)
		events, anyEvent, conds, why := expand(t, map[string]bool{})
		if why != "" {
			c.triggerWhy[t.id] = why
			delete(c.triggers, t.id)
			c.note(obj, "parameter triggerIds", "trigger group not imported: %s", why)
			c.out.skipped = append(c.out.skipped, fmt.Sprintf("trigger %q (trigger group): %s", t.Name, why))
			continue
		}
		t.Conditions = conds
		t.Comment = append(t.Comment, "Trigger group: fires when all of its members fire for the same event (their conditions combined).")
		if !anyEvent {
			t.Events = events
			if len(events) == 0 {
				t.Events = nil
				t.Conditions = append(t.Conditions, never("the members fire for different events, so the group never fires"))
				c.note(obj, "parameter triggerIds", "the members fire for different event names, so the group can never fire; written as a trigger that never fires")
			}
		}
		kept = append(kept, t)
	}
	c.out.triggers = kept
}

// triggerRef resolves a tag's trigger id: an imported trigger, or a built-in one.
func (c *converter) triggerRef(object, field, id string) (string, string) {
	if t, ok := c.triggers[id]; ok {
		return t.Name, ""
	}
	switch id {
	case builtinAllEventsID:
		return config.BuiltinAllEvents, ""
	case builtinAllPagesID:
		return c.allPagesTrigger(), ""
	}
	if why, ok := c.triggerWhy[id]; ok {
		return "", why
	}
	return "", fmt.Sprintf("trigger %s is not in the export", id)
}

// allPagesTrigger adds (once) the trigger for sGTM's built-in page view trigger.
func (c *converter) allPagesTrigger() string {
	const name = "All Pages"
	for _, t := range c.out.triggers {
		if t.id == builtinAllPagesID {
			return t.Name
		}
	}
	n := name
	for i := 2; c.triggerTaken(n); i++ {
		n = fmt.Sprintf("%s %d", name, i)
	}
	c.out.triggers = append(c.out.triggers, &outTrigger{Name: n, id: builtinAllPagesID, Events: []string{"page_view"},
		Comment: []string{"sGTM's built-in trigger " + builtinAllPagesID + " (All Pages): page_view events."}})
	c.note("built-in trigger "+builtinAllPagesID, "", "sGTM's built-in All Pages trigger was added as %q (event page_view)", n)
	return n
}

func (c *converter) triggerTaken(n string) bool {
	if n == config.BuiltinAllEvents {
		return true
	}
	for _, t := range c.out.triggers {
		if t.Name == n {
			return true
		}
	}
	return false
}
