package sandboxtest

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
)

// assertThat(actual, opt_message) returns a subject whose matchers throw on failure.
func (h *harness) assertThat(c goja.FunctionCall) goja.Value {
	actual := c.Argument(0)
	var msg string
	if m := c.Argument(1); !goja.IsUndefined(m) && !goja.IsNull(m) {
		msg = m.String()
	}
	s := &subject{h: h, raw: actual, val: snapshot(actual), msg: msg}
	o := h.rt.NewObject()
	for name, m := range s.matchers() {
		_ = o.Set(name, func(c goja.FunctionCall) goja.Value {
			m(name, c.Arguments)
			return goja.Undefined()
		})
	}
	return o
}

type subject struct {
	h   *harness
	raw goja.Value
	val any
	msg string
}

// failf fails with `assertThat(actual).<matcher>(<params>) failed[ (msg)]: <detail>`.
func (s *subject) failf(call, format string, a ...any) {
	head := "assertThat(actual)." + call + " failed"
	if s.msg != "" {
		head += " (" + s.msg + ")"
	}
	s.h.fail(head + ": " + fmt.Sprintf(format, a...))
}

type matcher func(name string, args []goja.Value)

func (s *subject) matchers() map[string]matcher {
	is := func(desc string, ok func() bool) matcher {
		return func(name string, _ []goja.Value) {
			if !ok() {
				s.failf(name+"()", "expected %s but was %s", desc, render(s.val))
			}
		}
	}
	num := func() (float64, bool) { f, ok := s.val.(float64); return f, ok }
	ms := map[string]matcher{
		"isUndefined": is("undefined", func() bool { return typeOf(s.val) == "undefined" }),
		"isDefined":   is("a defined value", func() bool { return typeOf(s.val) != "undefined" }),
		"isNull":      is("null", func() bool { return s.val == nil }),
		"isNotNull":   is("a value other than null", func() bool { return s.val != nil }),
		"isTrue":      is("true", func() bool { return s.val == true }),
		"isFalse":     is("false", func() bool { return s.val == false }),
		"isTruthy":    is("a truthy value", func() bool { return s.raw.ToBoolean() }),
		"isFalsy":     is("a falsy value", func() bool { return !s.raw.ToBoolean() }),
		"isNaN":       is("NaN", func() bool { f, ok := num(); return ok && math.IsNaN(f) }),
		"isNotNaN":    is("a value other than NaN", func() bool { f, ok := num(); return !ok || !math.IsNaN(f) }),
		"isInfinity":  is("Infinity or -Infinity", func() bool { f, ok := num(); return ok && math.IsInf(f, 0) }),
		"isNotInfinity": is("a value other than Infinity", func() bool {
			f, ok := num()
			return !ok || !math.IsInf(f, 0)
		}),
		"isArray":   is("an array", func() bool { return typeOf(s.val) == "array" }),
		"isBoolean": is("a boolean", func() bool { return typeOf(s.val) == "boolean" }),
		"isFunction": is("a function", func() bool {
			_, ok := goja.AssertFunction(s.raw)
			return ok
		}),
		"isNumber": is("a number", func() bool { return typeOf(s.val) == "number" }),
		"isObject": is("an object", func() bool { return typeOf(s.val) == "object" }),
		"isString": is("a string", func() bool { return typeOf(s.val) == "string" }),

		"isEqualTo":    s.compare("expected", "isEqualTo(expected)", true),
		"isNotEqualTo": s.compare("unexpected", "isNotEqualTo(unexpected)", false),
		"isStrictlyEqualTo": func(name string, args []goja.Value) {
			e := arg(args, 0)
			if !s.raw.StrictEquals(e) {
				s.failf(name+"(expected)", "expected %s (the same value) but was %s", render(snapshot(e)), render(s.val))
			}
		},
		"isNotStrictlyEqualTo": func(name string, args []goja.Value) {
			e := arg(args, 0)
			if s.raw.StrictEquals(e) {
				s.failf(name+"(unexpected)", "expected a value other than %s but was the same value", render(snapshot(e)))
			}
		},
		"isAnyOf": func(name string, args []goja.Value) {
			xs := snapshots(args)
			if indexOf(xs, s.val) < 0 {
				s.failf(name+"(...expected)", "expected one of %s but was %s", renderArgs(xs), render(s.val))
			}
		},
		"isNoneOf": func(name string, args []goja.Value) {
			xs := snapshots(args)
			if indexOf(xs, s.val) >= 0 {
				s.failf(name+"(...unexpected)", "expected none of %s but was %s", renderArgs(xs), render(s.val))
			}
		},
		"isGreaterThan":          s.order(">", func(c int) bool { return c > 0 }),
		"isGreaterThanOrEqualTo": s.order(">=", func(c int) bool { return c >= 0 }),
		"isLessThan":             s.order("<", func(c int) bool { return c < 0 }),
		"isLessThanOrEqualTo":    s.order("<=", func(c int) bool { return c <= 0 }),

		"contains":              s.contains(true),
		"doesNotContain":        s.contains(false),
		"containsExactly":       s.containsExactly(true),
		"doesNotContainExactly": s.containsExactly(false),
		"hasLength": func(name string, args []goja.Value) {
			want := snapshot(arg(args, 0))
			n, ok := s.length()
			if !ok {
				s.failf(name+"(expected)", "expected an array or string of length %s but was %s", render(want), render(s.val))
				return
			}
			if !deepEqual(float64(n), want) {
				s.failf(name+"(expected)", "expected length %s but was %d (value %s)", render(want), n, render(s.val))
			}
		},
		"isEmpty": func(name string, _ []goja.Value) {
			n, ok := s.length()
			if !ok || n != 0 {
				s.failf(name+"()", "expected an empty array or string but was %s", render(s.val))
			}
		},
		"isNotEmpty": func(name string, _ []goja.Value) {
			n, ok := s.length()
			if !ok || n == 0 {
				s.failf(name+"()", "expected a non-empty array or string but was %s", render(s.val))
			}
		},
	}
	return ms
}

func (s *subject) compare(label, call string, want bool) matcher {
	return func(_ string, args []goja.Value) {
		e := snapshot(arg(args, 0))
		if deepEqual(s.val, e) == want {
			return
		}
		if want {
			s.failf(call, "expected %s but was %s", render(e), render(s.val))
		} else {
			s.failf(call, "expected a value other than %s but was equal to it", render(e))
		}
	}
}

// order compares with JS relational semantics: two strings compare as strings,
// anything else as numbers (so NaN and undefined never compare).
func (s *subject) order(op string, ok func(int) bool) matcher {
	return func(name string, args []goja.Value) {
		e := arg(args, 0)
		c, comparable := jsCompare(s.raw, e)
		if !comparable || !ok(c) {
			s.failf(name+"(expected)", "expected a value %s %s but was %s", op, render(snapshot(e)), render(s.val))
		}
	}
}

func jsCompare(a, b goja.Value) (int, bool) {
	as, aok := a.Export().(string)
	bs, bok := b.Export().(string)
	if aok && bok {
		return strings.Compare(as, bs), true
	}
	x, y := a.ToFloat(), b.ToFloat()
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return 0, false
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

// contains: an array holds every value (deep equality), or a string holds every
// substring.
func (s *subject) contains(want bool) matcher {
	return func(name string, args []goja.Value) {
		xs := snapshots(args)
		call := name + "(...values)"
		var missing, present []any
		switch v := s.val.(type) {
		case []any:
			for _, x := range xs {
				if indexOf(v, x) >= 0 {
					present = append(present, x)
				} else {
					missing = append(missing, x)
				}
			}
		case string:
			for _, x := range xs {
				if sub, ok := x.(string); ok && strings.Contains(v, sub) {
					present = append(present, x)
				} else {
					missing = append(missing, x)
				}
			}
		default:
			s.failf(call, "expected an array or string but was %s", render(s.val))
			return
		}
		if want && len(missing) > 0 {
			s.failf(call, "expected %s to contain %s but it lacks %s", render(s.val), renderArgs(xs), renderArgs(missing))
		}
		if !want && len(present) > 0 {
			s.failf(call, "expected %s not to contain %s but it contains %s", render(s.val), renderArgs(xs), renderArgs(present))
		}
	}
}

// containsExactly: the array holds exactly these values, in any order, counting
// repeats.
func (s *subject) containsExactly(want bool) matcher {
	return func(name string, args []goja.Value) {
		xs := snapshots(args)
		call := name + "(...values)"
		arr, ok := s.val.([]any)
		if !ok {
			s.failf(call, "expected an array but was %s", render(s.val))
			return
		}
		same := sameMultiset(arr, xs)
		if want && !same {
			s.failf(call, "expected exactly %s in any order but was %s", renderArgs(xs), render(s.val))
		}
		if !want && same {
			s.failf(call, "expected something other than exactly %s but was %s", renderArgs(xs), render(s.val))
		}
	}
}

func sameMultiset(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && deepEqual(x, y) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

// length of an array, or of a string in UTF-16 code units as JS counts.
func (s *subject) length() (int, bool) {
	switch v := s.val.(type) {
	case []any:
		return len(v), true
	case string:
		return len(utf16.Encode([]rune(v))), true
	}
	return 0, false
}

func arg(args []goja.Value, i int) goja.Value {
	if i < len(args) {
		return args[i]
	}
	return goja.Undefined()
}

func snapshots(args []goja.Value) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = snapshot(a)
	}
	return out
}

func indexOf(xs []any, v any) int {
	for i, x := range xs {
		if deepEqual(x, v) {
			return i
		}
	}
	return -1
}

// assertApi(name) checks the calls recorded for a top-level API (or gtmOnSuccess /
// gtmOnFailure) so far.
func (h *harness) assertApi(c goja.FunctionCall) goja.Value {
	name := c.Argument(0).String()
	head := fmt.Sprintf("assertApi(%s).", quote(name))
	o := h.rt.NewObject()
	_ = o.Set("wasCalled", func(goja.FunctionCall) goja.Value {
		if len(h.calls[name]) == 0 {
			h.fail(head + "wasCalled() failed: it was not called")
		}
		return goja.Undefined()
	})
	_ = o.Set("wasNotCalled", func(goja.FunctionCall) goja.Value {
		if n := len(h.calls[name]); n > 0 {
			h.fail(fmt.Sprintf("%swasNotCalled() failed: it was called %d time(s), first with %s", head, n, renderArgs(h.calls[name][0])))
		}
		return goja.Undefined()
	})
	_ = o.Set("wasCalledWith", func(c goja.FunctionCall) goja.Value {
		want := snapshots(c.Arguments)
		if h.calledWith(name, want) < 0 {
			h.fail(fmt.Sprintf("%swasCalledWith(...expected) failed: expected a call with %s but %s", head, renderArgs(want), h.describeCalls(name)))
		}
		return goja.Undefined()
	})
	_ = o.Set("wasNotCalledWith", func(c goja.FunctionCall) goja.Value {
		want := snapshots(c.Arguments)
		if i := h.calledWith(name, want); i >= 0 {
			h.fail(fmt.Sprintf("%swasNotCalledWith(...unexpected) failed: call %d had the arguments %s", head, i+1, renderArgs(want)))
		}
		return goja.Undefined()
	})
	return o
}

func (h *harness) calledWith(name string, want []any) int {
	for i, args := range h.calls[name] {
		if deepEqual(args, want) {
			return i
		}
	}
	return -1
}

func (h *harness) describeCalls(name string) string {
	calls := h.calls[name]
	if len(calls) == 0 {
		return "it was not called"
	}
	const show = 5
	parts := make([]string, 0, show)
	for i, a := range calls {
		if i == show {
			parts = append(parts, fmt.Sprintf("... (%d more)", len(calls)-show))
			break
		}
		parts = append(parts, renderArgs(a))
	}
	return "the calls were: " + strings.Join(parts, "; ")
}

// fail(opt_message) fails the scenario.
func (h *harness) failFn(c goja.FunctionCall) goja.Value {
	msg := "fail() called"
	if m := c.Argument(0); !goja.IsUndefined(m) && !goja.IsNull(m) {
		msg += ": " + m.String()
	}
	h.fail(msg)
	return goja.Undefined()
}
