package sandbox

import (
	"fmt"
	"sync"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/dop251/goja"
)

// RegexBacktrackLimit bounds one backtracking regex match. goja falls back from RE2 to
// regexp2 for lookarounds and backreferences, and a catastrophic pattern there neither
// ends nor honours Interrupt; with a timeout the match reports "no match" instead.
const RegexBacktrackLimit = 100 * time.Millisecond

func init() {
	// Process-wide by regexp2's design; must be set before any pattern compiles.
	regexp2.DefaultMatchTimeout = RegexBacktrackLimit
}

// freezeBuiltins freezes the built-in constructors and prototypes a template can reach
// through literals (`[].__proto__`, `({}).constructor`). Runtimes are pooled, so without
// this one template could replace Array.prototype.map for every later execution.
//
// Freezing materialises every method of a frozen object as a function object, which is
// most of a runtime's memory, so only what a template can reach is frozen: Date, JSON
// and Math are reachable by global name only, which templates cannot use (they get frozen
// JSON and Math facades). Symbol is frozen: any symbol's .constructor reaches it.
//
// Freezing alone would bring JavaScript's "override mistake" to every plain object: once
// Object.prototype.toString is a read-only property, `obj.toString = v` and
// `map[key] = v` with a key such as "constructor" or "hasOwnProperty" throw instead of
// creating an own property, as they do in GTM, which does not freeze. So before freezing,
// Object.prototype's methods become accessors: reading one gives the method, assigning
// through an object defines the own data property that the assignment would have made,
// and assigning on Object.prototype itself still throws.
func (vu *VU) freezeBuiltins() {
	_, _ = vu.rt.RunProgram(freezeProgram())
}

// freezeProgram is compiled once: a compiled program is independent of any runtime, and
// parsing the script again for every new runtime was a third of the cost of making one.
var freezeProgram = sync.OnceValue(func() *goja.Program {
	return goja.MustCompile("freeze.js", `(function () {
  var f = Object.freeze, gp = Object.getPrototypeOf;
  var op = Object.prototype, dp = Object.defineProperty, desc = Object.getOwnPropertyDescriptor;
  Object.getOwnPropertyNames(op).forEach(function (name) {
    var d = desc(op, name);
    if (!('value' in d)) { return; }
    var method = d.value;
    dp(op, name, {
      get: function () { return method; },
      set: function (v) {
        if (this === op) { throw new TypeError("Cannot assign to read only property '" + name + "' of object"); }
        dp(this, name, {value: v, writable: true, enumerable: true, configurable: true});
      },
      enumerable: false, configurable: false
    });
  });
  var roots = [Object, Array, String, Number, Boolean, RegExp, Promise, Error, TypeError,
    RangeError, SyntaxError, ReferenceError, Symbol,
    gp(function(){}), gp(function*(){}), gp(async function(){})];
  for (var i = 0; i < roots.length; i++) {
    var r = roots[i];
    if (!r) { continue; }
    f(r);
    if (r.prototype) { f(r.prototype); }
  }
  f(gp([][Symbol.iterator]()));
  f(gp(gp([][Symbol.iterator]())));
})()`, false)
})

// capStringBuilders wraps the native string builders that allocate in one uninterruptible
// step ('x'.repeat(1e9)) with a length check.
func (vu *VU) capStringBuilders(max int) {
	str := vu.natives["String"]
	if str == nil {
		return
	}
	proto, ok := str.Get("prototype").(*goja.Object)
	if !ok {
		return
	}
	rt := vu.rt
	wrap := func(name string, size func(this goja.Value, args []goja.Value) float64) {
		orig, ok := goja.AssertFunction(proto.Get(name))
		if !ok {
			return
		}
		f := func(call goja.FunctionCall) goja.Value {
			if n := size(call.This, call.Arguments); n > float64(max) {
				panic(rt.NewGoError(fmt.Errorf("String.prototype.%s: result of %.0f characters exceeds the sandbox limit of %d", name, n, max)))
			}
			v, err := orig(call.This, call.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		}
		_ = proto.DefineDataProperty(name, rt.ToValue(f), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	arg := func(args []goja.Value, i int) float64 {
		if i < len(args) {
			return args[i].ToFloat()
		}
		return 0
	}
	wrap("repeat", func(this goja.Value, args []goja.Value) float64 {
		return float64(len(this.String())) * arg(args, 0)
	})
	wrap("padStart", func(_ goja.Value, args []goja.Value) float64 { return arg(args, 0) })
	wrap("padEnd", func(_ goja.Value, args []goja.Value) float64 { return arg(args, 0) })
}
