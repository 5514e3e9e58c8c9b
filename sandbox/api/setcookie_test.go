package api

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
)

func TestCookieHeader(t *testing.T) {
	req := fxRequest("GET", "/", "")
	req.Host = "tag.shop.example.co.uk:8443"
	ipReq := fxRequest("GET", "/", "")
	ipReq.Host = "127.0.0.1:8080"
	tests := []struct {
		name     string
		cname    string
		value    string
		opts     map[string]any
		noEncode bool
		r        *runtime.Request
		want     string
	}{
		{"plain", "a", "b", nil, false, req, "a=b"},
		{"value encoded", "a", "x y;z=é", nil, false, req, "a=x%20y%3Bz%3D%C3%A9"},
		{"noEncode", "a", "x%20y", nil, true, req, "a=x%20y"},
		{"auto domain is eTLD+1", "a", "b", map[string]any{"domain": "auto"}, false, req, "a=b; Domain=example.co.uk"},
		{"auto on an IP uses the fallback", "a", "b", map[string]any{"domain": "AUTO", "fallbackDomain": "example.com"}, false, ipReq, "a=b; Domain=example.com"},
		{"auto on an IP without fallback is host-only", "a", "b", map[string]any{"domain": "auto"}, false, ipReq, "a=b"},
		{"auto without request", "a", "b", map[string]any{"domain": "auto"}, false, nil, "a=b"},
		{"explicit domain and path", "a", "b", map[string]any{"domain": ".example.com", "path": "/"}, false, req, "a=b; Domain=.example.com; Path=/"},
		{"max-age beats expires", "a", "b", map[string]any{"expires": "Thu, 01 Jan 2099 00:00:00 GMT", "max-age": 3600.7}, false, req, "a=b; Max-Age=3600"},
		{"max-age zero deletes", "a", "", map[string]any{"max-age": 0.0}, false, req, "a=; Max-Age=0"},
		{"max-age as text", "a", "b", map[string]any{"max-age": "60"}, false, req, "a=b; Max-Age=60"},
		{"expires string", "a", "b", map[string]any{"expires": "Thu, 01 Jan 2099 00:00:00 GMT"}, false, req, "a=b; Expires=Thu, 01 Jan 2099 00:00:00 GMT"},
		{"expires epoch ms", "a", "b", map[string]any{"expires": 0.0}, false, req, "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT"},
		{"flags with odd key case", "a", "b", map[string]any{"Secure": true, "HttpOnly": true, "samesite": "LAX"}, false, req, "a=b; Secure; HttpOnly; SameSite=Lax"},
		{"false flags", "a", "b", map[string]any{"secure": false, "httpOnly": false, "SameSite": "none"}, false, req, "a=b; SameSite=None"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CookieHeader(tc.cname, tc.value, tc.opts, tc.noEncode, tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCookieHeaderErrors(t *testing.T) {
	tests := []struct {
		name     string
		cname    string
		value    string
		opts     map[string]any
		noEncode bool
		frag     string
	}{
		{"empty name", "", "b", nil, false, "not a valid cookie name"},
		{"name with space", "a b", "b", nil, false, "not a valid cookie name"},
		{"raw value with semicolon", "a", "x;Domain=evil", nil, true, "contains ';'"},
		{"raw value with newline", "a", "x\r\nSet-Cookie: y", nil, true, "control character"},
		{"path injection", "a", "b", map[string]any{"path": "/; Domain=evil"}, false, "option path"},
		{"bad sameSite", "a", "b", map[string]any{"sameSite": "sometimes"}, false, "sameSite"},
		{"bad max-age", "a", "b", map[string]any{"max-age": "soon"}, false, "max-age"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CookieHeader(tc.cname, tc.value, tc.opts, tc.noEncode, nil)
			fxWantErr(t, err, tc.frag)
		})
	}
}

func TestSetCookiesChecker(t *testing.T) {
	rule := func(name, domain, path, secure, session string) map[string]any {
		return map[string]any{"name": name, "domain": domain, "path": path, "secure": secure, "session": session}
	}
	tests := []struct {
		name  string
		rules []any
		args  []any
		ok    bool
	}{
		{"exact name, any options", []any{rule("_fbp", "*", "*", "any", "any")}, []any{"_fbp", map[string]any{"domain": "auto", "secure": true}}, true},
		{"other name", []any{rule("_fbp", "*", "*", "any", "any")}, []any{"_fbc", map[string]any{}}, false},
		{"wildcard name", []any{rule("*", "*", "*", "any", "any")}, []any{"anything", map[string]any{}}, true},
		{"prefix name", []any{rule("_ga*", "*", "*", "any", "any")}, []any{"_ga_X", map[string]any{}}, true},
		{"name only (queryPermission)", []any{rule("a", "example.com", "/x", "secure", "non_session")}, []any{"a"}, true},
		{"secure required", []any{rule("a", "*", "*", "secure", "any")}, []any{"a", map[string]any{"secure": false}}, false},
		{"secure given", []any{rule("a", "*", "*", "secure", "any")}, []any{"a", map[string]any{"Secure": true}}, true},
		{"non_secure", []any{rule("a", "*", "*", "non_secure", "any")}, []any{"a", map[string]any{"secure": true}}, false},
		{"session only rejects persistent", []any{rule("a", "*", "*", "any", "session")}, []any{"a", map[string]any{"max-age": 10.0}}, false},
		{"non_session needs expiry", []any{rule("a", "*", "*", "any", "non_session")}, []any{"a", map[string]any{}}, false},
		{"non_session with expires", []any{rule("a", "*", "*", "any", "non_session")}, []any{"a", map[string]any{"expires": "x"}}, true},
		{"domain exact, leading dot ignored", []any{rule("a", "example.com", "*", "any", "any")}, []any{"a", map[string]any{"domain": ".Example.com"}}, true},
		{"domain mismatch", []any{rule("a", "example.com", "*", "any", "any")}, []any{"a", map[string]any{"domain": "evil.com"}}, false},
		{"path mismatch", []any{rule("a", "*", "/x", "any", "any")}, []any{"a", map[string]any{"path": "/"}}, false},
		{"second rule matches", []any{rule("a", "*", "/x", "any", "any"), rule("a", "*", "/", "any", "any")}, []any{"a", map[string]any{"path": "/"}}, true},
		{"no rules", nil, []any{"a"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newSetCookies(map[string]any{"allowedCookies": tc.rules})
			if err != nil {
				t.Fatal(err)
			}
			if got := c(tc.args...) == nil; got != tc.ok {
				t.Errorf("allowed = %v, want %v (%v)", got, tc.ok, c(tc.args...))
			}
		})
	}
	if _, err := newSetCookies(map[string]any{"allowedCookies": []any{"x"}}); err == nil {
		t.Error("want an error for a malformed allowedCookies item")
	}
}

func TestSetCookieAPI(t *testing.T) {
	perm := fxPerm{"set_cookies", map[string]any{"allowedCookies": []any{
		map[string]any{"name": "FPID", "domain": "*", "path": "*", "secure": "secure", "session": "any"},
		map[string]any{"name": "plain", "domain": "*", "path": "*", "secure": "any", "session": "any"},
	}}}
	x := runtime.NewExchange(fxRequest("GET", "/", ""), &runtime.Container{})
	res := fxEval(t, x, `
const setCookie = require('setCookie');
setCookie('FPID', 'a b', {domain: 'auto', path: '/', 'max-age': 400 * 86400, secure: true, httpOnly: true, samesite: 'lax'});
setCookie('plain', 'x%y', undefined, true);
return 'ok';`, perm)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	_, h, _ := x.Response().Snapshot()
	want := http.Header{"Set-Cookie": {
		"FPID=a%20b; Domain=example.co.uk; Path=/; Max-Age=34560000; Secure; HttpOnly; SameSite=Lax",
		"plain=x%y",
	}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}

	res = fxEval(t, x, `require('setCookie')('FPID', 'v', {secure: false});`, perm)
	fxWantErr(t, res.Err, "Permission denied", `cookie "FPID" with these options`)
	res = fxEval(t, x, `require('setCookie')('other', 'v');`, perm)
	fxWantErr(t, res.Err, "Permission denied")
	res = fxEval(t, x, `require('setCookie')('plain', 'v', {sameSite: 'bogus'});`, perm)
	fxWantErr(t, res.Err, "setCookie: ", "sameSite")
}

func FuzzCookieHeader(f *testing.F) {
	f.Add("name", "value", "auto", "/", "lax", "tag.example.com", false)
	f.Add("n", "v;\r\n", "x", "/;", "none", "1.2.3.4", true)
	f.Fuzz(func(t *testing.T, name, value, domain, path, sameSite, host string, noEncode bool) {
		r := fxRequest("GET", "/", "")
		r.Host = host
		got, err := CookieHeader(name, value, map[string]any{"domain": domain, "path": path, "sameSite": sameSite}, noEncode, r)
		if err != nil {
			return
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c == '\r' || c == '\n' || c == 0 {
				t.Fatalf("Set-Cookie %q contains a control character", got)
			}
		}
	})
}
