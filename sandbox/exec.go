package sandbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/templates"
)

// Pool hands out runtimes for one container generation. Runtimes are reused after clean
// runs and discarded after an interrupt, a stack overflow or a Go panic.
//
// The free list is a stack, so the most recently used runtimes are reused first and the
// ones a burst created sink to the bottom; those are dropped once idle for IdleTimeout.
// Each runtime keeps about 250 KiB of heap (frozen built-ins, API objects, template
// functions), so keeping a burst's worth forever would cost RSS and GC marking time.
type Pool struct {
	limits Limits
	mu     sync.Mutex
	free   []*VU
	max    int
	idle   time.Duration
	closed bool
	// refs counts the container generations holding a shared pool (SharedPool); it is
	// guarded by sharedPools.mu. Zero for a pool of NewPool.
	refs int
}

// sharedPools are the pools SharedPool hands out, one per set of limits.
var sharedPools = struct {
	mu    sync.Mutex
	pools map[Limits]*Pool
}{pools: map[Limits]*Pool{}}

// SharedPool returns the process's pool for these limits, shared by every container
// generation that uses them, so that a reload keeps the warm runtimes instead of creating
// new ones under load (a runtime costs about a millisecond to make and 170 KiB to keep).
// Runtimes keep no state between executions, whichever generation ran them. Each call must
// be paired with a Close.
func SharedPool(l Limits) *Pool {
	l = l.withDefaults()
	sharedPools.mu.Lock()
	defer sharedPools.mu.Unlock()
	if p := sharedPools.pools[l]; p != nil {
		p.refs++
		return p
	}
	p := NewPool(l)
	p.refs = 1
	sharedPools.pools[l] = p
	return p
}

// maxTemplateFuncs bounds the instantiated template functions a pooled runtime keeps.
const maxTemplateFuncs = 256

// DefaultIdleTimeout is how long a pooled runtime may stay unused before it is dropped.
const DefaultIdleTimeout = 10 * time.Second

// NewPool returns an empty pool; runtimes are created on demand.
func NewPool(l Limits) *Pool {
	return &Pool{limits: l.withDefaults(), max: 256, idle: DefaultIdleTimeout}
}

// Limits returns the pool's limits.
func (p *Pool) Limits() Limits { return p.limits }

// Get takes a runtime from the pool or creates one.
func (p *Pool) Get() *VU {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		vu := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return vu
	}
	p.mu.Unlock()
	return NewVU(p.limits)
}

// Put returns a runtime unless it is broken or the pool is full or closed.
func (p *Pool) Put(vu *VU) {
	if vu.broken {
		return
	}
	if len(vu.fns) > maxTemplateFuncs {
		// Reloads with changed templates leave functions of old versions behind.
		clear(vu.fns)
	}
	now := time.Now()
	vu.lastUsed = now
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free) >= p.max {
		return
	}
	p.free = append(p.free, vu)
	// Drop at most a couple of idle runtimes per Put: cheap, and enough to drain a burst.
	for i := 0; i < 2 && len(p.free) > 1 && now.Sub(p.free[0].lastUsed) > p.idle; i++ {
		p.free[0] = nil
		p.free = p.free[1:]
	}
}

// Prewarm makes runtimes until n wait in the pool, each with progs instantiated, so that
// the first requests after a start do not pay for them (a runtime takes about 0.2 ms to
// make and each template about as much to instantiate; at start-up that cost fell on the
// requests arriving at full rate and built a backlog). It stops early when the pool closes.
// Meant to run in the background; runtimes taken by requests meanwhile count against n.
func (p *Pool) Prewarm(n int, progs []*Program) {
	// At most n runtimes are made, so a pool that refuses them cannot keep this running.
	for range min(n, p.max) {
		p.mu.Lock()
		done := p.closed || len(p.free) >= n
		p.mu.Unlock()
		if done {
			return
		}
		vu := NewVU(p.limits)
		for _, pr := range progs {
			// A template that fails to instantiate fails again, with its error, when it runs.
			_, _ = vu.TemplateFunc(pr)
		}
		p.Put(vu)
	}
}

// Idle reports how many runtimes wait in the pool.
func (p *Pool) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

// Close drops the pooled runtimes; a shared pool only when its last user closes it.
func (p *Pool) Close() {
	sharedPools.mu.Lock()
	if p.refs > 0 {
		p.refs--
		if p.refs > 0 {
			// Another generation still uses this shared pool.
			sharedPools.mu.Unlock()
			return
		}
		delete(sharedPools.pools, p.limits)
	}
	sharedPools.mu.Unlock()
	p.mu.Lock()
	p.closed = true
	p.free = nil
	p.mu.Unlock()
}

// Run executes a template on a pooled runtime.
func (p *Pool) Run(ctx context.Context, ex *Execution) Result {
	vu := p.Get()
	res := vu.Execute(ctx, ex)
	p.Put(vu)
	return res
}

// Execute runs the template of ex with its data and waits as sGTM does: a tag until it
// signals and its pending work is done, a variable until its (promised) value is settled,
// a client until its event loop is idle.
func (vu *VU) Execute(ctx context.Context, ex *Execution) Result {
	end := vu.Begin(ctx, ex)
	defer end()
	fn, err := vu.TemplateFunc(ex.Program)
	if err != nil {
		return vu.finish(ex, nil, err)
	}
	data := vu.BuildData(ex)
	ret, err := vu.Call(fn, goja.Undefined(), data)
	if ex.Locals == nil {
		ex.Locals = map[string]any{}
	}
	ex.Locals[LocalClientReturned] = true
	return vu.settle(ex, ret, err)
}

// BuildData converts the execution's parameters into the template's `data` object, adding
// gtmOnSuccess/gtmOnFailure for tags.
func (vu *VU) BuildData(ex *Execution) *goja.Object {
	obj := vu.ToJS(ex.Data)
	data, ok := obj.(*goja.Object)
	if !ok {
		data = vu.rt.NewObject()
	}
	if ex.Program.Template.Info.Type == templates.KindTag {
		succ, fail := vu.tagCallbacks()
		if ex.Hooks != nil {
			succ = ex.Hooks.Callback(vu, "gtmOnSuccess", succ)
			fail = ex.Hooks.Callback(vu, "gtmOnFailure", fail)
		}
		_ = data.Set("gtmOnSuccess", succ)
		_ = data.Set("gtmOnFailure", fail)
	}
	return data
}

// tagCallbacks returns gtmOnSuccess and gtmOnFailure. They are made once per runtime and
// signal whichever execution is attached when they are called: a function object costs
// about a dozen allocations, and every tag execution needs both. They are sealed like API
// values, so a template cannot hang data on them for a later execution to find.
func (vu *VU) tagCallbacks() (succ, fail goja.Value) {
	if vu.gtmSuccess == nil {
		vu.gtmSuccess = vu.rt.ToValue(func(goja.FunctionCall) goja.Value {
			if ex := vu.ex; ex != nil {
				ex.Signal(runtime.Success, nil)
			}
			return goja.Undefined()
		})
		vu.gtmFailure = vu.rt.ToValue(func(c goja.FunctionCall) goja.Value {
			var err error
			if len(c.Arguments) > 0 && !goja.IsUndefined(c.Argument(0)) {
				err = errors.New(c.Argument(0).String())
			} else {
				err = errors.New("tag called gtmOnFailure")
			}
			if ex := vu.ex; ex != nil {
				ex.Signal(runtime.Failure, err)
			}
			return goja.Undefined()
		})
		vu.seal(vu.gtmSuccess)
		vu.seal(vu.gtmFailure)
	}
	return vu.gtmSuccess, vu.gtmFailure
}

// RunTask runs a Go task that calls into JS under the budget, recording a thrown error as
// the execution's failure if the tag has not signalled yet.
func (vu *VU) RunTask(f func() error) {
	err := vu.Enter(f)
	if err != nil && vu.ex != nil {
		vu.taskError(err)
	}
}

func (vu *VU) taskError(err error) {
	ex := vu.ex
	vu.Logger().Warn("template callback failed", "template", vu.programName(), "name", ex.Name, "error", err)
	if ex.Program.Template.Info.Type == templates.KindTag && !ex.signaled {
		status := runtime.Exception
		if errors.Is(err, ErrCPUBudget) || errors.Is(err, ErrDeadline) {
			status = runtime.Timeout
		}
		ex.Signal(status, err)
	}
	if ex.err == nil {
		ex.err = err
	}
}

func (vu *VU) settle(ex *Execution, ret goja.Value, err error) Result {
	kind := ex.Program.Template.Info.Type
	if err != nil {
		// A client that threw may already have started runContainer calls: let them finish
		// (their callbacks still run) before ending, or they would wait for the deadline.
		if kind == templates.KindClient && !vu.broken {
			_ = vu.RunLoop(nil)
		}
		return vu.finish(ex, nil, err)
	}
	switch kind {
	case templates.KindMacro:
		if th, ok := vu.thenable(ret); ok {
			return vu.awaitThenable(ex, ret.(*goja.Object), th)
		}
		if p, ok := ret.Export().(*goja.Promise); ok {
			lerr := vu.RunLoop(func() bool { return p.State() != goja.PromiseStatePending })
			switch p.State() {
			case goja.PromiseStateFulfilled:
				return vu.finish(ex, p.Result(), nil)
			case goja.PromiseStateRejected:
				return vu.finish(ex, nil, fmt.Errorf("variable promise rejected: %s", p.Result().String()))
			default:
				if lerr == nil {
					lerr = errors.New("variable promise never settled")
				}
				return vu.finish(ex, nil, lerr)
			}
		}
		if err := vu.RunLoop(nil); err != nil {
			return vu.finish(ex, ret, err)
		}
		return vu.finish(ex, ret, nil)
	default:
		err := vu.RunLoop(nil)
		return vu.finish(ex, nil, err)
	}
}

func (vu *VU) finish(ex *Execution, val goja.Value, err error) Result {
	kind := ex.Program.Template.Info.Type
	if err != nil && ex.err == nil {
		ex.err = err
	}
	switch kind {
	case templates.KindTag:
		if !ex.signaled {
			switch {
			case err == nil && ex.err == nil:
				ex.Signal(runtime.Timeout, errors.New("tag finished without calling gtmOnSuccess or gtmOnFailure"))
			case errors.Is(err, ErrCPUBudget), errors.Is(err, ErrDeadline), errors.Is(err, context.DeadlineExceeded):
				ex.Signal(runtime.Timeout, err)
			default:
				e := err
				if e == nil {
					e = ex.err
				}
				ex.Signal(runtime.Exception, e)
			}
		}
		return Result{Status: ex.status, Err: ex.err}
	default:
		r := Result{Err: ex.err}
		if val != nil && ex.err == nil {
			r.Value = FromJS(val)
		}
		return r
	}
}

// thenable reports whether v is a non-native promise-like object (the sandbox's own
// Promise, or a test's hand-made {then: ...}).
func (vu *VU) thenable(v goja.Value) (goja.Callable, bool) {
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	if _, native := obj.Export().(*goja.Promise); native {
		return nil, false
	}
	return goja.AssertFunction(obj.Get("then"))
}

// awaitThenable waits for a promise-like value to settle and finishes with its outcome.
func (vu *VU) awaitThenable(ex *Execution, obj *goja.Object, then goja.Callable) Result {
	var settled, rejected bool
	var val goja.Value
	onF := vu.rt.ToValue(func(c goja.FunctionCall) goja.Value {
		if !settled {
			settled, val = true, c.Argument(0)
		}
		return goja.Undefined()
	})
	onR := vu.rt.ToValue(func(c goja.FunctionCall) goja.Value {
		if !settled {
			settled, rejected, val = true, true, c.Argument(0)
		}
		return goja.Undefined()
	})
	if _, err := vu.Call(then, obj, onF, onR); err != nil {
		return vu.finish(ex, nil, err)
	}
	lerr := vu.RunLoop(func() bool { return settled })
	switch {
	case settled && rejected:
		return vu.finish(ex, nil, fmt.Errorf("variable promise rejected: %s", val.String()))
	case settled:
		// The value itself may be a native promise (adopted later): settle that too.
		if p, ok := val.Export().(*goja.Promise); ok {
			lerr = vu.RunLoop(func() bool { return p.State() != goja.PromiseStatePending })
			if p.State() == goja.PromiseStateFulfilled {
				return vu.finish(ex, p.Result(), nil)
			}
			if p.State() == goja.PromiseStateRejected {
				return vu.finish(ex, nil, fmt.Errorf("variable promise rejected: %s", p.Result().String()))
			}
		} else {
			return vu.finish(ex, val, nil)
		}
	}
	if lerr == nil {
		lerr = errors.New("variable promise never settled")
	}
	return vu.finish(ex, nil, lerr)
}
