package api

import (
	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

// JSON, Math, Object and Promise are facades over goja's natives with sGTM's reduced
// surface and error behaviour, frozen so one template cannot change another's view.

func init() {
	sandbox.Register(sandbox.API{Name: "JSON", New: newJSON})
	sandbox.Register(sandbox.API{Name: "Math", New: newMath})
	sandbox.Register(sandbox.API{Name: "Object", New: newObject})
	sandbox.Register(sandbox.API{Name: "Promise", New: newPromise})
}

func freeze(vu *sandbox.VU, o *goja.Object) goja.Value {
	if f, ok := goja.AssertFunction(vu.Native("Object").Get("freeze")); ok {
		_, _ = f(goja.Undefined(), o)
	}
	return o
}

func newJSON(vu *sandbox.VU) goja.Value {
	rt := vu.Runtime()
	native := vu.Native("JSON")
	parse, _ := goja.AssertFunction(native.Get("parse"))
	stringify, _ := goja.AssertFunction(native.Get("stringify"))
	o := rt.NewObject()
	_ = o.Set("parse", func(c goja.FunctionCall) goja.Value {
		// sGTM: malformed input gives undefined instead of an exception.
		v, err := parse(native, rt.ToValue(c.Argument(0).String()))
		if err != nil {
			return undef
		}
		return v
	})
	_ = o.Set("stringify", func(c goja.FunctionCall) goja.Value {
		v, err := stringify(native, c.Arguments...)
		if err != nil {
			return undef
		}
		return v
	})
	return freeze(vu, o)
}

func newMath(vu *sandbox.VU) goja.Value {
	rt := vu.Runtime()
	native := vu.Native("Math")
	o := rt.NewObject()
	// The documented members, plus the harmless rest of Math that real templates use
	// (random is excluded: generateRandom is the API for that).
	for _, k := range []string{"abs", "ceil", "floor", "round", "max", "min", "pow", "sqrt", "trunc", "sign", "log", "log10", "log2", "exp", "cbrt", "hypot", "sin", "cos", "tan", "atan", "atan2", "asin", "acos"} {
		if v := native.Get(k); v != nil {
			_ = o.Set(k, v)
		}
	}
	for _, k := range []string{"PI", "E", "LN2", "LN10", "LOG2E", "LOG10E", "SQRT2", "SQRT1_2"} {
		_ = o.Set(k, native.Get(k))
	}
	return freeze(vu, o)
}

func newObject(vu *sandbox.VU) goja.Value {
	rt := vu.Runtime()
	native := vu.Native("Object")
	o := rt.NewObject()
	for _, k := range []string{"keys", "values", "entries", "freeze"} {
		_ = o.Set(k, native.Get(k))
	}
	isFrozen, _ := goja.AssertFunction(native.Get("isFrozen"))
	_ = o.Set("delete", func(c goja.FunctionCall) goja.Value {
		obj, ok := c.Argument(0).(*goja.Object)
		if !ok {
			return rt.ToValue(false)
		}
		if fr, err := isFrozen(native, obj); err == nil && fr.ToBoolean() {
			return rt.ToValue(false)
		}
		return rt.ToValue(obj.Delete(c.Argument(1).String()) == nil)
	})
	return freeze(vu, o)
}

func newPromise(vu *sandbox.VU) goja.Value {
	rt := vu.Runtime()
	native := vu.Native("Promise")
	o := rt.NewObject()
	_ = o.Set("create", func(c goja.FunctionCall) goja.Value {
		p, err := rt.New(native, c.Argument(0))
		if err != nil {
			panic(err)
		}
		return p
	})
	for _, k := range []string{"all", "resolve", "reject", "race", "allSettled", "any"} {
		f, ok := goja.AssertFunction(native.Get(k))
		if !ok {
			continue
		}
		_ = o.Set(k, func(c goja.FunctionCall) goja.Value {
			v, err := f(native, c.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		})
	}
	return freeze(vu, o)
}
