package api

import (
	"net/url"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	register("parseUrl", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		s, ok := argString(c, 0)
		if !ok {
			return undef
		}
		m, ok := ParseURL(s)
		if !ok {
			return undef
		}
		return vu.ToJS(m)
	})
}

// ParseURL splits an absolute URL into the object sGTM's parseUrl returns.
func ParseURL(s string) (map[string]any, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return nil, false
	}
	params := map[string]any{}
	if q, err := url.ParseQuery(u.RawQuery); err == nil {
		for k, v := range q {
			if len(v) == 1 {
				params[k] = v[0]
			} else {
				vals := make([]any, len(v))
				for i, x := range v {
					vals[i] = x
				}
				params[k] = vals
			}
		}
	}
	pass, _ := u.User.Password()
	search := ""
	if u.RawQuery != "" {
		search = "?" + u.RawQuery
	}
	hash := ""
	if u.Fragment != "" {
		hash = "#" + u.EscapedFragment()
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	origin := u.Scheme + "://" + u.Host
	href := u.Scheme + "://"
	if u.User != nil {
		href += u.User.String() + "@"
	}
	href += u.Host + path + search + hash
	return map[string]any{
		"href":         href,
		"origin":       origin,
		"protocol":     u.Scheme + ":",
		"username":     u.User.Username(),
		"password":     pass,
		"host":         u.Host,
		"hostname":     u.Hostname(),
		"port":         u.Port(),
		"pathname":     path,
		"search":       search,
		"searchParams": params,
		"hash":         hash,
	}, true
}
