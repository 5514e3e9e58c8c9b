package api

import (
	"fmt"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	sandbox.RegisterPermission("read_event_data", newReadEventData)
	register("getEventData", "read_event_data", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		key := jsString(c.Argument(0))
		vu.MustCheck("getEventData", "read_event_data", key)
		ev := vu.Exec().Event()
		if ev == nil {
			return undef
		}
		v, ok := ev.Get(key)
		if !ok {
			return undef
		}
		return vu.ToJS(v)
	})
	register("getAllEventData", "read_event_data", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("getAllEventData", "read_event_data")
		ev := vu.Exec().Event()
		if ev == nil {
			return vu.Runtime().NewObject()
		}
		// ToJS builds fresh JS values, so the template gets its own copy without a Go-side
		// deep copy first.
		return vu.ToJS(ev)
	})
}

// read_event_data: eventDataAccess any | specific with keyPatterns. A pattern grants its
// key and everything below it; "a.*" grants everything below a; "*" grants all.
// getAllEventData (no key) needs "any".
func newReadEventData(p map[string]any) (sandbox.Checker, error) {
	if sandbox.ParamString(p, "eventDataAccess") == "any" {
		return func(...any) error { return nil }, nil
	}
	patterns := sandbox.ParamStrings(p, "keyPatterns", "")
	return func(args ...any) error {
		if len(args) == 0 {
			return fmt.Errorf("reading all event data needs eventDataAccess \"any\"")
		}
		key, _ := args[0].(string)
		for _, pat := range patterns {
			if keyMatches(pat, key) {
				return nil
			}
		}
		return fmt.Errorf("key %q is not among the allowed keys %v", key, patterns)
	}, nil
}

func keyMatches(pat, key string) bool {
	switch {
	case pat == "*" || pat == key:
		return true
	case strings.HasSuffix(pat, ".*"):
		return strings.HasPrefix(key, strings.TrimSuffix(pat, "*"))
	case strings.HasSuffix(pat, "*"):
		return strings.HasPrefix(key, strings.TrimSuffix(pat, "*"))
	}
	return strings.HasPrefix(key, pat+".")
}
