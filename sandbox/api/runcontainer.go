package api

import (
	"fmt"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

// localBoundEC is the Execution.Locals key holding the event a bindToEvent-wrapped
// function is running for; event-scoped APIs (addEventCallback) read it before ex.EC.
const localBoundEC = "tagd.boundEC"

// LocalDetachedEvent is the Execution.Locals key that, when true, says the execution's
// event context never completes (the template test harness builds one that no container
// runs). Event-scoped APIs then do not keep the execution alive waiting for the event's
// end: addEventCallback callbacks are not called and a tag's message listeners only hear
// messages sent while it still runs.
const LocalDetachedEvent = "tagd.detachedEvent"

func detached(ex *sandbox.Execution) bool {
	d, _ := ex.Locals[LocalDetachedEvent].(bool)
	return d
}

func init() {
	sandbox.RegisterPermission("run_container", presence)
	register("runContainer", "run_container", runContainer)
}

// runContainer runs an event through the container on its own goroutine. The template's
// event loop stays alive (through reserved callback slots) until the run has finished;
// onStart and onComplete run on the loop while the run waits for them, so they see the
// event before tags fire and after all of them finished, as in sGTM.
func runContainer(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	vu.MustCheck("runContainer", "run_container")
	ex := vu.Exec()
	x := ex.Exchange()
	if x == nil {
		vu.Throwf("runContainer: there is no request to run the container for")
	}
	ev, ok := sandbox.FromJS(c.Argument(0)).(map[string]any)
	if !ok {
		vu.Throwf("runContainer: the event must be an object, not %s", TypeOf(c.Argument(0)))
	}
	if x.ClaimedBy() == "" {
		vu.Throw(runtime.ErrNotClaimed)
	}
	onComplete, _ := goja.AssertFunction(c.Argument(1))
	onStart, _ := goja.AssertFunction(c.Argument(2))

	ctx := vu.Context()
	// Every slot must be used exactly once: unused hook slots are released after the run.
	var startSlot, completeSlot func(func())
	if onStart != nil {
		startSlot = vu.Register()
	}
	if onComplete != nil {
		completeSlot = vu.Register()
	}
	final := vu.Register()
	// Messages sent to this template's listeners are delivered while events run.
	p := messagePump(vu)
	p.acquire()

	hook := func(slot func(func()), cb goja.Callable) func(*runtime.EventContext) {
		if cb == nil {
			return nil
		}
		return func(ec *runtime.EventContext) {
			done := make(chan struct{})
			slot(func() {
				defer close(done)
				markBodyReturned(vu)
				vu.RunTask(func() error {
					_, err := cb(goja.Undefined(), bindToEvent(vu, ec))
					return err
				})
			})
			// If the execution ended first the work is dropped; ctx ends with it.
			select {
			case <-done:
			case <-ctx.Done():
			}
		}
	}
	hooks := runtime.RunHooks{OnStart: hook(startSlot, onStart), OnComplete: hook(completeSlot, onComplete)}
	go func() {
		_, err := x.RunContainer(ctx, runtime.Event(ev), hooks)
		if startSlot != nil {
			startSlot(nil)
		}
		if completeSlot != nil {
			completeSlot(nil)
		}
		final(func() {
			markBodyReturned(vu)
			p.release()
			if err != nil {
				vu.RunTask(func() error { return fmt.Errorf("runContainer: %w", err) })
			}
		})
	}()
	return undef
}

// bindToEvent returns the JS function runContainer hands to onStart/onComplete: it wraps
// a function so that, while it runs, event-scoped APIs act on ec.
func bindToEvent(vu *sandbox.VU, ec *runtime.EventContext) goja.Value {
	rt := vu.Runtime()
	return rt.ToValue(func(c goja.FunctionCall) goja.Value {
		f, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			vu.Throwf("bindToEvent: the argument must be a function, not %s", TypeOf(c.Argument(0)))
		}
		return rt.ToValue(func(call goja.FunctionCall) goja.Value {
			ex := vu.Exec()
			if ex.Locals == nil {
				ex.Locals = map[string]any{}
			}
			prev, had := ex.Locals[localBoundEC]
			ex.Locals[localBoundEC] = ec
			defer func() {
				if had {
					ex.Locals[localBoundEC] = prev
				} else {
					delete(ex.Locals, localBoundEC)
				}
			}()
			v, err := f(call.This, call.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		})
	})
}

// currentEC is the event an event-scoped API acts on: the bound one, else the execution's.
func currentEC(ex *sandbox.Execution) (*runtime.EventContext, bool) {
	if ec, ok := ex.Locals[localBoundEC].(*runtime.EventContext); ok && ec != nil {
		return ec, true
	}
	return ex.EC, false
}
