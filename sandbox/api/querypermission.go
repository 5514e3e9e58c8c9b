package api

import (
	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	register("queryPermission", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		id := jsString(c.Argument(0))
		args := make([]any, 0, len(c.Arguments))
		for _, a := range c.Arguments[min(1, len(c.Arguments)):] {
			args = append(args, sandbox.FromJS(a))
		}
		return vu.Runtime().ToValue(queryPermission(vu.Exec(), id, args))
	})
}

// queryPermission evaluates the template's own checker for id with the arguments the
// matching API would pass (§4.2 signatures). It never throws: a checker that trips over
// unexpected arguments counts as a denial.
func queryPermission(ex *sandbox.Execution, id string, args []any) (ok bool) {
	if ex == nil || ex.Program == nil {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return ex.Program.Perms.Check("queryPermission", id, args...) == nil
}
