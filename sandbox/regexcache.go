package sandbox

import "github.com/dop251/goja"

// maxCachedPatterns bounds the per-runtime cache of string patterns.
const maxCachedPatterns = 256

// cacheStringPatterns replaces String.prototype.match and .search with versions that
// compile a string pattern once per runtime instead of on every call. Real templates run
// `value.match('^[A-Fa-f0-9]{64}$')` per field per event; compiling dominates their cost.
// Semantics are unchanged: a string pattern becomes a non-global RegExp either way, which
// carries no lastIndex state, so sharing the compiled object is safe.
func (vu *VU) cacheStringPatterns() {
	rt := vu.rt
	str := vu.natives["String"]
	re := vu.natives["RegExp"]
	if str == nil || re == nil {
		return
	}
	proto, ok := str.Get("prototype").(*goja.Object)
	if !ok {
		return
	}
	cache := map[string]goja.Value{}
	for _, name := range []string{"match", "search"} {
		orig, ok := goja.AssertFunction(proto.Get(name))
		if !ok {
			continue
		}
		f := func(call goja.FunctionCall) goja.Value {
			arg := call.Argument(0)
			if s, isStr := arg.Export().(string); isStr && !isObject(arg) {
				cached, hit := cache[s]
				if !hit {
					v, err := rt.New(re, arg)
					if err != nil {
						panic(err)
					}
					cached = v
					if len(cache) < maxCachedPatterns {
						cache[s] = v
					}
				}
				arg = cached
			}
			v, err := orig(call.This, arg)
			if err != nil {
				panic(err)
			}
			return v
		}
		_ = proto.DefineDataProperty(name, rt.ToValue(f), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
}

func isObject(v goja.Value) bool {
	_, ok := v.(*goja.Object)
	return ok
}
