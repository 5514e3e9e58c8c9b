package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"golang.org/x/net/publicsuffix"
)

func init() {
	sandbox.RegisterPermission("set_cookies", newSetCookies)
	register("setCookie", "set_cookies", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		name := jsString(c.Argument(0))
		opts, _ := sandbox.FromJS(c.Argument(2)).(map[string]any)
		if opts == nil {
			opts = map[string]any{}
		}
		vu.MustCheck("setCookie", "set_cookies", name, opts)
		value := ""
		if !isNullish(c.Argument(1)) {
			value = jsString(c.Argument(1))
		}
		line, err := CookieHeader(name, value, opts, c.Argument(3).ToBoolean(), request(vu))
		if err != nil {
			vu.Throwf("setCookie: %v", err)
		}
		if resp := response(vu); resp != nil {
			resp.AddHeader("Set-Cookie", line)
		}
		return undef
	})
}

// cookieOpt returns an option by case-insensitive key: templates spell the same option
// samesite, sameSite and SameSite.
func cookieOpt(opts map[string]any, key string) (any, bool) {
	if v, ok := opts[key]; ok {
		return v, v != nil
	}
	for k, v := range opts {
		if strings.EqualFold(k, key) {
			return v, v != nil
		}
	}
	return nil, false
}

func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case float64:
		return t != 0 && !math.IsNaN(t)
	case int64:
		return t != 0
	}
	return true
}

// CookieHeader renders one Set-Cookie value for setCookie. The value is URI-component
// encoded unless noEncode. Domain "auto" becomes the eTLD+1 of the request host (which
// the runtime already took from Forwarded headers of trusted proxies), else the
// fallbackDomain option, else no Domain (a host-only cookie). max-age wins over expires.
func CookieHeader(name, value string, opts map[string]any, noEncode bool, r *runtime.Request) (string, error) {
	if !validHeaderName(name) {
		return "", fmt.Errorf("%q is not a valid cookie name", name)
	}
	if noEncode {
		if strings.ContainsAny(value, ";\r\n\x00") {
			return "", fmt.Errorf("the value of cookie %q contains ';' or a control character; leave noEncode off to encode it", name)
		}
	} else {
		value = encodeURI(value, uriComponentSafe)
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(value)
	attr := func(k, v string) error {
		if strings.ContainsAny(v, ";\r\n\x00") {
			return fmt.Errorf("cookie %q: option %s contains ';' or a control character", name, strings.ToLower(k))
		}
		b.WriteString("; ")
		b.WriteString(k)
		if v != "" {
			b.WriteByte('=')
			b.WriteString(v)
		}
		return nil
	}
	if d, ok := cookieOpt(opts, "domain"); ok {
		domain := runtime.Stringify(d)
		if strings.EqualFold(domain, "auto") {
			domain = autoDomain(r)
			if domain == "" {
				if fb, ok := cookieOpt(opts, "fallbackDomain"); ok {
					domain = runtime.Stringify(fb)
				}
			}
		}
		if domain != "" && !strings.EqualFold(domain, "none") {
			if err := attr("Domain", domain); err != nil {
				return "", err
			}
		}
	}
	if p, ok := cookieOpt(opts, "path"); ok {
		if err := attr("Path", runtime.Stringify(p)); err != nil {
			return "", err
		}
	}
	if ma, ok := cookieOpt(opts, "max-age"); ok {
		n, ok := runtime.ToNumber(ma)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
			return "", fmt.Errorf("cookie %q: max-age %q is not a number", name, runtime.Stringify(ma))
		}
		_ = attr("Max-Age", strconv.FormatInt(int64(math.Floor(n)), 10))
	} else if e, ok := cookieOpt(opts, "expires"); ok {
		exp := runtime.Stringify(e)
		if n, ok := e.(float64); ok {
			// A number is epoch milliseconds (what getTimestampMillis returns).
			exp = time.UnixMilli(int64(n)).UTC().Format(http.TimeFormat)
		}
		if err := attr("Expires", exp); err != nil {
			return "", err
		}
	}
	if v, ok := cookieOpt(opts, "secure"); ok && truthy(v) {
		_ = attr("Secure", "")
	}
	if v, ok := cookieOpt(opts, "httpOnly"); ok && truthy(v) {
		_ = attr("HttpOnly", "")
	}
	if v, ok := cookieOpt(opts, "sameSite"); ok {
		switch s := strings.ToLower(runtime.Stringify(v)); s {
		case "strict", "lax", "none":
			_ = attr("SameSite", strings.ToUpper(s[:1])+s[1:])
		default:
			return "", fmt.Errorf("cookie %q: sameSite %q is not strict, lax or none", name, s)
		}
	}
	return b.String(), nil
}

// autoDomain is the registrable domain (eTLD+1) of the request host, or "" for IPs,
// single-label hosts and public suffixes.
func autoDomain(r *runtime.Request) string {
	if r == nil {
		return ""
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return etldPlusOne(host)
}

// etldPlusOne is the Public-Suffix-List eTLD+1 of a host name, or "".
func etldPlusOne(host string) string {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil || strings.ContainsAny(host, " /\\@:?#%") {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return ""
	}
	return d
}

// set_cookies: allowedCookies [{name, domain, path, secure, session}]. name is exact, "*"
// or a prefix ending in "*"; domain and path are "*" or exact (a leading dot on domains is
// ignored); secure is any | secure | non_secure; session is any | session | non_session.
// An option the call leaves out does not narrow the match (queryPermission is often asked
// with the name alone) [inf]. Arguments: (name, options?).
func newSetCookies(p map[string]any) (sandbox.Checker, error) {
	type rule struct{ name, domain, path, secure, session string }
	var rules []rule
	for i, it := range sandbox.ParamList(p, "allowedCookies") {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("allowedCookies item %d is not a map", i+1)
		}
		get := func(k string) string {
			s, _ := m[k].(string)
			if s == "" {
				return "any"
			}
			return s
		}
		r := rule{name: get("name"), domain: get("domain"), path: get("path"), secure: get("secure"), session: get("session")}
		if r.name == "any" {
			r.name = "*"
		}
		rules = append(rules, r)
	}
	wild := func(pat, v string) bool { return pat == "*" || pat == "any" || pat == v }
	return func(args ...any) error {
		name, _ := firstString(args)
		var opts map[string]any
		if len(args) > 1 {
			opts, _ = args[1].(map[string]any)
		}
		for _, r := range rules {
			if !(r.name == "*" || r.name == name || strings.HasSuffix(r.name, "*") && strings.HasPrefix(name, strings.TrimSuffix(r.name, "*"))) {
				continue
			}
			if d, ok := cookieOpt(opts, "domain"); ok {
				want := strings.TrimPrefix(strings.ToLower(r.domain), ".")
				got := strings.TrimPrefix(strings.ToLower(runtime.Stringify(d)), ".")
				if !wild(want, got) {
					continue
				}
			}
			if v, ok := cookieOpt(opts, "path"); ok && !wild(r.path, runtime.Stringify(v)) {
				continue
			}
			if opts != nil {
				sec, _ := cookieOpt(opts, "secure")
				if r.secure == "secure" && !truthy(sec) || r.secure == "non_secure" && truthy(sec) {
					continue
				}
				_, hasMax := cookieOpt(opts, "max-age")
				_, hasExp := cookieOpt(opts, "expires")
				persistent := hasMax || hasExp
				if r.session == "session" && persistent || r.session == "non_session" && !persistent {
					continue
				}
			}
			return nil
		}
		return fmt.Errorf("cookie %q with these options is not among the allowed cookies", name)
	}, nil
}
