package api

import (
	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

// The request getters that complement getRequestHeader and getRemoteAddress (request.go).
// Each checks its read_request component before touching the request; outside a request
// (tests, CLI) they return undefined, or "" / {} where sGTM promises a string / object.

func init() {
	register("getRequestBody", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("getRequestBody", "read_request", "body")
		r := request(vu)
		if r == nil || len(r.Body) == 0 {
			return undef
		}
		return vu.Runtime().ToValue(string(r.Body))
	})
	register("getRequestPath", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("getRequestPath", "read_request", "path")
		r := request(vu)
		if r == nil {
			return undef
		}
		return vu.Runtime().ToValue(r.Path)
	})
	register("getRequestMethod", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("getRequestMethod", "read_request", "method")
		r := request(vu)
		if r == nil {
			return undef
		}
		return vu.Runtime().ToValue(r.Method)
	})
	register("getRequestQueryParameter", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		name := jsString(c.Argument(0))
		vu.MustCheck("getRequestQueryParameter", "read_request", "query", name)
		r := request(vu)
		if r == nil {
			return undef
		}
		v, ok := r.QueryParam(name)
		if !ok {
			return undef
		}
		return vu.Runtime().ToValue(v)
	})
	register("getRequestQueryParameters", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		// No parameter name: only queryParameterAccess "any" grants reading all of them.
		vu.MustCheck("getRequestQueryParameters", "read_request", "query")
		out := map[string]any{}
		if r := request(vu); r != nil {
			for k, vals := range r.QueryValues() {
				switch len(vals) {
				case 0:
				case 1:
					out[k] = vals[0]
				default:
					out[k] = append([]string(nil), vals...)
				}
			}
		}
		return vu.ToJS(out)
	})
	register("getRequestQueryString", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("getRequestQueryString", "read_request", "queryString")
		r := request(vu)
		if r == nil {
			return vu.Runtime().ToValue("")
		}
		return vu.Runtime().ToValue(r.RawQuery)
	})
}
