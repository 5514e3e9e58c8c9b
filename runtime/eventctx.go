package runtime

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
)

// EventContext is one event's pass through the container.
type EventContext struct {
	Event     Event
	Exchange  *Exchange
	Container *Container

	mu        sync.Mutex
	vars      map[string]varResult
	resolving map[string]bool // variables being evaluated: a reference cycle yields undefined
	callbacks []func(containerID string, eventData map[string]any)
	results   []TagResult
	// parent is the event's root context when this one is a tag's transformed view
	// (transform.go); event-scoped state lives on the root.
	parent *EventContext
	// dedup is the dedup window's verdict on the event (nil: off, or no key).
	dedup *DedupResult
}

type varResult struct {
	v   any
	err error
}

// NewEventContext builds a context for ev; x may be nil (tests, CLI).
func NewEventContext(x *Exchange, c *Container, ev Event) *EventContext {
	return &EventContext{Event: ev, Exchange: x, Container: c, vars: map[string]varResult{}}
}

// AddEventCallback registers fn to run after every fired tag of the event has finished.
func (ec *EventContext) AddEventCallback(fn func(containerID string, eventData map[string]any)) {
	if ec.parent != nil {
		ec.parent.AddEventCallback(fn)
		return
	}
	ec.mu.Lock()
	ec.callbacks = append(ec.callbacks, fn)
	ec.mu.Unlock()
}

// Var resolves a variable by name: a configured variable, a built-in variable, or else an
// event-data key path. Results are memoised for the event.
func (ec *EventContext) Var(ctx context.Context, name string) (any, error) {
	ec.mu.Lock()
	if r, ok := ec.vars[name]; ok {
		ec.mu.Unlock()
		return r.v, r.err
	}
	if ec.resolving[name] {
		ec.mu.Unlock()
		return nil, fmt.Errorf("variable %q refers to itself", name)
	}
	if ec.resolving == nil {
		ec.resolving = map[string]bool{}
	}
	ec.resolving[name] = true
	ec.mu.Unlock()
	v, err := ec.resolve(ctx, name)
	ec.mu.Lock()
	delete(ec.resolving, name)
	ec.vars[name] = varResult{v, err}
	ec.mu.Unlock()
	return v, err
}

func (ec *EventContext) resolve(ctx context.Context, name string) (any, error) {
	if ec.Container != nil {
		if vb, ok := ec.Container.Variables[name]; ok {
			vctx := ctx
			if ec.Container.VariableTimeout > 0 {
				var cancel context.CancelFunc
				vctx, cancel = context.WithTimeout(ctx, ec.Container.VariableTimeout)
				defer cancel()
			}
			v, err := vb.Variable.Value(vctx, ec)
			if err != nil {
				v = nil
			}
			if v == nil && vb.HasDef {
				v = DeepCopy(vb.Default)
			}
			if err != nil {
				return v, fmt.Errorf("variable %q: %w", name, err)
			}
			return v, nil
		}
	}
	if v, ok := ec.builtin(name); ok {
		return v, nil
	}
	v, _ := ec.Event.Get(name)
	return v, nil
}

func (ec *EventContext) builtin(name string) (any, bool) {
	var req *Request
	if ec.Exchange != nil {
		req = ec.Exchange.Request
	}
	env := &Env{}
	if ec.Container != nil && ec.Container.Env != nil {
		env = ec.Container.Env
	}
	switch name {
	case "Event Name", "_event":
		return ec.Event.Name(), true
	case "Client Name":
		if ec.Exchange == nil {
			return "", true
		}
		return ec.Exchange.ClaimedBy(), true
	case "Request Path":
		if req == nil {
			return nil, true
		}
		return req.Path, true
	case "Request Method":
		if req == nil {
			return nil, true
		}
		return req.Method, true
	case "Query String":
		if req == nil {
			return nil, true
		}
		return req.RawQuery, true
	case "Container ID":
		return env.ContainerID, true
	case "Container Version":
		return env.Version, true
	case "Environment Name":
		return env.EnvironmentName, true
	case "Is Duplicate":
		root := ec
		if root.parent != nil {
			root = root.parent
		}
		return root.dedup != nil && root.dedup.Duplicate, true
	case "Debug Mode":
		return ec.Exchange != nil && ec.Exchange.Preview, true
	case "Random Number":
		return float64(rand.Int64N(2147483647)), true
	case "Page Location", "Page Hostname", "Page Path":
		loc, _ := ec.Event["page_location"].(string)
		if name == "Page Location" {
			return loc, true
		}
		u, err := url.Parse(loc)
		if err != nil {
			return nil, true
		}
		if name == "Page Hostname" {
			return u.Hostname(), true
		}
		return u.Path, true
	}
	return nil, false
}

// ResolveParams returns a copy of params with every {{Name}} reference resolved against
// the event. A string that is exactly one reference takes the variable's native value
// (objects, numbers...); otherwise each reference is interpolated as text.
func (ec *EventContext) ResolveParams(ctx context.Context, params map[string]any) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		out[k] = ec.resolveValue(ctx, v)
	}
	return out
}

func (ec *EventContext) resolveValue(ctx context.Context, v any) any {
	switch t := v.(type) {
	case string:
		start, end, name, ok := nextRef(t, 0)
		if !ok {
			return t
		}
		if start == 0 && end == len(t) {
			val, _ := ec.Var(ctx, name)
			return DeepCopy(val)
		}
		var b strings.Builder
		last := 0
		for ; ok; start, end, name, ok = nextRef(t, last) {
			b.WriteString(t[last:start])
			if val, _ := ec.Var(ctx, name); val != nil {
				b.WriteString(Stringify(val))
			}
			last = end
		}
		b.WriteString(t[last:])
		return b.String()
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = ec.resolveValue(ctx, x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = ec.resolveValue(ctx, x)
		}
		return s
	default:
		return DeepCopy(v)
	}
}

// nextRef finds the first {{Name}} reference in s at or after from: where it starts and
// ends, and the name. It matches what the regular expression \{\{\s*([^{}]+?)\s*\}\} does
// (FuzzNextRef checks), without the regexp engine's backtracking, which was a third of the
// engine's own cost per event.
func nextRef(s string, from int) (start, end int, name string, ok bool) {
	for i := from; i+4 <= len(s); i++ {
		j := strings.Index(s[i:], "{{")
		if j < 0 {
			return 0, 0, "", false
		}
		i += j
		rest := s[i+2:]
		// The name runs to the first brace, which must open the closing "}}".
		m := strings.IndexAny(rest, "{}")
		if m >= 1 && rest[m] == '}' && m+1 < len(rest) && rest[m+1] == '}' {
			return i, i + 2 + m + 2, refName(rest[:m]), true
		}
	}
	return 0, 0, "", false
}

// refName trims the regexp's \s ([\t\n\f\r ]) around a name; a name of only spaces keeps
// its last one, as the regexp's lazy group needs one character.
func refName(c string) string {
	const space = " \t\n\f\r"
	if n := strings.Trim(c, space); n != "" {
		return n
	}
	return c[len(c)-1:]
}

// References lists the {{Name}} references in a parameter value (for validation).
func References(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			for _, end, name, ok := nextRef(t, 0); ok; _, end, name, ok = nextRef(t, end) {
				out = append(out, name)
			}
		case map[string]any:
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}
