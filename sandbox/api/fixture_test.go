package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

// Test fixtures for the APIs of this package: small .tpl files built in-test, real
// runtimes, real exchanges and containers. Names carry an fx prefix so they cannot clash
// with other test helpers of the package.

// fxEncode renders a Go value in GTM's typed-value JSON form (§4.1).
func fxEncode(v any) any {
	switch t := v.(type) {
	case string:
		return map[string]any{"type": 1, "string": t}
	case bool:
		return map[string]any{"type": 8, "boolean": t}
	case []any:
		items := make([]any, len(t))
		for i, x := range t {
			items[i] = fxEncode(x)
		}
		return map[string]any{"type": 2, "listItem": items}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var mk, mv []any
		for _, k := range keys {
			mk = append(mk, fxEncode(k))
			mv = append(mv, fxEncode(t[k]))
		}
		return map[string]any{"type": 3, "mapKey": mk, "mapValue": mv}
	}
	panic(fmt.Sprintf("fxEncode: unsupported %T", v))
}

// fxPerm is one ___SERVER_PERMISSIONS___ entry.
type fxPerm struct {
	ID     string
	Params map[string]any
}

// fxTemplate builds a .tpl of the given kind and parses it.
func fxTemplate(t testing.TB, name string, kind templates.Kind, code string, perms ...fxPerm) *templates.Template {
	t.Helper()
	var entries []any
	for _, p := range perms {
		var params []any
		keys := make([]string, 0, len(p.Params))
		for k := range p.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			params = append(params, map[string]any{"key": k, "value": fxEncode(p.Params[k])})
		}
		if params == nil {
			params = []any{}
		}
		entries = append(entries, map[string]any{
			"instance":   map[string]any{"key": map[string]any{"publicId": p.ID, "versionId": "1"}, "param": params},
			"isRequired": true,
		})
	}
	permJSON, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	src := "___INFO___\n\n" +
		`{"type": "` + string(kind) + `", "id": "cvt_temp_public_id", "version": 1, "displayName": "` + name + `", "containerContexts": ["SERVER"]}` +
		"\n\n\n___SANDBOXED_JS_FOR_SERVER___\n\n" + code + "\n\n\n___SERVER_PERMISSIONS___\n\n" + string(permJSON) + "\n"
	tpl, err := templates.Parse(name+".tpl", []byte(src))
	if err != nil {
		t.Fatalf("parsing test template: %v", err)
	}
	return tpl
}

// fxProgram compiles a template built by fxTemplate.
func fxProgram(t testing.TB, name string, kind templates.Kind, code string, perms ...fxPerm) *sandbox.Program {
	t.Helper()
	p, err := sandbox.Compile(fxTemplate(t, name, kind, code, perms...))
	if err != nil {
		t.Fatalf("compiling test template: %v", err)
	}
	return p
}

// fxCtx bounds a test execution so that a bug shows up as a failure, not a hang.
func fxCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fxRun executes ex on a fresh runtime.
func fxRun(t testing.TB, ex *sandbox.Execution) sandbox.Result {
	t.Helper()
	if ex.Data == nil {
		ex.Data = map[string]any{}
	}
	return sandbox.NewVU(sandbox.Limits{CPUBudget: 5 * time.Second}).Execute(fxCtx(t), ex)
}

// fxEval runs a MACRO whose code returns a value, with the given permissions and exchange.
func fxEval(t testing.TB, x *runtime.Exchange, code string, perms ...fxPerm) sandbox.Result {
	t.Helper()
	prog := fxProgram(t, "eval", templates.KindMacro, code, perms...)
	ex := &sandbox.Execution{Program: prog, Name: "eval", X: x}
	if x != nil && x.Container != nil {
		ex.Env = x.Container.Env
	}
	return fxRun(t, ex)
}

// fxRequest builds a request for a URL path+query with an optional body.
func fxRequest(method, target, body string) *runtime.Request {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	q, _ := url.ParseQuery(u.RawQuery)
	return &runtime.Request{
		Method: method, Path: u.Path, RawQuery: u.RawQuery, Query: q,
		Header: http.Header{"User-Agent": {"fx-agent/1.0"}}, Body: []byte(body),
		Host: "tag.shop.example.co.uk", Scheme: "https", RemoteIP: "198.51.100.23",
	}
}

// fxConsole collects logToConsole lines.
type fxConsole struct {
	mu    sync.Mutex
	lines []string
}

func (c *fxConsole) log(_ context.Context, l runtime.ConsoleLine) {
	c.mu.Lock()
	c.lines = append(c.lines, l.Source+": "+l.Message)
	c.mu.Unlock()
}

func (c *fxConsole) get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// fxEnv is an environment whose console is collected.
func fxEnv(c *fxConsole) *runtime.Env {
	return &runtime.Env{ContainerID: "GTM-TEST", Console: c.log, Storage: runtime.NewTemplateStorage(0)}
}

// fxTag runs a TAG program as a container tag. Its executions outlive their firing
// (event callbacks, messages): wait for them with running.Wait.
type fxTag struct {
	prog    *sandbox.Program
	pool    *sandbox.Pool
	running sync.WaitGroup
}

func (ft *fxTag) Fire(ctx context.Context, f *runtime.Firing) {
	ft.running.Add(1)
	defer ft.running.Done()
	ec := f.EC
	ex := &sandbox.Execution{Program: ft.prog, Name: f.Name(), Data: f.Data, EC: ec, Firing: f, X: ec.Exchange, Env: ec.Container.Env}
	if ex.Data == nil {
		ex.Data = map[string]any{}
	}
	res := ft.pool.Run(ctx, ex)
	f.Done(res.Status, res.Err)
}

// fxGoTag is a native tag that records the events it saw.
type fxGoTag struct {
	mu     sync.Mutex
	events []runtime.Event
}

func (g *fxGoTag) Fire(_ context.Context, f *runtime.Firing) {
	g.mu.Lock()
	g.events = append(g.events, f.EC.Event.Copy())
	g.mu.Unlock()
	f.Done(runtime.Success, nil)
}

func (g *fxGoTag) seen() []runtime.Event {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]runtime.Event(nil), g.events...)
}

// fxContainer builds a container whose tags fire on every event.
func fxContainer(env *runtime.Env, tags map[string]runtime.Tag) *runtime.Container {
	c := &runtime.Container{Env: env, TagTimeout: 10 * time.Second}
	names := make([]string, 0, len(tags))
	for n := range tags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.Tags = append(c.Tags, &runtime.TagBinding{Name: n, Template: n, Tag: tags[n], Firing: []*runtime.Trigger{{Name: "all"}}})
	}
	return c
}

// fxWantErr checks that err is set and contains every fragment.
func fxWantErr(t testing.TB, err error, frags ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got none", frags)
	}
	for _, f := range frags {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not contain %q", err, f)
		}
	}
}

// Common permissions.
var (
	fxReadRequestAny = fxPerm{"read_request", map[string]any{"requestAccess": "any", "headerAccess": "any", "queryParameterAccess": "any"}}
	fxLogging        = fxPerm{"logging", map[string]any{"environments": "all"}}
)
