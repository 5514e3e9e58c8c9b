package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEffectiveTLDPlusOne(t *testing.T) {
	tests := []struct{ in, want string }{
		{"www.example.com", "example.com"},
		{"example.com", "example.com"},
		{"a.b.shop.example.co.uk", "example.co.uk"},
		{"WWW.Example.COM.", "example.com"},
		{"https://user:pw@www.example.co.uk:8443/path?q=1#x", "example.co.uk"},
		{"//cdn.example.org/x.js", "example.org"},
		{"www.example.com/path?x", "example.com"},
		{"www.example.com:8080", "example.com"},
		{"foo.appspot.com", "foo.appspot.com"},
		{"co.uk", ""},
		{"com", ""},
		{"localhost", ""},
		{"127.0.0.1", ""},
		{"http://[::1]:80/", ""},
		{"", ""},
		{"   ", ""},
		{"not a domain", ""},
		{"http://%zz", ""},
	}
	for _, tc := range tests {
		if got := EffectiveTLDPlusOne(tc.in); got != tc.want {
			t.Errorf("EffectiveTLDPlusOne(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestComputeEffectiveTldPlusOneAPI(t *testing.T) {
	res := fxEval(t, nil, `const f = require('computeEffectiveTldPlusOne');
return [f('https://www.example.co.uk/x'), f(''), f(null), f(undefined) === undefined];`)
	if diff := cmp.Diff([]any{"example.co.uk", "", nil, true}, res.Value); res.Err != nil || diff != "" {
		t.Fatalf("err %v (-want +got):\n%s", res.Err, diff)
	}
}

func FuzzEffectiveTLDPlusOne(f *testing.F) {
	for _, s := range []string{"www.example.co.uk", "https://a.b/c", "[::1]:80", "..", "a..b.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := EffectiveTLDPlusOne(s)
		if got != "" && EffectiveTLDPlusOne(got) != got {
			t.Fatalf("eTLD+1 of %q is %q, whose own eTLD+1 is %q", s, got, EffectiveTLDPlusOne(got))
		}
	})
}
