package tags

import (
	"context"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

// TemplateTag runs a TAG template in the sandbox.
type TemplateTag struct {
	Program *sandbox.Program
	Pool    *sandbox.Pool
}

// Fire runs the template for one firing; gtmOnSuccess/gtmOnFailure report through the
// firing as soon as the template calls them.
func (t *TemplateTag) Fire(ctx context.Context, f *runtime.Firing) {
	ec := f.EC
	ex := &sandbox.Execution{Program: t.Program, Name: f.Name(), Data: f.Data, EC: ec, Firing: f}
	if ec != nil {
		ex.X = ec.Exchange
		if ec.Container != nil {
			ex.Env = ec.Container.Env
		}
		if ec.Exchange != nil {
			ex.Debug = ec.Exchange.Preview
		}
	}
	res := t.Pool.Run(ctx, ex)
	f.Done(res.Status, res.Err)
}

// TemplateVariable runs a MACRO template; its return value (awaited if a promise) is the
// variable's value.
type TemplateVariable struct {
	Name    string
	Program *sandbox.Program
	Pool    *sandbox.Pool
	Params  map[string]any
}

// Value evaluates the variable for an event.
func (v *TemplateVariable) Value(ctx context.Context, ec *runtime.EventContext) (any, error) {
	ex := &sandbox.Execution{Program: v.Program, Name: v.Name, Data: ec.ResolveParams(ctx, v.Params), EC: ec, X: ec.Exchange}
	if ec.Container != nil {
		ex.Env = ec.Container.Env
	}
	if ec.Exchange != nil {
		ex.Debug = ec.Exchange.Preview
	}
	res := v.Pool.Run(ctx, ex)
	return res.Value, res.Err
}
