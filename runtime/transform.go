package runtime

import (
	"context"
	"strconv"
	"strings"
)

// TransformKind says what a transformation does to the event data a tag sees.
type TransformKind string

// Transformation kinds (sGTM's Allow parameters, Exclude parameters, Augment event).
const (
	TransformAllow   TransformKind = "allow"
	TransformExclude TransformKind = "exclude"
	TransformAugment TransformKind = "augment"
)

// TransformParam is one key an augment transformation sets.
type TransformParam struct {
	Key   string // event-data key path
	Value any    // may contain {{references}}, resolved per event
}

// Transformation edits the event data that selected tags see. It never changes the event
// itself: triggers, variables outside the tag and other tags see the original.
type Transformation struct {
	Name     string
	Kind     TransformKind
	Priority int
	Keys     []string         // allow, exclude
	Params   []TransformParam // augment
	// Conditions must all hold for the transformation to run; they are evaluated against
	// the event as the earlier transformations left it.
	Conditions []Condition
	// Tags and Templates select the affected tags; both nil means every tag.
	Tags      map[string]bool
	Templates map[string]bool
	Pos       string
}

// Affects reports whether t applies to the tag.
func (t *Transformation) Affects(tb *TagBinding) bool {
	if t.Tags == nil && t.Templates == nil {
		return true
	}
	return t.Tags[tb.Name] || t.Templates[tb.Template]
}

// forTag returns the event context a tag runs in: ec itself when no transformation affects
// the tag, else a derived context whose event is a transformed copy. Container
// transformations are already in the order they run (priority, then config order).
func (ec *EventContext) forTag(ctx context.Context, tb *TagBinding) *EventContext {
	if ec.Container == nil {
		return ec
	}
	cur := ec
	for _, t := range ec.Container.Transformations {
		if !t.Affects(tb) {
			continue
		}
		if !t.holds(ctx, cur) {
			continue
		}
		ev := cur.Event.Copy()
		switch t.Kind {
		case TransformAllow:
			kept := Event{}
			for _, k := range t.Keys {
				if v, ok := lookupPath(ev, k); ok {
					setPath(kept, k, DeepCopy(v))
				}
			}
			ev = kept
		case TransformExclude:
			for _, k := range t.Keys {
				deletePath(ev, k)
			}
		case TransformAugment:
			for _, p := range t.Params {
				// Values see the event as the previous params of this transformation left it,
				// as sGTM evaluates variables each time a transformation runs.
				v := cur.resolveValue(ctx, p.Value)
				setPath(ev, p.Key, v)
				cur = ec.derive(ev.Copy())
			}
		}
		cur = ec.derive(ev)
	}
	return cur
}

func (t *Transformation) holds(ctx context.Context, ec *EventContext) bool {
	for _, c := range t.Conditions {
		v, _ := ec.Var(ctx, c.Variable)
		if !c.Holds(v) {
			return false
		}
	}
	return true
}

// derive returns a context for a transformed copy of the event. It shares the exchange,
// container and event-scoped state (callbacks, results) with the root context, but has its
// own variable cache because variables may read the changed event.
func (ec *EventContext) derive(ev Event) *EventContext {
	root := ec
	if ec.parent != nil {
		root = ec.parent
	}
	d := NewEventContext(ec.Exchange, ec.Container, ev)
	d.parent = root
	return d
}

// setPath sets a dotted key path, creating objects on the way. A key that exists literally
// (such as "x-ga-mp2-seg" or a key containing dots) is set as it is.
func setPath(m map[string]any, path string, v any) {
	if _, ok := m[path]; ok || !strings.Contains(path, ".") {
		m[path] = v
		return
	}
	head, rest, _ := strings.Cut(path, ".")
	next, ok := m[head].(map[string]any)
	if !ok {
		if e, isEvent := m[head].(Event); isEvent {
			next = e
		} else {
			next = map[string]any{}
			m[head] = next
		}
	}
	setPath(next, rest, v)
}

// deletePath removes a dotted key path; array elements are addressed by index and removed
// from the array.
func deletePath(m map[string]any, path string) {
	if _, ok := m[path]; ok {
		delete(m, path)
		return
	}
	head, rest, found := strings.Cut(path, ".")
	if !found {
		return
	}
	switch next := m[head].(type) {
	case map[string]any:
		deletePath(next, rest)
	case Event:
		deletePath(next, rest)
	case []any:
		idxS, tail, deeper := strings.Cut(rest, ".")
		idx, err := strconv.Atoi(idxS)
		if err != nil || idx < 0 || idx >= len(next) {
			return
		}
		if deeper {
			if sub, ok := next[idx].(map[string]any); ok {
				deletePath(sub, tail)
			}
			return
		}
		m[head] = append(next[:idx:idx], next[idx+1:]...)
	}
}
