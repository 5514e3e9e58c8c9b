package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

// TestPooledRuntimeKeepsNoState runs, on a pool of one runtime, a template that tries
// every way of leaving state behind, then one that looks for it. Pooled runtimes are
// reused across templates and requests, so anything that survives leaks between them.
func TestPooledRuntimeKeepsNoState(t *testing.T) {
	const writer = `
const getType = require('getType');
const attempts = [];
function attempt(name, f) { try { f(); attempts.push(name + ':kept'); } catch (e) { attempts.push(name + ':threw'); } }
attempt('global', () => { Map = 'leak'; });
attempt('undeclared', () => { leakedGlobal = 'leak'; });
attempt('api-prop', () => { getType.leak = 'leak'; });
attempt('facade-member', () => { require('Math').floor.leak = 'leak'; });
attempt('promise-proto', () => { require('Promise').create.prototype.leak = 'leak'; });
attempt('object-proto', () => { ({}).__proto__.leak = 'leak'; });
attempt('object-proto-method', () => { ({}).__proto__.toString = null; });
attempt('array-proto', () => { [].__proto__.push = null; });
attempt('string-proto', () => { ''.__proto__.trim = null; });
attempt('ctor-static', () => { ({}).constructor.keys = null; });
attempt('symbol-ctor', () => { ({}).constructor.getOwnPropertySymbols([].__proto__)[0].constructor.leak = 'leak'; });
attempt('event-copy', () => { require('getAllEventData')().event_name = 'changed'; });
attempt('data', () => { data.leak = 'leak'; });
var counter = (typeof counter === 'number' ? counter : 0) + 1;
return attempts.join(',') + ',counter=' + counter;`
	const reader = `
const getType = require('getType');
const found = [];
if (typeof Map !== 'undefined') { found.push('global'); }
if (getType.leak !== undefined) { found.push('api-prop'); }
if (require('Math').floor.leak !== undefined) { found.push('facade-member'); }
if (require('Promise').create.prototype.leak !== undefined) { found.push('promise-proto'); }
if (({}).leak !== undefined) { found.push('object-proto'); }
if (typeof ({}).toString !== 'function' || ({}).hasOwnProperty('toString')) { found.push('object-proto-method'); }
if (typeof [].push !== 'function' || typeof ''.trim !== 'function') { found.push('builtins'); }
if (typeof ({}).constructor.keys !== 'function') { found.push('ctor-static'); }
if (({}).constructor.getOwnPropertySymbols([].__proto__)[0].constructor.leak !== undefined) { found.push('symbol-ctor'); }
if (require('getAllEventData')().event_name !== 'page_view') { found.push('event'); }
if (data.leak !== undefined) { found.push('data'); }
return found.join(',') || 'clean';`
	perms := `[{"instance": {"key": {"publicId": "read_event_data", "versionId": "1"}, "param": [{"key": "eventDataAccess", "value": {"type": 1, "string": "any"}}]}, "isRequired": true}]`
	w := benchProgram(t, "MACRO", writer, perms)
	r := benchProgram(t, "MACRO", reader, perms)
	pool := sandbox.NewPool(sandbox.Limits{CPUBudget: 5 * time.Second})
	ev := runtime.Event{"event_name": "page_view"}
	exec := func(p *sandbox.Program) sandbox.Result {
		return pool.Run(context.Background(), &sandbox.Execution{Program: p, Name: "t", Data: map[string]any{"x": "y"},
			EC: runtime.NewEventContext(nil, nil, ev), Env: &runtime.Env{}})
	}
	want := "global:threw,undeclared:threw,api-prop:threw,facade-member:threw,promise-proto:threw," +
		"object-proto:threw,object-proto-method:threw,array-proto:threw,string-proto:threw,ctor-static:threw,symbol-ctor:threw,event-copy:kept,data:kept,counter=1"
	for i := range 2 {
		res := exec(w)
		if res.Err != nil || res.Value != want {
			t.Fatalf("writer run %d: %v (%v)\nwant %s", i, res.Value, res.Err, want)
		}
		if res := exec(r); res.Err != nil || res.Value != "clean" {
			t.Fatalf("reader after writer run %d found state: %v (%v)", i, res.Value, res.Err)
		}
	}
	if pool.Idle() != 1 {
		t.Fatalf("%d idle runtimes, want the one runtime reused throughout", pool.Idle())
	}
	if ev["event_name"] != "page_view" {
		t.Fatalf("the Go event changed: %v", ev)
	}
}

// TestOverrideObjectPrototypeNames: Object.prototype is frozen, yet assigning a key that
// names one of its methods must create an own property, as in unfrozen JavaScript (GTM):
// templates build maps keyed by outside data. Frozen objects still refuse it.
func TestOverrideObjectPrototypeNames(t *testing.T) {
	pool := sandbox.NewPool(sandbox.Limits{CPUBudget: 5 * time.Second})
	for _, tc := range []struct{ name, code, want string }{
		{"dot assignment", `const JSON = require('JSON'), Object = require('Object');
const o = {}; o.toString = 'x'; o.constructor = 1; o.hasOwnProperty = 2;
return JSON.stringify(o) + '|' + Object.keys(o).join(',');`, `{"toString":"x","constructor":1,"hasOwnProperty":2}|toString,constructor,hasOwnProperty`},
		{"computed keys from data", `const JSON = require('JSON');
const counts = {};
const keys = ['valueOf', 'a', 'valueOf', 'isPrototypeOf', 'toLocaleString', 'propertyIsEnumerable'];
for (let i = 0; i < keys.length; i++) { counts[keys[i]] = (typeof counts[keys[i]] === 'number' ? counts[keys[i]] : 0) + 1; }
return JSON.stringify(counts);`, `{"valueOf":2,"a":1,"isPrototypeOf":1,"toLocaleString":1,"propertyIsEnumerable":1}`},
		{"methods still inherited", `const o = {a: 1}; return [typeof o.toString, o.hasOwnProperty('a'), o.hasOwnProperty('toString'), '' + o, o.valueOf() === o].join(',');`, `function,true,false,[object Object],true`},
		{"own property shadows only its object", `const o = {}; o.toString = function () { return 'mine'; }; return '' + o + ',' + {};`, `mine,[object Object]`},
		{"frozen object refuses", `const m = require('Math'); try { m.toString = 1; return 'assigned'; } catch (e) { return 'threw'; }`, `threw`},
		{"array keeps its own methods", `const a = [1, 2]; a.extra = 3; return a.join('-') + ',' + a.extra;`, `1-2,3`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := benchProgram(t, "MACRO", tc.code, "")
			res := pool.Run(context.Background(), &sandbox.Execution{Program: p, Name: "t", Data: map[string]any{},
				EC: runtime.NewEventContext(nil, nil, runtime.Event{}), Env: &runtime.Env{}})
			if res.Err != nil || res.Value != tc.want {
				t.Fatalf("got %v (%v), want %s", res.Value, res.Err, tc.want)
			}
		})
	}
}

// A runtime whose execution was interrupted is dropped, not pooled.
func TestPoolDropsBrokenRuntimes(t *testing.T) {
	pool := sandbox.NewPool(sandbox.Limits{CPUBudget: 20 * time.Millisecond})
	loop := benchProgram(t, "MACRO", "while (true) {}", "")
	ok := benchProgram(t, "MACRO", "return 1;", "")
	exec := func(p *sandbox.Program) sandbox.Result {
		return pool.Run(context.Background(), &sandbox.Execution{Program: p, Name: "t", Data: map[string]any{},
			EC: runtime.NewEventContext(nil, nil, runtime.Event{}), Env: &runtime.Env{}})
	}
	if res := exec(ok); res.Err != nil || pool.Idle() != 1 {
		t.Fatalf("clean run: %v, %d idle", res.Err, pool.Idle())
	}
	if res := exec(loop); res.Err == nil {
		t.Fatal("endless loop was not stopped")
	}
	if pool.Idle() != 0 {
		t.Fatalf("%d idle runtimes after an interrupt, want the broken one dropped", pool.Idle())
	}
}

// TestTagCallbacksKeepNoState: gtmOnSuccess/gtmOnFailure are made once per runtime, so
// they must be sealed and must signal the execution that calls them.
func TestTagCallbacksKeepNoState(t *testing.T) {
	writer := benchProgram(t, "TAG", `
let threw = false;
try { data.gtmOnSuccess.leak = 'leak'; } catch (e) { threw = true; }
if (threw) { data.gtmOnFailure('sealed'); } else { data.gtmOnSuccess(); }`, "")
	reader := benchProgram(t, "TAG", `
if (data.gtmOnSuccess.leak === undefined && data.gtmOnFailure.leak === undefined) {
  data.gtmOnSuccess();
} else {
  data.gtmOnFailure('found state');
}`, "")
	pool := sandbox.NewPool(sandbox.Limits{CPUBudget: 5 * time.Second})
	exec := func(p *sandbox.Program) sandbox.Result {
		return pool.Run(context.Background(), &sandbox.Execution{Program: p, Name: "t", Data: map[string]any{},
			EC: runtime.NewEventContext(nil, nil, runtime.Event{}), Env: &runtime.Env{}})
	}
	for i := range 3 {
		// The writer reports failure when its writes threw (sealed): the failure must reach
		// this execution, with its own message.
		if res := exec(writer); res.Status != runtime.Failure || res.Err == nil || res.Err.Error() != "sealed" {
			t.Fatalf("writer run %d: %s %v, want failure \"sealed\"", i, res.Status, res.Err)
		}
		if res := exec(reader); res.Status != runtime.Success {
			t.Fatalf("reader run %d: %s %v", i, res.Status, res.Err)
		}
	}
	if pool.Idle() != 1 {
		t.Fatalf("%d idle runtimes, want the one runtime reused throughout", pool.Idle())
	}
}
