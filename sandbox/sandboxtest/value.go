package sandboxtest

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// The test framework compares snapshots of JS values, not the live values: arguments are
// recorded when an API is called (templates mutate objects after passing them), and GTM's
// deep equality needs undefined kept apart from null, which sandbox.FromJS folds together.

// undef is JS undefined.
type undef struct{}

// object is a plain JS object with its keys in insertion order (for messages).
type object struct {
	keys []string
	vals map[string]any
}

// ref is a value compared by identity: functions and non-plain objects (promises,
// regexes, errors). desc is what messages print.
type ref struct {
	obj  *goja.Object
	desc string
}

// cycle marks a reference back to an object already on the path being copied.
type cycle struct{}

const maxDepth = 64

// snapshot deep-copies v into Go data: undef, nil (null), bool, float64, string, []any,
// *object, ref, cycle.
func snapshot(v goja.Value) any {
	return snap(v, nil)
}

func snap(v goja.Value, path []*goja.Object) any {
	if v == nil || goja.IsUndefined(v) {
		return undef{}
	}
	if goja.IsNull(v) {
		return nil
	}
	obj, isObj := v.(*goja.Object)
	if !isObj {
		switch e := v.Export().(type) {
		case bool:
			return e
		case string:
			return e
		case int64:
			return float64(e)
		case float64:
			return e
		}
		return v.String()
	}
	for _, p := range path {
		if p == obj {
			return cycle{}
		}
	}
	if len(path) >= maxDepth {
		return cycle{}
	}
	if _, isFn := goja.AssertFunction(obj); isFn {
		return ref{obj: obj, desc: "function"}
	}
	path = append(path, obj)
	switch obj.ClassName() {
	case "Array":
		n := int(obj.Get("length").ToInteger())
		out := make([]any, n)
		for i := 0; i < n; i++ {
			out[i] = snap(obj.Get(strconv.Itoa(i)), path)
		}
		return out
	case "Object":
		o := &object{vals: map[string]any{}}
		for _, k := range obj.Keys() {
			o.keys = append(o.keys, k)
			o.vals[k] = snap(obj.Get(k), path)
		}
		return o
	}
	return ref{obj: obj, desc: "[object " + obj.ClassName() + "]"}
}

// deepEqual is GTM's value equality: recursive, arrays order-sensitive, objects need the
// same key set (a key holding undefined still counts), functions and other non-plain
// objects only equal themselves. NaN equals NaN, so isEqualTo(NaN) can pass.
func deepEqual(a, b any) bool {
	switch x := a.(type) {
	case undef:
		_, ok := b.(undef)
		return ok
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !deepEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *object:
		y, ok := b.(*object)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for _, k := range x.keys {
			yv, ok := y.vals[k]
			if !ok || !deepEqual(x.vals[k], yv) {
				return false
			}
		}
		return true
	case ref:
		y, ok := b.(ref)
		return ok && x.obj == y.obj
	case cycle:
		_, ok := b.(cycle)
		return ok
	}
	return false
}

// render prints a snapshot like JSON, with JS spellings for what JSON cannot express.
func render(v any) string {
	var b strings.Builder
	renderTo(&b, v)
	return b.String()
}

func renderTo(b *strings.Builder, v any) {
	switch x := v.(type) {
	case undef:
		b.WriteString("undefined")
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		b.WriteString(formatNumber(x))
	case string:
		b.WriteString(quote(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			renderTo(b, e)
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(k))
			b.WriteByte(':')
			renderTo(b, x.vals[k])
		}
		b.WriteByte('}')
	case ref:
		b.WriteString(x.desc)
	case cycle:
		b.WriteString("[Circular]")
	default:
		b.WriteString("?")
	}
}

// renderArgs prints an argument list as a JSON-like array.
func renderArgs(args []any) string { return render(args) }

func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// formatNumber prints a number as JS does for the common cases.
func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// typeOf is getType's classification of a snapshot.
func typeOf(v any) string {
	switch x := v.(type) {
	case undef:
		return "undefined"
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case ref:
		if _, ok := goja.AssertFunction(x.obj); ok {
			return "function"
		}
	}
	return "object"
}

// sortedKeys is for deterministic output of Go maps.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
