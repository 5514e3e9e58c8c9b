package sandbox

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
)

// ToJS converts a Go value into plain JS values (objects, arrays, primitives), never host
// wrappers: a template must not reach Go objects or mutate container state through them.
func (vu *VU) ToJS(v any) goja.Value {
	rt := vu.rt
	switch t := v.(type) {
	case nil:
		return goja.Undefined()
	case goja.Value:
		return t
	case string:
		return rt.ToValue(t)
	case bool, int, int32, int64, float32, float64, uint, uint32, uint64:
		return rt.ToValue(t)
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return rt.ToValue(f)
		}
		return rt.ToValue(t.String())
	case map[string]any:
		// Go maps have no order; sort keys so JSON.stringify and for-in are deterministic.
		o := rt.CreateObject(nil)
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			_ = o.Set(k, vu.ToJS(t[k]))
		}
		return vu.plain(o)
	case *OrderedMap:
		o := rt.CreateObject(nil)
		for _, k := range t.Keys {
			_ = o.Set(k, vu.ToJS(t.Values[k]))
		}
		return vu.plain(o)
	case runtime.Event:
		return vu.ToJS(map[string]any(t))
	case []any:
		vals := make([]any, len(t))
		for i, x := range t {
			vals[i] = vu.ToJS(x)
		}
		return rt.NewArray(vals...)
	case []string:
		vals := make([]any, len(t))
		for i, x := range t {
			vals[i] = rt.ToValue(x)
		}
		return rt.NewArray(vals...)
	case []map[string]any:
		vals := make([]any, len(t))
		for i, x := range t {
			vals[i] = vu.ToJS(x)
		}
		return rt.NewArray(vals...)
	case map[string]string:
		o := rt.CreateObject(nil)
		for k, x := range t {
			_ = o.Set(k, x)
		}
		return vu.plain(o)
	default:
		// Round-trip anything else through JSON to get plain data.
		b, err := json.Marshal(t)
		if err != nil {
			return goja.Undefined()
		}
		var x any
		if json.Unmarshal(b, &x) != nil {
			return goja.Undefined()
		}
		return vu.ToJS(x)
	}
}

// plain gives an object built with no prototype the ordinary one. Building it without one
// makes every key an own data property, as JSON.parse does: a "__proto__" key from a request
// would otherwise run Object.prototype's __proto__ setter and replace the object's prototype
// with outside data. It is also cheaper, since no key is first looked up on the prototype.
func (vu *VU) plain(o *goja.Object) *goja.Object {
	if vu.objectProto == nil {
		vu.objectProto = vu.rt.NewObject().Prototype()
	}
	_ = o.SetPrototype(vu.objectProto)
	return o
}

// FromJS exports a JS value into plain Go data (maps, slices, strings, float64/int64,
// bool, nil). Functions and other non-data values become nil. Cycles are cut.
func FromJS(v goja.Value) any {
	return fromJS(v, 0)
}

func fromJS(v goja.Value, depth int) any {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) || depth > 64 {
		return nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return v.Export()
	}
	// Objects are walked here rather than exported: Export converts a whole object tree,
	// so exporting at every level would redo the work for everything below it.
	if _, isFn := goja.AssertFunction(obj); isFn {
		return nil
	}
	switch obj.ClassName() {
	case "Array":
		n := int(obj.Get("length").ToInteger())
		out := make([]any, n)
		for i := 0; i < n; i++ {
			out[i] = fromJS(obj.Get(strconv.Itoa(i)), depth+1)
		}
		return out
	case "Object":
		out := map[string]any{}
		for _, k := range obj.Keys() {
			x := obj.Get(k)
			if x != nil && goja.IsUndefined(x) {
				continue
			}
			if o, ok := x.(*goja.Object); ok {
				if _, isFn := goja.AssertFunction(o); isFn {
					continue
				}
			}
			out[k] = fromJS(x, depth+1)
		}
		return out
	}
	return v.Export()
}

// OrderedMap is an object whose key order matters to templates (a URL's query parameters
// in the order they were written). ToJS keeps Keys' order.
type OrderedMap struct {
	Keys   []string
	Values map[string]any
}

// Set adds or replaces a key, keeping first-insertion order.
func (m *OrderedMap) Set(k string, v any) {
	if m.Values == nil {
		m.Values = map[string]any{}
	}
	if _, ok := m.Values[k]; !ok {
		m.Keys = append(m.Keys, k)
	}
	m.Values[k] = v
}
