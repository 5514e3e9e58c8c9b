package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
)

func TestRequestGetters(t *testing.T) {
	req := fxRequest("POST", "/g/collect?a=1&b=x%20y&a=2&empty=", "line one\nline two")
	x := runtime.NewExchange(req, &runtime.Container{})
	specific := func(flags ...string) fxPerm {
		p := map[string]any{"requestAccess": "specific"}
		for _, f := range flags {
			p[f] = true
		}
		return fxPerm{"read_request", p}
	}
	tests := []struct {
		name string
		code string
		perm fxPerm
		want any
	}{
		{"body", "return require('getRequestBody')();", specific("bodyAllowed"), "line one\nline two"},
		{"path", "return require('getRequestPath')();", specific("pathAllowed"), "/g/collect"},
		{"method", "return require('getRequestMethod')();", specific("methodAllowed"), "POST"},
		{"query string", "return require('getRequestQueryString')();", specific("queryStringAllowed"), "a=1&b=x%20y&a=2&empty="},
		{"query parameter decoded", "return require('getRequestQueryParameter')('b');", specific("queryParametersAllowed"), "x y"},
		{"repeated parameter gives the first", "return require('getRequestQueryParameter')('a');", specific("queryParametersAllowed"), "1"},
		{"empty parameter", "return require('getRequestQueryParameter')('empty');", specific("queryParametersAllowed"), ""},
		{"missing parameter", "return require('getRequestQueryParameter')('zz') === undefined;", specific("queryParametersAllowed"), true},
		{"whitelisted parameter", "return require('getRequestQueryParameter')('b');",
			fxPerm{"read_request", map[string]any{"requestAccess": "specific", "queryParametersAllowed": true, "queryParameterAccess": "specific",
				"queryParameterWhitelist": []any{map[string]any{"queryParameter": "b"}}}}, "x y"},
		{"all parameters", "return require('getRequestQueryParameters')();", specific("queryParametersAllowed"),
			map[string]any{"a": []any{"1", "2"}, "b": "x y", "empty": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := fxEval(t, x, tc.code, tc.perm)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if diff := cmp.Diff(tc.want, res.Value); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestGettersDenied(t *testing.T) {
	x := runtime.NewExchange(fxRequest("GET", "/p?a=1", ""), &runtime.Container{})
	onlyPath := fxPerm{"read_request", map[string]any{"requestAccess": "specific", "pathAllowed": true}}
	whitelistA := fxPerm{"read_request", map[string]any{"requestAccess": "specific", "queryParametersAllowed": true,
		"queryParameterAccess": "specific", "queryParameterWhitelist": []any{map[string]any{"queryParameter": "a"}}}}
	tests := []struct {
		name  string
		code  string
		perms []fxPerm
		frag  string
	}{
		{"undeclared", "require('getRequestPath')();", nil, `getRequestPath requires permission "read_request"`},
		{"body", "require('getRequestBody')();", []fxPerm{onlyPath}, "body is not allowed"},
		{"method", "require('getRequestMethod')();", []fxPerm{onlyPath}, "method is not allowed"},
		{"query string", "require('getRequestQueryString')();", []fxPerm{onlyPath}, "queryString is not allowed"},
		{"parameter", "require('getRequestQueryParameter')('a');", []fxPerm{onlyPath}, "query is not allowed"},
		{"parameter not whitelisted", "require('getRequestQueryParameter')('b');", []fxPerm{whitelistA}, `query parameter "b" is not allowed`},
		{"all parameters need any", "require('getRequestQueryParameters')();", []fxPerm{whitelistA}, `query parameter "" is not allowed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := fxEval(t, x, tc.code, tc.perms...)
			fxWantErr(t, res.Err, "Permission denied", tc.frag)
		})
	}
}

func TestRequestGettersWithoutRequest(t *testing.T) {
	res := fxEval(t, nil, `
const r = [require('getRequestBody')(), require('getRequestPath')(), require('getRequestMethod')(),
  require('getRequestQueryParameter')('a'), require('getRequestQueryString')(), require('getRequestQueryParameters')()];
return r.map((v) => v === undefined ? 'undefined' : v);`, fxReadRequestAny)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := []any{"undefined", "undefined", "undefined", "undefined", "", map[string]any{}}
	if diff := cmp.Diff(want, res.Value); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRequestBodyEmptyIsUndefined(t *testing.T) {
	x := runtime.NewExchange(fxRequest("POST", "/p", ""), &runtime.Container{})
	res := fxEval(t, x, "return require('getRequestBody')() === undefined;", fxReadRequestAny)
	if res.Err != nil || res.Value != true {
		t.Fatalf("got %v, %v; want true", res.Value, res.Err)
	}
}
