package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/templates"
)

// Limits bound what one execution may consume.
type Limits struct {
	CPUBudget           time.Duration // JS run time per execution
	MaxCallStack        int
	HTTPTimeout         time.Duration // default sendHttpRequest timeout
	MaxOutboundRequests int           // per execution
	MaxResponseBytes    int64
	MaxLogBytes         int // per logToConsole line
	MaxStringLength     int // longest string repeat/padStart/padEnd may build
}

// DefaultLimits are used for zero fields.
var DefaultLimits = Limits{
	CPUBudget:           500 * time.Millisecond,
	MaxCallStack:        256,
	HTTPTimeout:         15 * time.Second,
	MaxOutboundRequests: 50,
	MaxResponseBytes:    5 << 20,
	MaxLogBytes:         64 << 10,
	MaxStringLength:     16 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.CPUBudget > 0 {
		d.CPUBudget = l.CPUBudget
	}
	if l.MaxCallStack > 0 {
		d.MaxCallStack = l.MaxCallStack
	}
	if l.HTTPTimeout > 0 {
		d.HTTPTimeout = l.HTTPTimeout
	}
	if l.MaxOutboundRequests > 0 {
		d.MaxOutboundRequests = l.MaxOutboundRequests
	}
	if l.MaxResponseBytes > 0 {
		d.MaxResponseBytes = l.MaxResponseBytes
	}
	if l.MaxLogBytes > 0 {
		d.MaxLogBytes = l.MaxLogBytes
	}
	if l.MaxStringLength > 0 {
		d.MaxStringLength = l.MaxStringLength
	}
	return d
}

// Errors that end an execution.
var (
	ErrCPUBudget = errors.New("script exceeded its CPU budget and was stopped")
	ErrDeadline  = errors.New("execution deadline passed")
	ErrCallStack = errors.New("maximum call stack size exceeded")
)

// Hooks let the test framework intercept require() (mocks, call recording) and the
// gtmOnSuccess/gtmOnFailure callbacks. Production executions have none.
type Hooks interface {
	Require(vu *VU, name string, real func() goja.Value) goja.Value
	Callback(vu *VU, name string, fn goja.Value) goja.Value
}

// Execution is one run of a template.
type Execution struct {
	Program *Program
	Name    string         // instance name: tag, variable or client
	Data    map[string]any // parameters
	EC      *runtime.EventContext
	X       *runtime.Exchange
	Env     *runtime.Env
	Firing  *runtime.Firing
	Debug   bool
	Hooks   Hooks
	Logger  *slog.Logger

	signaled bool
	status   runtime.Outcome
	err      error
	outbound int
	Locals   map[string]any // per-execution state for APIs (e.g. Firestore cache)
	// PermissionWarning, when set (test runs only), receives permission denials instead
	// of them being thrown: sGTM's test environment does not enforce permissions.
	PermissionWarning func(err error)
}

// Kind is the template's type.
func (ex *Execution) Kind() templates.Kind { return ex.Program.Template.Info.Type }

// Exchange returns the request scope, from the event context if needed.
func (ex *Execution) Exchange() *runtime.Exchange {
	if ex.X != nil {
		return ex.X
	}
	if ex.EC != nil {
		return ex.EC.Exchange
	}
	return nil
}

// LocalBoundEC is the Execution.Locals key under which bindToEvent keeps the event a bound
// call runs for.
const LocalBoundEC = "tagd.boundEC"

// LocalClientReturned marks, in Execution.Locals, that the client body has returned.
const LocalClientReturned = "tagd.clientReturned"

// Event returns the event being processed, or nil. Inside a bindToEvent call it is the
// bound event.
func (ex *Execution) Event() runtime.Event {
	if ec, ok := ex.Locals[LocalBoundEC].(*runtime.EventContext); ok && ec != nil {
		return ec.Event
	}
	if ex.EC != nil {
		return ex.EC.Event
	}
	return nil
}

// Signal records gtmOnSuccess/gtmOnFailure; the first signal wins.
func (ex *Execution) Signal(status runtime.Outcome, err error) {
	if ex.signaled {
		return
	}
	ex.signaled, ex.status, ex.err = true, status, err
	if ex.Firing != nil {
		ex.Firing.Done(status, err)
	}
}

// Signaled reports whether the tag reported its outcome.
func (ex *Execution) Signaled() bool { return ex.signaled }

// Result is the outcome of Execute.
type Result struct {
	Status runtime.Outcome // tags
	Value  any             // variables: the returned (and awaited) value
	Err    error
}

// VU is one pooled goja runtime and the door from APIs to the current execution.
type VU struct {
	rt      *goja.Runtime
	limits  Limits
	ex      *Execution
	loop    *loop
	ctx     context.Context
	apis    map[string]goja.Value
	fns     map[[32]byte]goja.Callable
	natives map[string]*goja.Object
	// objectProto is Object.prototype, for objects ToJS builds without one (plain).
	objectProto *goja.Object
	// gtmSuccess and gtmFailure are the tag callbacks (tagCallbacks), made on first use.
	gtmSuccess, gtmFailure goja.Value
	depth                  int
	cpuLeft                time.Duration
	broken                 bool
	lastUsed               time.Time // when it last went back to its pool
	interErr               error
	mu                     sync.Mutex // guards interErr against the interrupt timers
}

// NewVU creates a hardened runtime.
func NewVU(l Limits) *VU {
	l = l.withDefaults()
	rt := goja.New()
	rt.SetParserOptions(parser.WithDisableSourceMaps)
	rt.SetMaxCallStackSize(l.MaxCallStack)
	rt.SetFieldNameMapper(goja.UncapFieldNameMapper())
	vu := &VU{rt: rt, limits: l, apis: map[string]goja.Value{}, fns: map[[32]byte]goja.Callable{}, natives: map[string]*goja.Object{}}
	vu.harden()
	return vu
}

// constructorPrograms remove the Function constructor that function prototypes reach
// (compiled once, like freezeProgram).
var constructorPrograms = sync.OnceValue(func() []*goja.Program {
	var out []*goja.Program
	for _, fn := range []string{"function(){}", "function*(){}", "async function(){}", "async () => {}"} {
		out = append(out, goja.MustCompile("harden.js", "Object.defineProperty(Object.getPrototypeOf("+fn+"), 'constructor', {value: undefined, writable: false, configurable: false})", false))
	}
	return out
})

// harden makes the runtime's globals unreachable from template code (it sees only
// require), removes the Function constructor reachable through function prototypes, and
// freezes the built-ins templates reach through literals, so template code reaches the host
// only through APIs and leaves nothing behind for the next execution.
//
// Globals are hidden by the program wrapper (shadowGlobals in program.go), not deleted:
// deleting a global materialises the lazily built constructor first, and those made up a
// third of a pooled runtime's memory. The code-evaluating ones are deleted as well, so they
// stay unusable even if some future API handed out the global object.
func (vu *VU) harden() {
	rt := vu.rt
	for _, p := range constructorPrograms() {
		_, _ = rt.RunProgram(p)
	}
	g := rt.GlobalObject()
	for _, name := range []string{"JSON", "Math", "Object", "Promise", "Array", "String", "Number", "Date", "RegExp", "Error", "TypeError", "Boolean"} {
		if o, ok := g.Get(name).(*goja.Object); ok {
			vu.natives[name] = o
		}
	}
	vu.cacheStringPatterns()
	vu.capStringBuilders(vu.limits.MaxStringLength)
	vu.freezeBuiltins()
	for _, name := range []string{"Function", "eval", "globalThis"} {
		_ = g.Delete(name)
	}
	_ = g.Set("require", vu.require)
}

// Native returns a built-in constructor/namespace captured before the globals were removed
// (APIs build JSON, Math, Object and Promise facades from them).
func (vu *VU) Native(name string) *goja.Object { return vu.natives[name] }

// Runtime returns the goja runtime. APIs may use it only on the runtime's goroutine.
func (vu *VU) Runtime() *goja.Runtime { return vu.rt }

// Exec returns the current execution.
func (vu *VU) Exec() *Execution { return vu.ex }

// Context returns the current execution's context.
func (vu *VU) Context() context.Context {
	if vu.ctx == nil {
		return context.Background()
	}
	return vu.ctx
}

// Limits returns the runtime's limits.
func (vu *VU) Limits() Limits { return vu.limits }

// Logger returns a logger for the current execution.
func (vu *VU) Logger() *slog.Logger {
	if vu.ex != nil && vu.ex.Logger != nil {
		return vu.ex.Logger
	}
	if vu.ex != nil && vu.ex.Env != nil && vu.ex.Env.Logger != nil {
		return vu.ex.Env.Logger
	}
	return slog.Default()
}

// Check evaluates the current template's permission for an API call.
func (vu *VU) Check(api, perm string, args ...any) error {
	if vu.ex == nil || vu.ex.Program == nil {
		return &PermissionError{API: api, Permission: perm}
	}
	err := vu.ex.Program.Perms.Check(api, perm, args...)
	if err != nil && vu.ex.PermissionWarning != nil {
		var pe *PermissionError
		if errors.As(err, &pe) {
			vu.ex.PermissionWarning(err)
			return nil
		}
	}
	return err
}

// MustCheck throws the permission error into JS.
func (vu *VU) MustCheck(api, perm string, args ...any) {
	if err := vu.Check(api, perm, args...); err != nil {
		vu.Throw(err)
	}
}

// Throw raises err as a JS exception (an Error whose message is err's text).
func (vu *VU) Throw(err error) {
	panic(vu.rt.NewGoError(err))
}

// Throwf is Throw with formatting.
func (vu *VU) Throwf(format string, args ...any) {
	vu.Throw(fmt.Errorf(format, args...))
}

// Register reserves an event-loop callback: the returned function must be called exactly
// once, from any goroutine, with the work to run on the runtime's goroutine.
func (vu *VU) Register() func(func()) {
	return vu.loop.register()
}

// CallLater queues fn to run after the current JS returns.
func (vu *VU) CallLater(fn func()) {
	vu.loop.later = append(vu.loop.later, fn)
}

// API returns the value of a registered API for this runtime (created once, then cached),
// or undefined with a warning for an unknown name.
func (vu *VU) API(name string) goja.Value {
	if v, ok := vu.apis[name]; ok {
		return v
	}
	a, ok := LookupAPI(name)
	if !ok {
		vu.Logger().Warn("require: unknown API", "api", name, "template", vu.programName())
		return goja.Undefined()
	}
	v := a.New(vu)
	vu.seal(v)
	vu.apis[name] = v
	return v
}

// seal freezes an API value and every object reachable through its own properties (the
// methods of an API object, a function's prototype object). API values live as long as
// the pooled runtime, so otherwise one template could hang data on, say, getType for a
// later execution of any template on the same runtime to read.
func (vu *VU) seal(v goja.Value) {
	obj := vu.natives["Object"]
	if obj == nil {
		return
	}
	freeze, ok1 := goja.AssertFunction(obj.Get("freeze"))
	names, ok2 := goja.AssertFunction(obj.Get("getOwnPropertyNames"))
	if !ok1 || !ok2 {
		return
	}
	seen := map[*goja.Object]bool{}
	var walk func(v goja.Value, depth int)
	walk = func(v goja.Value, depth int) {
		o, ok := v.(*goja.Object)
		if !ok || seen[o] || depth > 8 {
			return
		}
		seen[o] = true
		if _, err := freeze(goja.Undefined(), o); err != nil {
			return
		}
		keys, err := names(goja.Undefined(), o)
		if err != nil {
			return
		}
		for _, k := range FromJS(keys).([]any) {
			s, ok := k.(string)
			if !ok {
				continue
			}
			var pv goja.Value
			// A throwing getter must not panic here: skip that property.
			if vu.rt.Try(func() { pv = o.Get(s) }) == nil {
				walk(pv, depth+1)
			}
		}
	}
	walk(v, 0)
}

func (vu *VU) programName() string {
	if vu.ex != nil && vu.ex.Program != nil {
		return vu.ex.Program.Name
	}
	return ""
}

func (vu *VU) require(call goja.FunctionCall) goja.Value {
	name := call.Argument(0).String()
	if vu.ex != nil && vu.ex.Hooks != nil {
		return vu.ex.Hooks.Require(vu, name, func() goja.Value { return vu.API(name) })
	}
	return vu.API(name)
}

// Begin attaches an execution to the runtime.
func (vu *VU) Begin(ctx context.Context, ex *Execution) func() {
	vu.ex = ex
	vu.ctx = ctx
	vu.loop = newLoop()
	vu.cpuLeft = vu.limits.CPUBudget
	vu.rt.ClearInterrupt()
	vu.mu.Lock()
	vu.interErr = nil
	vu.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { vu.interrupt(ErrDeadline) })
	return func() {
		stop()
		vu.loop.close()
		vu.ex, vu.ctx = nil, nil
	}
}

func (vu *VU) interrupt(err error) {
	vu.mu.Lock()
	if vu.interErr == nil {
		vu.interErr = err
	}
	vu.mu.Unlock()
	vu.rt.Interrupt(err)
}

// Enter runs f (which calls into JS) under the CPU budget. Nested calls share the outer
// call's budget. A Go panic or an interrupt marks the runtime broken: it is then
// discarded instead of being pooled.
func (vu *VU) Enter(f func() error) (err error) {
	if vu.depth > 0 {
		return f()
	}
	if vu.cpuLeft <= 0 {
		return ErrCPUBudget
	}
	vu.depth++
	start := time.Now()
	t := time.AfterFunc(vu.cpuLeft, func() { vu.interrupt(ErrCPUBudget) })
	defer func() {
		t.Stop()
		vu.depth--
		vu.cpuLeft -= time.Since(start)
		if r := recover(); r != nil {
			vu.broken = true
			err = fmt.Errorf("internal error in sandbox: %v", r)
		}
		var ie *goja.InterruptedError
		if errors.As(err, &ie) {
			vu.broken = true
			vu.mu.Lock()
			if vu.interErr != nil {
				err = vu.interErr
			}
			vu.mu.Unlock()
		}
		var so *goja.StackOverflowError
		if errors.As(err, &so) {
			vu.broken = true
			err = ErrCallStack
		}
		reportInterrupt(err)
	}()
	return f()
}

// Call calls a JS function under Enter.
func (vu *VU) Call(fn goja.Callable, this goja.Value, args ...goja.Value) (goja.Value, error) {
	var ret goja.Value
	err := vu.Enter(func() error {
		var err error
		ret, err = fn(this, args...)
		return err
	})
	return ret, err
}

// Broken reports whether the runtime must be discarded.
func (vu *VU) Broken() bool { return vu.broken }

// TemplateFunc returns the template's function for this runtime (instantiated once).
func (vu *VU) TemplateFunc(p *Program) (goja.Callable, error) {
	if fn, ok := vu.fns[p.key]; ok {
		return fn, nil
	}
	v, err := vu.rt.RunProgram(p.prog)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name, err)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return nil, fmt.Errorf("%s: template did not compile to a function", p.Name)
	}
	vu.fns[p.key] = fn
	return fn, nil
}

// RunLoop drains the execution's event loop until it is idle, stop() is true, or the
// context ends.
func (vu *VU) RunLoop(stop func() bool) error {
	return vu.loop.run(vu.Context(), stop)
}

// LoopIdle reports whether nothing is queued or outstanding.
func (vu *VU) LoopIdle() bool { return vu.loop.idle() }

// CountOutbound counts one outbound request of the execution.
func (ex *Execution) CountOutbound() { ex.outbound++ }

// OutboundCount is the number of outbound requests so far.
func (ex *Execution) OutboundCount() int { return ex.outbound }
