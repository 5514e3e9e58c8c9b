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

// promiseJS is the sandbox's Promise: a small promise whose callbacks run as soon as it is
// settled (and at once when then() is called on a settled one), as sGTM's does — published
// template tests assert on effects of Promise.create(...).then(...) right after runCode
// returns, before any job queue would run. Native promises (sendHttpRequest's) interoperate
// through then().
const promiseJS = `(function () {
  var PENDING = 0, FULFILLED = 1, REJECTED = 2;
  function thenable(v) {
    return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
  }
  function deferred() {
    var state = PENDING, value, handlers = [], p = {};
    function settle(s, v) {
      if (state !== PENDING) { return; }
      state = s; value = v;
      var hs = handlers; handlers = [];
      for (var i = 0; i < hs.length; i++) { hs[i](); }
    }
    var locked = false;
    function resolve(v) {
      if (state !== PENDING || locked) { return; }
      if (v === p) { settle(REJECTED, 'a promise cannot resolve to itself'); return; }
      if (thenable(v)) {
        locked = true;
        var done = false;
        try {
          v.then(function (x) { if (!done) { done = true; locked = false; resolve(x); } },
                 function (e) { if (!done) { done = true; locked = false; settle(REJECTED, e); } });
        } catch (e) {
          if (!done) { done = true; locked = false; settle(REJECTED, e); }
        }
        return;
      }
      settle(FULFILLED, v);
    }
    function reject(e) { if (!locked) { settle(REJECTED, e); } }
    p.then = function (onFulfilled, onRejected) {
      var next = deferred();
      function run() {
        var cb = state === FULFILLED ? onFulfilled : onRejected;
        if (typeof cb !== 'function') {
          if (state === FULFILLED) { next.resolve(value); } else { next.reject(value); }
          return;
        }
        var r;
        try { r = cb(value); } catch (e) { next.reject(e); return; }
        next.resolve(r);
      }
      if (state === PENDING) { handlers.push(run); } else { run(); }
      return next.promise;
    };
    p['catch'] = function (onRejected) { return p.then(undefined, onRejected); };
    p['finally'] = function (f) {
      return p.then(function (v) { if (typeof f === 'function') { f(); } return v; },
                    function (e) { if (typeof f === 'function') { f(); } throw e; });
    };
    return {promise: p, resolve: resolve, reject: reject};
  }
  function create(fn) {
    var d = deferred();
    try { fn(d.resolve, d.reject); } catch (e) { d.reject(e); }
    return d.promise;
  }
  function resolved(v) { var d = deferred(); d.resolve(v); return d.promise; }
  function rejected(e) { var d = deferred(); d.reject(e); return d.promise; }
  function all(list) {
    var d = deferred();
    var n = list.length, out = [], left = n;
    if (n === 0) { d.resolve(out); return d.promise; }
    for (var i = 0; i < n; i++) {
      (function (i) {
        var v = list[i];
        if (thenable(v)) {
          v.then(function (x) { out[i] = x; left--; if (left === 0) { d.resolve(out); } },
                 function (e) { d.reject(e); });
        } else {
          out[i] = v; left--;
          if (left === 0) { d.resolve(out); }
        }
      })(i);
    }
    return d.promise;
  }
  function race(list) {
    var d = deferred();
    for (var i = 0; i < list.length; i++) {
      var v = list[i];
      if (thenable(v)) { v.then(d.resolve, d.reject); } else { d.resolve(v); }
    }
    return d.promise;
  }
  return {create: create, all: all, resolve: resolved, reject: rejected, race: race};
})`

var promiseProg = goja.MustCompile("promise.js", promiseJS, true)

func newPromise(vu *sandbox.VU) goja.Value {
	rt := vu.Runtime()
	f, err := rt.RunProgram(promiseProg)
	if err != nil {
		panic(err)
	}
	fn, _ := goja.AssertFunction(f)
	o, err := fn(goja.Undefined())
	if err != nil {
		panic(err)
	}
	return freeze(vu, o.(*goja.Object))
}
