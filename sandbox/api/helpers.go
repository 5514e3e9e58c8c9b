package api

import (
	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

// fn wraps a Go function as a JS function value.
func fn(vu *sandbox.VU, f func(c goja.FunctionCall) goja.Value) goja.Value {
	return vu.Runtime().ToValue(f)
}

// register is shorthand for sandbox.Register with a plain function API.
func register(name, perm string, f func(vu *sandbox.VU, c goja.FunctionCall) goja.Value) {
	sandbox.Register(sandbox.API{Name: name, Permission: perm, New: func(vu *sandbox.VU) goja.Value {
		return fn(vu, func(c goja.FunctionCall) goja.Value { return f(vu, c) })
	}})
}

// undef is goja's undefined.
var undef = goja.Undefined()

// argString returns argument i as a string, and whether it was a string at all.
func argString(c goja.FunctionCall, i int) (string, bool) {
	v := c.Argument(i)
	if goja.IsUndefined(v) || goja.IsNull(v) {
		return "", false
	}
	if s, ok := v.Export().(string); ok {
		return s, true
	}
	return v.String(), false
}

func isNullish(v goja.Value) bool { return v == nil || goja.IsUndefined(v) || goja.IsNull(v) }
