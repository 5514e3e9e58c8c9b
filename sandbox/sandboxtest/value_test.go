package sandboxtest

import (
	"testing"

	"github.com/dop251/goja"
)

func eval(t *testing.T, rt *goja.Runtime, src string) goja.Value {
	t.Helper()
	v, err := rt.RunString("(" + src + ")")
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

func TestDeepEqual(t *testing.T) {
	rt := goja.New()
	_, _ = rt.RunString("var f = function() {}; var cyc = {}; cyc.self = cyc;")
	tests := []struct {
		a, b string
		want bool
	}{
		{"1", "1.0", true},
		{"1", "'1'", false},
		{"undefined", "null", false},
		{"undefined", "undefined", true},
		{"NaN", "NaN", true},
		{"0", "-0", true},
		{"[1, [2, 3]]", "[1, [2, 3]]", true},
		{"[1, 2]", "[2, 1]", false},
		{"[undefined]", "[null]", false},
		{"[]", "{}", false},
		{"{a: 1, b: {c: [true]}}", "{b: {c: [true]}, a: 1}", true},
		{"{a: 1}", "{a: 1, b: 2}", false},
		{"{a: undefined}", "{}", false},
		{"{a: undefined}", "{b: undefined}", false},
		{"f", "f", true},
		{"f", "function() {}", false},
		{"cyc", "cyc", true},
		{"new Date(0)", "new Date(0)", false},
	}
	for _, tt := range tests {
		a, b := snapshot(eval(t, rt, tt.a)), snapshot(eval(t, rt, tt.b))
		if got := deepEqual(a, b); got != tt.want {
			t.Errorf("deepEqual(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := deepEqual(b, a); got != tt.want {
			t.Errorf("deepEqual(%s, %s) = %v, want %v (reversed)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	rt := goja.New()
	_, _ = rt.RunString("var cyc = {}; cyc.self = cyc;")
	tests := []struct{ src, want string }{
		{"{b: 1, a: [null, undefined, 'x\"<'], c: {}}", `{"b":1,"a":[null,undefined,"x\"<"],"c":{}}`},
		{"[NaN, Infinity, -Infinity, 1.5, 1e21, 123456789012]", `[NaN,Infinity,-Infinity,1.5,1e+21,123456789012]`},
		{"function() {}", "function"},
		{"cyc", `{"self":[Circular]}`},
		{"/x/", "[object RegExp]"},
		{"true", "true"},
	}
	for _, tt := range tests {
		if got := render(snapshot(eval(t, rt, tt.src))); got != tt.want {
			t.Errorf("render(%s) = %s, want %s", tt.src, got, tt.want)
		}
	}
}

func TestTypeOf(t *testing.T) {
	rt := goja.New()
	tests := map[string]string{
		"undefined": "undefined", "null": "null", "1": "number", "'s'": "string", "false": "boolean",
		"[]": "array", "{}": "object", "function() {}": "function", "/x/": "object",
	}
	for src, want := range tests {
		if got := typeOf(snapshot(eval(t, rt, src))); got != want {
			t.Errorf("typeOf(%s) = %s, want %s", src, got, want)
		}
	}
}

func TestServerAPIsSortedAndComplete(t *testing.T) {
	names := ServerAPIs()
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Fatalf("not sorted: %q before %q", names[i-1], names[i])
		}
	}
	for _, must := range []string{"sendHttpRequest", "templateDataStorage", "BigQuery", "claimRequest", "getGoogleAuth"} {
		if _, ok := serverAPIs[must]; !ok {
			t.Errorf("%s missing from the sGTM API list", must)
		}
	}
}
