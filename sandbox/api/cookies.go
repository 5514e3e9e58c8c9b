package api

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	sandbox.RegisterPermission("get_cookies", func(p map[string]any) (sandbox.Checker, error) {
		if sandbox.ParamString(p, "cookieAccess") == "any" {
			return func(...any) error { return nil }, nil
		}
		names := sandbox.ParamStrings(p, "cookieNames", "")
		return func(args ...any) error {
			name, _ := firstString(args)
			for _, n := range names {
				if n == name || n == "*" || strings.HasSuffix(n, "*") && strings.HasPrefix(name, strings.TrimSuffix(n, "*")) {
					return nil
				}
			}
			return fmt.Errorf("cookie %q is not among the allowed cookies %v", name, names)
		}, nil
	})
	register("getCookieValues", "get_cookies", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		name := jsString(c.Argument(0))
		vu.MustCheck("getCookieValues", "get_cookies", name)
		noDecode := c.Argument(1).ToBoolean()
		out := []any{}
		if r := request(vu); r != nil {
			for _, v := range r.Cookies(name) {
				if !noDecode {
					if d, err := url.QueryUnescape(strings.ReplaceAll(v, "+", "%2B")); err == nil {
						v = d
					}
				}
				out = append(out, v)
			}
		}
		return vu.ToJS(out)
	})
}
