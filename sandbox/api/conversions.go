package api

import (
	"math"
	"reflect"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	register("makeString", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		v := c.Argument(0)
		if _, isObj := v.(*goja.Object); !isObj && v.ExportType() == reflect.TypeFor[string]() {
			return v // already a string primitive: String(s) is s
		}
		return vu.Runtime().ToValue(jsString(c.Argument(0)))
	})
	register("makeNumber", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		return vu.Runtime().ToValue(c.Argument(0).ToFloat())
	})
	register("makeInteger", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		f := c.Argument(0).ToFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return vu.Runtime().ToValue(f)
		}
		t := math.Trunc(f)
		if t >= -(1<<63) && t < 1<<63 {
			return vu.Runtime().ToValue(int64(t))
		}
		// Past int64 the truncated number is already an integer; converting would wrap.
		return vu.Runtime().ToValue(t)
	})
	register("getType", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		return typeNames[TypeOf(c.Argument(0))]
	})
	register("makeTableMap", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		rows, ok := c.Argument(0).(*goja.Object)
		if !ok || rows.ClassName() != "Array" {
			return goja.Null()
		}
		keyCol, valCol := c.Argument(1).String(), c.Argument(2).String()
		out := vu.Runtime().NewObject()
		n := int(rows.Get("length").ToInteger())
		for i := 0; i < n; i++ {
			row, ok := rows.Get(itoa(i)).(*goja.Object)
			if !ok {
				continue
			}
			k := row.Get(keyCol)
			if isNullish(k) {
				continue
			}
			v := row.Get(valCol)
			if v == nil {
				v = undef
			}
			_ = out.Set(k.String(), v)
		}
		return out
	})
}

// typeNames are getType's answers as JS strings, made once: templates call getType for
// nearly every value they touch, and a string value holds no runtime state to share.
var typeNames = func() map[string]goja.Value {
	rt := goja.New()
	m := map[string]goja.Value{}
	for _, n := range []string{"undefined", "null", "function", "array", "object", "string", "boolean", "number"} {
		m[n] = rt.ToValue(n)
	}
	return m
}()

// jsString is JavaScript's String(v).
func jsString(v goja.Value) string {
	if v == nil {
		return "undefined"
	}
	return v.String()
}

// TypeOf is sGTM's getType: arrays and null are told apart from objects.
func TypeOf(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	if o, ok := v.(*goja.Object); ok {
		if _, isFn := goja.AssertFunction(o); isFn {
			return "function"
		}
		if o.ClassName() == "Array" {
			return "array"
		}
		return "object"
	}
	// ExportType needs no conversion of the value, unlike Export.
	switch v.ExportType() {
	case reflect.TypeFor[string]():
		return "string"
	case reflect.TypeFor[bool]():
		return "boolean"
	case reflect.TypeFor[int64](), reflect.TypeFor[float64]():
		return "number"
	}
	return "object"
}
