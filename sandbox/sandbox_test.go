package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	_ "github.com/tagd-dev/tagd/sandbox/api"
	"github.com/tagd-dev/tagd/templates"
)

func program(t *testing.T, kind, code, perms string) *sandbox.Program {
	t.Helper()
	src := "___INFO___\n\n{\"type\": \"" + kind + "\", \"id\": \"cvt_temp_public_id\", \"version\": 1, \"displayName\": \"T\", \"containerContexts\": [\"SERVER\"]}\n\n___SANDBOXED_JS_FOR_SERVER___\n\n" + code + "\n"
	if perms != "" {
		src += "\n___SERVER_PERMISSIONS___\n\n" + perms + "\n"
	}
	tp, err := templates.Parse("t.tpl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sandbox.Compile(tp)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, pool *sandbox.Pool, p *sandbox.Program, ev runtime.Event) sandbox.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return pool.Run(ctx, &sandbox.Execution{Program: p, Name: "t", Data: map[string]any{"x": 1.0}, EC: runtime.NewEventContext(nil, nil, ev), Env: &runtime.Env{}})
}

// Variables return the value of their expression; each case probes the sandbox surface.
func TestSandboxSurface(t *testing.T) {
	pool := sandbox.NewPool(sandbox.Limits{})
	tests := []struct{ name, code, want string }{
		{"globals are gone", "return [typeof console, typeof globalThis, typeof eval, typeof Function, typeof JSON, typeof setTimeout].join()", "undefined,undefined,undefined,undefined,undefined,undefined"},
		{"function constructor unreachable", "return '' + (function(){}).constructor", "undefined"},
		{"arrow constructor unreachable", "return '' + (() => 1).constructor", "undefined"},
		{"this is undefined", "return typeof this", "undefined"},
		{"literals keep methods", "return [3,1,2].sort().join('-') + 'X'.toLowerCase() + 'abc'.indexOf('c')", "1-2-3x2"},
		{"require facades", "const J = require('JSON'); return J.stringify({a: [1]}) + J.parse('x{') ", `{"a":[1]}undefined`},
		{"data is a plain object", "return require('getType')(data) + data.x", "object1"},
		{"unknown api", "return typeof require('nope')", "undefined"},
		{"test APIs absent in serving", "return [typeof runCode, typeof mock, typeof assertApi, typeof assertThat, typeof fail, typeof require('assertThat'), typeof require('mock')].join()", "undefined,undefined,undefined,undefined,undefined,undefined,undefined"},
		{"undeclared assignment throws", "leak = 1; return 'no'", ""},
		{"facades are frozen", "const M = require('Math'); M.floor = null; return 'mutated'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, pool, program(t, "MACRO", tt.code, ""), runtime.Event{})
			if tt.want == "" {
				if res.Err == nil {
					t.Fatalf("want an error, got %v", res.Value)
				}
				return
			}
			if res.Err != nil {
				t.Fatalf("error: %v", res.Err)
			}
			if got := runtime.Stringify(res.Value); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	pool := sandbox.NewPool(sandbox.Limits{CPUBudget: 50 * time.Millisecond, MaxCallStack: 64})
	cases := []struct{ name, code, errPart string }{
		{"endless loop", "while (true) {}", "CPU budget"},
		{"deep recursion", "const f = function(n) { return f(n + 1) + 1; }; return f(0);", "call stack"},
		{"string growth", "let s = 'x'; while (true) { s = s + s; if (s.length > 1e9) { s = 'x'; } }", "CPU budget"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := run(t, pool, program(t, "MACRO", c.code, ""), runtime.Event{})
			if res.Err == nil || !strings.Contains(strings.ToLower(res.Err.Error()), strings.ToLower(c.errPart)) {
				t.Fatalf("error %v, want one mentioning %q", res.Err, c.errPart)
			}
			// The pool keeps working afterwards.
			ok := run(t, pool, program(t, "MACRO", "return 1 + 1", ""), runtime.Event{})
			if ok.Err != nil || ok.Value != int64(2) {
				t.Fatalf("after %s: %v %v", c.name, ok.Value, ok.Err)
			}
		})
	}
}

func TestPermissionsEnforced(t *testing.T) {
	pool := sandbox.NewPool(sandbox.Limits{})
	ev := runtime.Event{"event_name": "e", "user_data": map[string]any{"email": "a@b"}, "secret": "s"}
	specific := `[{"instance": {"key": {"publicId": "read_event_data", "versionId": "1"}, "param": [{"key": "eventDataAccess", "value": {"type": 1, "string": "specific"}}, {"key": "keyPatterns", "value": {"type": 2, "listItem": [{"type": 1, "string": "user_data"}]}}]}}]`
	res := run(t, pool, program(t, "MACRO", "return require('getEventData')('user_data.email')", specific), ev)
	if res.Err != nil || res.Value != "a@b" {
		t.Errorf("allowed key: %v %v", res.Value, res.Err)
	}
	for _, code := range []string{
		"return require('getEventData')('secret')",
		"return require('getAllEventData')()",
	} {
		res = run(t, pool, program(t, "MACRO", code, specific), ev)
		if res.Err == nil || !strings.Contains(res.Err.Error(), "read_event_data") {
			t.Errorf("%s: want a read_event_data denial, got %v %v", code, res.Value, res.Err)
		}
	}
	// No permissions section: every gated API is denied.
	res = run(t, pool, program(t, "MACRO", "require('logToConsole')('x'); return 1", ""), ev)
	if res.Err == nil || !strings.Contains(res.Err.Error(), `"logging"`) {
		t.Errorf("logging without permission: %v", res.Err)
	}
	// An API handle obtained under one template's permissions does not carry them over:
	// checks run against the template executing the call.
	res = run(t, pool, program(t, "MACRO", "const r = require; return r('getEventData')('secret')", specific), ev)
	if res.Err == nil {
		t.Error("aliasing require bypassed the permission")
	}
}

func TestNoStateLeaksBetweenRuns(t *testing.T) {
	pool := sandbox.NewPool(sandbox.Limits{})
	p := program(t, "MACRO", "const O = require('Object'); if (data.seen) { return 'leaked'; } data.seen = true; return O.keys(data).length", "")
	for i := 0; i < 5; i++ {
		res := run(t, pool, p, runtime.Event{})
		if res.Err != nil || res.Value != int64(2) {
			t.Fatalf("run %d: %v %v", i, res.Value, res.Err)
		}
	}
}

func TestPromiseVariableAndTagSignals(t *testing.T) {
	pool := sandbox.NewPool(sandbox.Limits{})
	res := run(t, pool, program(t, "MACRO", "const P = require('Promise'); const later = require('callLater'); return P.create(function(res) { later(function() { res(data.x + 41); }); });", ""), runtime.Event{})
	if res.Err != nil || res.Value != int64(42) {
		t.Fatalf("promise variable: %v %v", res.Value, res.Err)
	}
	tag := program(t, "TAG", "require('callLater')(function() { data.gtmOnFailure(); data.gtmOnSuccess(); });", "")
	if r := run(t, pool, tag, runtime.Event{}); r.Status != runtime.Failure {
		t.Errorf("first signal must win: %s", r.Status)
	}
	silent := program(t, "TAG", "const x = 1;", "")
	if r := run(t, pool, silent, runtime.Event{}); r.Status != runtime.Timeout {
		t.Errorf("tag without a signal: %s", r.Status)
	}
	thrower := program(t, "TAG", "require('callLater')(function() { const u = undefined; u.x(); });", "")
	if r := run(t, pool, thrower, runtime.Event{}); r.Status != runtime.Exception {
		t.Errorf("throw in callback: %s", r.Status)
	}
}

func TestStringPatternCacheKeepsSemantics(t *testing.T) {
	pool := sandbox.NewPool(sandbox.Limits{})
	code := `const h = 'a'.repeat(64);
const r = [];
for (let i = 0; i < 3; i++) { r.push(h.match('^[A-Fa-f0-9]{64}$') !== null); }
r.push('xyz'.match('q') === null, 'a1b2'.match('[0-9]')[0], 'a1b2'.search('b'), 'AbC'.match('(b)(C)').length);
const re = require('createRegex')('b', 'g');
r.push('abcb'.match(re).length);
let keys = 0; for (const k in 'ab') { keys++; }
r.push(keys);
return r.join()`
	res := run(t, pool, program(t, "MACRO", code, ""), runtime.Event{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := res.Value; got != "true,true,true,true,1,2,3,2,2" {
		t.Errorf("got %v", got)
	}
	bad := run(t, pool, program(t, "MACRO", "return 'x'.match('(')", ""), runtime.Event{})
	if bad.Err == nil {
		t.Error("invalid pattern did not throw")
	}
}

func TestLint(t *testing.T) {
	p := program(t, "TAG", "const log = require('logToConsole');\nconst x = require('getEventData');\nconst y = require('nope');\nconst J = require('JSON');", `[{"instance": {"key": {"publicId": "logging", "versionId": "1"}, "param": [{"key": "environments", "value": {"type": 1, "string": "all"}}]}}]`)
	got := sandbox.Lint(p)
	if len(got) != 2 {
		t.Fatalf("lint = %q", got)
	}
	if !strings.Contains(got[0], "t.tpl:8:") || !strings.Contains(got[0], `getEventData needs permission "read_event_data"`) {
		t.Errorf("lint[0] = %q", got[0])
	}
	if !strings.Contains(got[1], "t.tpl:9:") || !strings.Contains(got[1], "unknown API") {
		t.Errorf("lint[1] = %q", got[1])
	}
}
