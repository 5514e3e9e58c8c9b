package api

import (
	"errors"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

// LocalClientReturned is the Execution.Locals key that is true once a client template's
// body has returned; claimRequest then fails as in sGTM (claims from callbacks are not
// supported). The callbacks of this package (runContainer hooks, event callbacks, message
// listeners) set it, since they only ever run after the body; callLater and HTTP
// callbacks need the sandbox core to set it when the body returns.
const LocalClientReturned = "tagd.clientReturned"

// markBodyReturned records that the template's body has returned: the caller is running
// from the event loop (loop goroutine only).
func markBodyReturned(vu *sandbox.VU) {
	ex := vu.Exec()
	if ex == nil {
		return
	}
	if ex.Locals == nil {
		ex.Locals = map[string]any{}
	}
	ex.Locals[LocalClientReturned] = true
}

var errClaimNotClient = errors.New("claimRequest can only be called from a client template")

func init() {
	register("claimRequest", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		ex := vu.Exec()
		if ex.Kind() != templates.KindClient {
			vu.Throw(errClaimNotClient)
		}
		x := ex.Exchange()
		if x == nil {
			vu.Throwf("claimRequest: there is no request to claim")
		}
		if done, _ := ex.Locals[LocalClientReturned].(bool); done {
			vu.Throw(runtime.ErrClaimLate)
		}
		if err := x.Claim(ex.Name); err != nil {
			vu.Throw(err)
		}
		return undef
	})
	register("getClientName", "read_container_data", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("getClientName", "read_container_data")
		ex := vu.Exec()
		name := ""
		if x := ex.Exchange(); x != nil {
			name = x.ClaimedBy()
		}
		// A client that has not claimed (yet) is still "the current client".
		if name == "" && ex.Kind() == templates.KindClient {
			name = ex.Name
		}
		return vu.Runtime().ToValue(name)
	})
}
