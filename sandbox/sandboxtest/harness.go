package sandboxtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

// harness is the state of one scenario: its runtime, mocks, recorded calls, the first
// failure and the collected logs. It implements sandbox.Hooks.
type harness struct {
	vu   *sandbox.VU
	rt   *goja.Runtime
	prog *sandbox.Program
	ex   *sandbox.Execution
	// testsName is the source name of the compiled setup+scenario code: require() called
	// from it gets the real API, since mocks replace APIs for the template only (a test
	// may wrap the real logToConsole inside its own mock of it).
	testsName string

	mocks map[string]mockEntry
	calls map[string][][]any
	stubs map[string]goja.Value

	// failure is the first assertion failure or fail() message. It is kept apart from
	// exceptions because a promise callback swallows the throw that carries it.
	failure string

	// apiErrors are exceptions thrown by real (un-mocked) APIs, kept because template code
	// often swallows them in a promise chain: a failing scenario cites them as a hint.
	apiErrors []apiError

	logMu sync.Mutex
	logs  []string
}

type mockEntry struct {
	value  goja.Value
	object bool // mockObject: require returns value itself
}

func newHarness(vu *sandbox.VU, prog *sandbox.Program) *harness {
	return &harness{
		vu:    vu,
		rt:    vu.Runtime(),
		prog:  prog,
		mocks: map[string]mockEntry{},
		calls: map[string][][]any{},
		stubs: map[string]goja.Value{},
	}
}

// newExecution builds the scenario's execution against an empty synthetic request and
// event, with outbound HTTP that never leaves the process, a fresh template storage and a
// console that writes into the scenario's logs.
func (h *harness) newExecution() *sandbox.Execution {
	env := &runtime.Env{
		ContainerID:     "GTM-TEST",
		Version:         "0",
		EnvironmentName: "test",
		Logger:          slog.New(&logHandler{h: h}),
		HTTP:            offline{},
		Storage:         runtime.NewTemplateStorage(0),
		Console: func(_ context.Context, l runtime.ConsoleLine) {
			h.log(l.Message)
		},
	}
	container := &runtime.Container{Env: env}
	req := &runtime.Request{Method: http.MethodGet, Path: "/", Query: url.Values{}, Header: http.Header{}}
	x := runtime.NewExchange(req, container)
	ec := runtime.NewEventContext(x, container, runtime.Event{})
	name := h.prog.Template.Info.DisplayName
	if name == "" {
		name = h.prog.Name
	}
	h.ex = &sandbox.Execution{
		Program: h.prog,
		Name:    name,
		EC:      ec,
		X:       x,
		Env:     env,
		Debug:   true, // GTM runs tests like a preview: debug-only logging is on
		Hooks:   h,
		Logger:  env.Logger,
		Locals:  map[string]any{"tagd.detachedEvent": true},
		// GTM's test environment does not enforce permissions of un-mocked APIs (published
		// suites call logToConsole with no permissions declared); report, don't throw.
		PermissionWarning: func(err error) {
			h.log("warning: " + err.Error() + " (serving would deny this call)")
		},
	}
	return h.ex
}

func (h *harness) log(line string) {
	h.logMu.Lock()
	h.logs = append(h.logs, line)
	h.logMu.Unlock()
}

func (h *harness) takeLogs() []string {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return append([]string(nil), h.logs...)
}

// fail records the first failure and throws it into JS so the scenario's code stops.
func (h *harness) fail(msg string) {
	if loc := h.location(); loc != "" {
		msg += " (at " + loc + ")"
	}
	if h.failure == "" {
		h.failure = msg
	}
	h.throw(msg)
}

// location is the innermost scenario/template source position on the JS stack.
func (h *harness) location() string {
	for _, f := range h.rt.CaptureCallStack(8, nil) {
		if p := f.Position(); p.Filename != "" && p.Line > 0 {
			return fmt.Sprintf("%s:%d", p.Filename, p.Line)
		}
	}
	return ""
}

// callerIsTest reports whether the innermost JS frame belongs to the test code.
func (h *harness) callerIsTest() bool {
	for _, f := range h.rt.CaptureCallStack(4, nil) {
		if p := f.Position(); p.Filename != "" {
			return p.Filename == h.testsName
		}
	}
	return false
}

// throw raises a plain JS Error (not a GoError) with msg.
func (h *harness) throw(msg string) {
	if ctor := h.vu.Native("Error"); ctor != nil {
		if e, err := h.rt.New(ctor, h.rt.ToValue(msg)); err == nil {
			panic(e)
		}
	}
	panic(h.rt.NewGoError(errors.New(msg)))
}

// rethrow turns an error returned by a nested JS call back into a JS exception.
func (h *harness) rethrow(err error) {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		panic(ex)
	}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		panic(ie)
	}
	panic(h.rt.NewGoError(err))
}

// Require implements sandbox.Hooks: require() from the template hands out a function
// that records every call and runs the mock installed when the template required the
// API, else the real API; mockObject()ed names return the object itself. (Binding at
// require time, not call time, is what published tests rely on: they re-mock an API in a
// loop while promise callbacks of earlier runCode calls are still pending.)
func (h *harness) Require(vu *sandbox.VU, name string, real func() goja.Value) goja.Value {
	if h.callerIsTest() {
		return h.realAPI(name, real)
	}
	m, mocked := h.mocks[name]
	if mocked && m.object {
		return m.value
	}
	if mocked {
		return h.rt.ToValue(func(c goja.FunctionCall) goja.Value {
			h.record(name, c.Arguments)
			if _, isFn := goja.AssertFunction(m.value); !isFn {
				return m.value // mock(name, value): the API returns value
			}
			return h.call(name, m.value, true, c)
		})
	}
	r := h.realAPI(name, real)
	if _, callable := goja.AssertFunction(r); !callable {
		// Objects (JSON, BigQuery, ...) and unknown names are handed out as they are;
		// their members are not top-level APIs, so their calls are not recorded.
		return r
	}
	return h.rt.ToValue(func(c goja.FunctionCall) goja.Value {
		h.record(name, c.Arguments)
		return h.call(name, r, false, c)
	})
}

// record keeps a deep copy of a call's arguments for assertApi.
func (h *harness) record(name string, args []goja.Value) {
	snap := make([]any, len(args))
	for i, a := range args {
		snap[i] = snapshot(a)
	}
	h.calls[name] = append(h.calls[name], snap)
}

func (h *harness) call(name string, target goja.Value, mocked bool, c goja.FunctionCall) goja.Value {
	fn, ok := goja.AssertFunction(target)
	if !ok {
		panic(h.rt.NewTypeError("%s is not a function", name))
	}
	ret, err := fn(c.This, c.Arguments...)
	if err != nil {
		if !mocked {
			h.noteAPIError(name, err)
		}
		h.rethrow(err)
	}
	return ret
}

func (h *harness) noteAPIError(name string, err error) {
	msg := err.Error()
	var ex *goja.Exception
	if errors.As(err, &ex) && ex.Value() != nil {
		msg = ex.Value().String()
	}
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "GoError: "), "Error: ")
	for _, e := range h.apiErrors {
		if e.msg == msg {
			return
		}
	}
	h.apiErrors = append(h.apiErrors, apiError{api: name, msg: msg})
}

type apiError struct{ api, msg string }

func (e apiError) String() string {
	if strings.HasPrefix(e.msg, e.api) {
		return e.msg
	}
	return e.api + ": " + e.msg
}

// realAPI returns the registered API, or for an sGTM API that tagd does not implement
// yet a stub that says so when called (so a test fails with a clear cause instead of
// "undefined is not a function").
func (h *harness) realAPI(name string, real func() goja.Value) goja.Value {
	if _, ok := sandbox.LookupAPI(name); ok {
		return real()
	}
	if s, ok := h.stubs[name]; ok {
		return s
	}
	members, known := serverAPIs[name]
	if !known {
		return real() // undefined, with the sandbox's warning
	}
	thrower := func(api string) goja.Value {
		return h.rt.ToValue(func(goja.FunctionCall) goja.Value {
			msg := fmt.Sprintf("%s: %v", api, ErrNotImplemented)
			h.noteAPIError(api, errors.New(msg))
			h.throw(msg)
			return nil
		})
	}
	var s goja.Value
	if len(members) == 0 {
		s = thrower(name)
	} else {
		o := h.rt.NewObject()
		for _, m := range members {
			_ = o.Set(m, thrower(name+"."+m))
		}
		s = o
	}
	h.stubs[name] = s
	return s
}

// ErrNotImplemented is thrown by sGTM APIs that tagd does not provide yet.
var ErrNotImplemented = errors.New("sGTM API not implemented by tagd")

// Callback implements sandbox.Hooks: gtmOnSuccess/gtmOnFailure are recorded like APIs.
func (h *harness) Callback(vu *sandbox.VU, name string, fn goja.Value) goja.Value {
	return h.rt.ToValue(func(c goja.FunctionCall) goja.Value {
		h.record(name, c.Arguments)
		return h.call(name, fn, true, c)
	})
}

// offline is the tests' outbound HTTP: every request fails as if the network were down,
// so un-mocked sendHttpRequest rejects with {reason: 'failed'}.
type offline struct{}

func (offline) Do(context.Context, *runtime.OutboundRequest) (*runtime.OutboundResponse, error) {
	return nil, fmt.Errorf("%w: tests have no network; mock the HTTP API", runtime.ErrOutboundFailed)
}

// logHandler turns the sandbox's log records (unknown APIs, failed callbacks) into
// scenario log lines.
type logHandler struct {
	h     *harness
	attrs []slog.Attr
}

func (l *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (l *logHandler) Handle(_ context.Context, r slog.Record) error {
	if l.h.isOwnFailure(r) {
		return nil // the scenario's error already says it
	}
	var b strings.Builder
	b.WriteString("[" + strings.ToLower(r.Level.String()) + "] " + r.Message)
	write := func(a slog.Attr) bool {
		if a.Key == "template" {
			return true // always the template under test
		}
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value.Any())
		return true
	}
	for _, a := range l.attrs {
		write(a)
	}
	r.Attrs(write)
	l.h.log(b.String())
	return nil
}

func (l *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{h: l.h, attrs: append(append([]slog.Attr(nil), l.attrs...), as...)}
}

func (l *logHandler) WithGroup(string) slog.Handler { return l }

// isOwnFailure reports whether a log record only repeats an assertion failure that a
// callback threw (the sandbox logs every exception of a callback).
func (h *harness) isOwnFailure(r slog.Record) bool {
	if h.failure == "" {
		return false
	}
	own := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" && strings.Contains(a.Value.String(), h.failure) {
			own = true
		}
		return !own
	})
	return own
}

// kindOf is the template kind, defaulting to TAG like GTM's editor.
func kindOf(t *templates.Template) templates.Kind {
	if t.Info.Type == "" {
		return templates.KindTag
	}
	return t.Info.Type
}
