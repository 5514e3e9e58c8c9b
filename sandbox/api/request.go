package api

import (
	"fmt"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	sandbox.RegisterPermission("read_request", newReadRequest)
	register("getRequestHeader", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		name := jsString(c.Argument(0))
		vu.MustCheck("getRequestHeader", "read_request", "header", name)
		r := request(vu)
		if r == nil {
			return undef
		}
		vals := r.Header.Values(name)
		if len(vals) == 0 {
			return undef
		}
		return vu.Runtime().ToValue(strings.Join(vals, ", "))
	})
	register("getRemoteAddress", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("getRemoteAddress", "read_request", "remoteAddress")
		r := request(vu)
		if r == nil {
			return undef
		}
		return vu.Runtime().ToValue(r.RemoteIP)
	})
}

// request returns the inbound request of the current execution, or nil (tests, CLI).
func request(vu *sandbox.VU) *runtime.Request {
	if x := vu.Exec().Exchange(); x != nil {
		return x.Request
	}
	return nil
}

// read_request: requestAccess any | specific with per-component booleans; headers and
// query parameters narrowed further by their own any|specific lists.
func newReadRequest(p map[string]any) (sandbox.Checker, error) {
	anyReq := sandbox.ParamString(p, "requestAccess") == "any"
	headerAny := sandbox.ParamString(p, "headerAccess") != "specific"
	headers := map[string]bool{}
	for _, h := range sandbox.ParamStrings(p, "headerWhitelist", "headerName") {
		headers[strings.ToLower(h)] = true
	}
	queryAny := sandbox.ParamString(p, "queryParameterAccess") != "specific"
	queries := map[string]bool{}
	for _, q := range sandbox.ParamStrings(p, "queryParameterWhitelist", "queryParameter") {
		queries[q] = true
	}
	allowed := func(flag string) bool { return anyReq || sandbox.ParamBool(p, flag) }
	return func(args ...any) error {
		// requestAccess "any" grants everything, whatever leftover narrowing keys say:
		// real templates ship "any" next to headerAccess "specific".
		if anyReq {
			return nil
		}
		if len(args) == 0 {
			return fmt.Errorf("no request component given")
		}
		comp, _ := args[0].(string)
		key := ""
		if len(args) > 1 {
			key, _ = args[1].(string)
		}
		switch comp {
		case "body":
			if allowed("bodyAllowed") {
				return nil
			}
		case "header", "headers":
			if !allowed("headersAllowed") {
				break
			}
			if headerAny || key == "" && headerAny || headers[strings.ToLower(key)] {
				return nil
			}
			return fmt.Errorf("header %q is not allowed", key)
		case "method":
			if allowed("methodAllowed") {
				return nil
			}
		case "path":
			if allowed("pathAllowed") {
				return nil
			}
		case "query", "queryParameter":
			if !allowed("queryParametersAllowed") {
				break
			}
			if queryAny || (key != "" && queries[key]) {
				return nil
			}
			return fmt.Errorf("query parameter %q is not allowed", key)
		case "queryString":
			if allowed("queryStringAllowed") {
				return nil
			}
		case "remoteAddress":
			if allowed("remoteAddressAllowed") {
				return nil
			}
		default:
			return fmt.Errorf("unknown request component %q", comp)
		}
		return fmt.Errorf("reading the request %s is not allowed", comp)
	}, nil
}
