package runtime

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// Operator is a trigger condition operator.
type Operator string

// Operators; names match the config's canonical spelling.
const (
	OpEquals         Operator = "equals"
	OpContains       Operator = "contains"
	OpStartsWith     Operator = "starts_with"
	OpEndsWith       Operator = "ends_with"
	OpMatchesRegex   Operator = "matches_regex"
	OpGreaterThan    Operator = "greater_than"
	OpGreaterOrEqual Operator = "greater_or_equal"
	OpLessThan       Operator = "less_than"
	OpLessOrEqual    Operator = "less_or_equal"
)

// Condition compares a variable's value with a literal.
type Condition struct {
	Variable   string
	Op         Operator
	Value      string
	Negate     bool
	IgnoreCase bool
	re         *regexp.Regexp
}

// NewCondition validates and compiles a condition (regexes are RE2, unanchored).
func NewCondition(variable string, op Operator, value string, negate, ignoreCase bool) (Condition, error) {
	c := Condition{Variable: variable, Op: op, Value: value, Negate: negate, IgnoreCase: ignoreCase}
	switch op {
	case OpEquals, OpContains, OpStartsWith, OpEndsWith, OpGreaterThan, OpGreaterOrEqual, OpLessThan, OpLessOrEqual:
	case OpMatchesRegex:
		pat := value
		if ignoreCase {
			pat = "(?i)" + pat
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return c, fmt.Errorf("condition on %q: bad regex %q: %w", variable, value, err)
		}
		c.re = re
	default:
		return c, fmt.Errorf("condition on %q: unknown operator %q", variable, op)
	}
	return c, nil
}

// Holds evaluates the condition against a resolved value.
func (c Condition) Holds(v any) bool {
	r := c.eval(v)
	if c.Negate {
		return !r
	}
	return r
}

func (c Condition) eval(v any) bool {
	switch c.Op {
	case OpGreaterThan, OpGreaterOrEqual, OpLessThan, OpLessOrEqual:
		a, ok1 := ToNumber(v)
		b, ok2 := ToNumber(c.Value)
		if !ok1 || !ok2 || v == nil {
			return false
		}
		switch c.Op {
		case OpGreaterThan:
			return a > b
		case OpGreaterOrEqual:
			return a >= b
		case OpLessThan:
			return a < b
		default:
			return a <= b
		}
	}
	s, want := Stringify(v), c.Value
	if c.Op == OpMatchesRegex {
		return c.re.MatchString(s)
	}
	if c.IgnoreCase {
		s, want = strings.ToLower(s), strings.ToLower(want)
	}
	switch c.Op {
	case OpEquals:
		return s == want
	case OpContains:
		return strings.Contains(s, want)
	case OpStartsWith:
		return strings.HasPrefix(s, want)
	case OpEndsWith:
		return strings.HasSuffix(s, want)
	}
	return false
}

func (c Condition) String() string {
	neg := ""
	if c.Negate {
		neg = "not "
	}
	return fmt.Sprintf("{{%s}} %s%s %q", c.Variable, neg, c.Op, c.Value)
}

// Trigger fires for events whose name is in Events (if any) and for which every
// condition holds.
type Trigger struct {
	Name       string
	Events     []string
	Conditions []Condition
	Pos        string
}

// AllEvents is the built-in trigger that fires for every event.
const AllEvents = "All Events"

// Match evaluates the trigger. When it does not fire, reason says why (for preview).
func (t *Trigger) Match(ctx context.Context, ec *EventContext) (bool, string) {
	if len(t.Events) > 0 {
		name := ec.Event.Name()
		ok := false
		for _, e := range t.Events {
			if e == name {
				ok = true
				break
			}
		}
		if !ok {
			return false, fmt.Sprintf("trigger %q: event %q not in %v", t.Name, name, t.Events)
		}
	}
	for _, c := range t.Conditions {
		v, _ := ec.Var(ctx, c.Variable)
		if !c.Holds(v) {
			return false, fmt.Sprintf("trigger %q: %s is false (value %q)", t.Name, c, Stringify(v))
		}
	}
	return true, ""
}
