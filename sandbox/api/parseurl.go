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
	params := ParseQueryOrdered(u.RawQuery)
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

// ParseQueryOrdered decodes a query string like URLSearchParams does: in order, '+' as a
// space, and leniently — a malformed percent-escape stays as written instead of dropping
// the pair. Repeated names collect their values into an array.
func ParseQueryOrdered(q string) *sandbox.OrderedMap {
	m := &sandbox.OrderedMap{Values: map[string]any{}}
	for _, pair := range strings.Split(q, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = lenientUnescape(k), lenientUnescape(v)
		switch old := m.Values[k].(type) {
		case nil:
			m.Set(k, v)
		case string:
			m.Set(k, []any{old, v})
		case []any:
			m.Set(k, append(old, v))
		}
	}
	return m
}

func lenientUnescape(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}
