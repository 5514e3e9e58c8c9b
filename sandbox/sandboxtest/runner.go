package sandboxtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/sandbox/api"
	"github.com/tagd-dev/tagd/templates"
)

// Options control a test run.
type Options struct {
	Run             *regexp.Regexp // only scenarios whose name matches; nil = all
	Verbose         bool           // keep logs of passing scenarios too
	ScenarioTimeout time.Duration  // wall time per scenario including async work; 0 = 5s
	Limits          sandbox.Limits // CPUBudget 0 = ScenarioTimeout
}

// DefaultScenarioTimeout bounds a scenario when Options.ScenarioTimeout is zero.
const DefaultScenarioTimeout = 5 * time.Second

// ScenarioResult is the outcome of one ___TESTS___ scenario.
type ScenarioResult struct {
	Name       string
	Passed     bool
	Error      string // why it failed: the first assertion failure, fail() or exception
	DurationMS float64
	Logs       []string // logToConsole output and sandbox warnings (failed, or Verbose)
}

// TemplateResult is the outcome of one template's tests.
type TemplateResult struct {
	Path, Name, Type string
	Loaded           bool   // parsed and compiled; scenarios ran
	LoadError        string // why not
	Scenarios        []ScenarioResult
	// Skipped counts scenarios that did not run because the template failed to compile.
	Skipped int
}

// Passed and Failed count scenario outcomes.
func (r TemplateResult) Passed() int { return r.count(true) }

// Failed counts failed scenarios.
func (r TemplateResult) Failed() int { return r.count(false) }

func (r TemplateResult) count(passed bool) int {
	n := 0
	for _, s := range r.Scenarios {
		if s.Passed == passed {
			n++
		}
	}
	return n
}

// RunFile parses the .tpl at path and runs its tests.
func RunFile(ctx context.Context, path string, o Options) TemplateResult {
	src, err := os.ReadFile(path)
	if err != nil {
		return TemplateResult{Path: path, LoadError: fmt.Sprintf("read template: %v", err)}
	}
	t, err := templates.Parse(path, src)
	if err != nil {
		return TemplateResult{Path: path, LoadError: err.Error()}
	}
	return run(ctx, t, src, o)
}

// RunTemplate runs the tests of a parsed template. Each scenario gets a fresh runtime,
// fresh mocks, call records, storage and an empty synthetic request and event. Positions
// in test code are .tpl lines when t.Path can be read, else lines of the scenario body.
func RunTemplate(ctx context.Context, t *templates.Template, o Options) TemplateResult {
	var src []byte
	if t.Path != "" {
		src, _ = os.ReadFile(t.Path) // only to map scenario lines; optional
	}
	return run(ctx, t, src, o)
}

func run(ctx context.Context, t *templates.Template, src []byte, o Options) TemplateResult {
	res := TemplateResult{Path: t.Path, Name: t.Info.DisplayName, Type: string(kindOf(t)), Scenarios: []ScenarioResult{}}
	prog, err := sandbox.Compile(t)
	if err != nil {
		// The path is already in the result; do not repeat it in front of the message.
		res.LoadError = strings.TrimPrefix(err.Error(), t.Path+": ")
		if t.Tests != nil {
			res.Skipped = len(t.Tests.Scenarios)
		}
		return res
	}
	res.Loaded = true
	if t.Tests == nil {
		return res
	}
	if o.ScenarioTimeout <= 0 {
		o.ScenarioTimeout = DefaultScenarioTimeout
	}
	if o.Limits.CPUBudget <= 0 {
		o.Limits.CPUBudget = o.ScenarioTimeout
	}
	lines := strings.Split(string(src), "\n")
	for _, sc := range t.Tests.Scenarios {
		if o.Run != nil && !o.Run.MatchString(sc.Name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			res.Scenarios = append(res.Scenarios, ScenarioResult{Name: sc.Name, Error: "not run: " + err.Error()})
			continue
		}
		r := runScenario(ctx, prog, t.Tests.Setup, sc, codeLine(lines, sc), o)
		if r.Passed && !o.Verbose {
			r.Logs = nil
		}
		res.Scenarios = append(res.Scenarios, r)
	}
	return res
}

// codeLine finds the file line where a scenario's code starts: the line after a block
// scalar's "code: |" header, or the header line itself for an inline string. 0 = unknown.
func codeLine(lines []string, sc templates.Scenario) int {
	if sc.Line <= 0 || sc.Line > len(lines) {
		return 0
	}
	for i := sc.Line - 1; i < len(lines) && i < sc.Line+3; i++ {
		l := strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(lines[i], " "), "- "), " ")
		if rest, ok := strings.CutPrefix(l, "code:"); ok {
			rest = strings.TrimSpace(rest)
			if strings.HasPrefix(rest, "|") || strings.HasPrefix(rest, ">") {
				return i + 2
			}
			return i + 1
		}
	}
	return 0
}

func runScenario(parent context.Context, prog *sandbox.Program, setup string, sc templates.Scenario, line int, o Options) (res ScenarioResult) {
	start := time.Now()
	res.Name = sc.Name
	ctx, cancel := context.WithTimeout(parent, o.ScenarioTimeout)
	defer cancel()

	vu := sandbox.NewVU(o.Limits)
	h := newHarness(vu, prog)
	ex := h.newExecution()
	defer func() {
		res.DurationMS = float64(time.Since(start).Microseconds()) / 1000
		res.Logs = h.takeLogs()
		res.Passed = res.Error == ""
		if !res.Passed {
			var extra []string
			for _, e := range h.apiErrors {
				if !strings.Contains(res.Error, e.msg) {
					extra = append(extra, e.String())
				}
			}
			if len(extra) > 0 {
				res.Error += "\nAPI errors during the scenario (maybe caught by the template): " + strings.Join(extra, "; ")
			}
		}
	}()

	body := sc.Code
	if setup != "" {
		body = setup + "\n" + sc.Code
	}
	// Put the scenario's code on its .tpl lines so positions in messages point there;
	// the setup then sits on the lines before it.
	first := 1
	if line > 0 {
		first = max(line-strings.Count(setup+"\n", "\n")*boolInt(setup != ""), 1)
	}
	h.testsName = prog.Name + " (___TESTS___)"
	code, err := sandbox.CompileSource(h.testsName, body, first)
	if err != nil {
		res.Error = "compile test code: " + err.Error()
		return res
	}

	end := vu.Begin(ctx, ex)
	defer end()
	h.installGlobals(ex)

	err = vu.Enter(func() error {
		fnV, err := vu.Runtime().RunProgram(code)
		if err != nil {
			return err
		}
		fn, ok := goja.AssertFunction(fnV)
		if !ok {
			return errors.New("test code did not compile to a function")
		}
		// Some published tests read data.x in their own code; GTM evidently gives them an
		// object there, so they get an empty one.
		_, err = fn(goja.Undefined(), vu.Runtime().NewObject())
		return err
	})
	if h.failure != "" {
		res.Error = h.failure
		return res
	}
	if err != nil {
		res.Error = describe(err, o.ScenarioTimeout)
		return res
	}
	// Let callLater tasks, promise callbacks and pending API work run: their assertions
	// count.
	lerr := vu.RunLoop(nil)
	switch {
	case h.failure != "":
		res.Error = h.failure
	case lerr != nil:
		res.Error = describe(lerr, o.ScenarioTimeout)
	case callbackError(ex) != nil:
		res.Error = describe(callbackError(ex), o.ScenarioTimeout) + " (in a callback)"
	}
	return res
}

// exceptionText is the thrown value and the innermost JS source position.
func exceptionText(ex *goja.Exception) string {
	msg := "undefined"
	if v := ex.Value(); v != nil {
		msg = v.String()
	}
	for _, f := range ex.Stack() {
		if p := f.Position(); p.Filename != "" && p.Line > 0 {
			return fmt.Sprintf("%s (at %s:%d)", msg, p.Filename, p.Line)
		}
	}
	return msg
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// callbackError is an exception thrown by work the event loop ran (callLater, API
// callbacks). The execution also records gtmOnFailure's reason, which is no error here.
func callbackError(ex *sandbox.Execution) error {
	var gex *goja.Exception
	if err := ex.Err(); errors.As(err, &gex) || errors.Is(err, sandbox.ErrCPUBudget) || errors.Is(err, sandbox.ErrDeadline) {
		return err
	}
	return nil
}

// describe renders an error ending a scenario, naming timeouts as such.
func describe(err error, limit time.Duration) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, sandbox.ErrDeadline):
		return fmt.Sprintf("timeout: the scenario did not finish within %v", limit)
	case errors.Is(err, sandbox.ErrCPUBudget):
		return fmt.Sprintf("timeout: %v", err)
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return "uncaught exception: " + exceptionText(ex)
	}
	return err.Error()
}

// installGlobals puts the GTM test API on the runtime's global object.
func (h *harness) installGlobals(ex *sandbox.Execution) {
	g := h.rt.GlobalObject()
	set := func(name string, f func(goja.FunctionCall) goja.Value) {
		_ = g.Set(name, f)
	}
	set("runCode", func(c goja.FunctionCall) goja.Value { return h.runCode(ex, c.Argument(0)) })
	set("mock", func(c goja.FunctionCall) goja.Value {
		h.mocks[c.Argument(0).String()] = mockEntry{value: c.Argument(1)}
		return goja.Undefined()
	})
	set("mockObject", func(c goja.FunctionCall) goja.Value {
		h.mocks[c.Argument(0).String()] = mockEntry{value: c.Argument(1), object: true}
		return goja.Undefined()
	})
	set("assertApi", h.assertApi)
	set("assertThat", h.assertThat)
	set("fail", h.failFn)
}

// runCode(data) runs the template with data (plus gtmOnSuccess/gtmOnFailure for tags)
// and returns what it returned for variables; the template's exceptions propagate.
func (h *harness) runCode(ex *sandbox.Execution, data goja.Value) goja.Value {
	fn, err := h.vu.TemplateFunc(h.prog)
	if err != nil {
		h.rethrow(err)
	}
	// Each runCode is a fresh client body: it may claim until it returns; its callbacks
	// then get GTM's "claim after return" error.
	client := kindOf(h.prog.Template) == templates.KindClient
	if client {
		ex.Locals[api.LocalClientReturned] = false
	}
	ret, err := fn(goja.Undefined(), h.buildData(ex, data))
	if client {
		ex.Locals[api.LocalClientReturned] = true
	}
	if err != nil {
		h.rethrow(err)
	}
	if ret == nil {
		return goja.Undefined()
	}
	// Variables return their value; tags may return a promise that tests chain on.
	return ret
}

// buildData copies the test's data object (keeping keys whose value is undefined, which
// templates can tell apart from absent ones) and adds the sandbox's gtmOnSuccess and
// gtmOnFailure for tags.
func (h *harness) buildData(ex *sandbox.Execution, data goja.Value) goja.Value {
	ex.Data = nil
	base := h.vu.BuildData(ex)
	obj, ok := h.copyJS(data, 0).(*goja.Object)
	if !ok {
		return base
	}
	for _, k := range base.Keys() {
		_ = obj.Set(k, base.Get(k))
	}
	return obj
}

// copyJS deep-copies plain objects and arrays; everything else (functions included) is
// shared, as GTM hands the template the test's functions.
func (h *harness) copyJS(v goja.Value, depth int) goja.Value {
	obj, ok := v.(*goja.Object)
	if !ok || depth > maxDepth {
		return v
	}
	if _, isFn := goja.AssertFunction(obj); isFn {
		return v
	}
	switch obj.ClassName() {
	case "Array":
		n := int(obj.Get("length").ToInteger())
		vals := make([]any, n)
		for i := 0; i < n; i++ {
			vals[i] = h.copyJS(obj.Get(strconv.Itoa(i)), depth+1)
		}
		return h.rt.NewArray(vals...)
	case "Object":
		out := h.rt.NewObject()
		for _, k := range obj.Keys() {
			_ = out.Set(k, h.copyJS(obj.Get(k), depth+1))
		}
		return out
	}
	return v
}
