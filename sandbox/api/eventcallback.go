package api

import (
	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

func init() {
	sandbox.RegisterPermission("read_event_metadata", presence)
	register("addEventCallback", "read_event_metadata", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("addEventCallback", "read_event_metadata")
		cb, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			vu.Throwf("addEventCallback: the argument must be a function, not %s", TypeOf(c.Argument(0)))
		}
		ex := vu.Exec()
		ec, bound := currentEC(ex)
		if ec == nil {
			vu.Throwf("addEventCallback: not running for an event; in a client, bind it to one with runContainer's bindToEvent")
		}
		// A variable is evaluated before the event's tags fire and its execution cannot
		// outlive them without stalling the event, so its callbacks would never run.
		if ex.Kind() == templates.KindMacro && !bound {
			vu.Logger().Warn("addEventCallback in a variable template is not supported; callback ignored", "template", ex.Program.Name, "name", ex.Name)
			return undef
		}
		if detached(ex) && !bound {
			return undef
		}
		// The reserved slot keeps this execution's loop alive until the event has ended.
		enqueue := vu.Register()
		rt := vu.Runtime()
		ec.AddEventCallback(func(containerID string, eventData map[string]any) {
			enqueue(func() {
				markBodyReturned(vu)
				vu.RunTask(func() error {
					_, err := cb(goja.Undefined(), rt.ToValue(containerID), vu.ToJS(eventData))
					return err
				})
			})
		})
		return undef
	})
}
