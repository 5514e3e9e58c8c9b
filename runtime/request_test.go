package runtime

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestReadRequestQueryIsLazy(t *testing.T) {
	r := httptest.NewRequest("GET", "/g/collect?v=2&en=page_view&x=%zz&y=1", nil)
	req, err := ReadRequest(r, RequestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if req.Query != nil {
		t.Fatalf("query parsed before use: %v", req.Query)
	}
	// A malformed pair is dropped, the rest kept (as before the parse became lazy).
	q := req.QueryValues()
	if q.Get("en") != "page_view" || q.Get("y") != "1" || q.Has("x") {
		t.Fatalf("QueryValues = %v", q)
	}
	if v, ok := req.QueryParam("v"); !ok || v != "2" {
		t.Fatalf("QueryParam(v) = %q, %v", v, ok)
	}
	// Set by hand (tests, harnesses): kept as given.
	given := &Request{RawQuery: "a=1", Query: url.Values{"b": {"2"}}}
	if got := given.QueryValues(); got.Get("b") != "2" || got.Has("a") {
		t.Fatalf("a given Query was replaced: %v", got)
	}
}

func TestHasQueryParam(t *testing.T) {
	for _, tc := range []struct {
		raw, name string
		want      bool
	}{
		{"v=2&richsstsse", "richsstsse", true},
		{"richsstsse=", "richsstsse", true},
		{"v=2&richsstsse=1&x=y", "richsstsse", true},
		{"v=2&notrichsstsse", "richsstsse", false},
		{"v=2&richsstsse2=1", "richsstsse", false},
		{"", "richsstsse", false},
		{"rich%73stsse", "richsstsse", true}, // encoded name
		{"a+b=1", "a b", true},               // '+' is a space
		{"x=%41&rich%73stsse=1", "richsstsse", true},
		{"x=richsstsse", "richsstsse", false}, // a value is not a name
	} {
		r := &Request{RawQuery: tc.raw}
		if got := r.HasQueryParam(tc.name); got != tc.want {
			t.Errorf("HasQueryParam(%q) on %q = %v, want %v", tc.name, tc.raw, got, tc.want)
		}
	}
}

// FuzzHasQueryParam: on every query that url.ParseQuery accepts, the quick scan agrees
// with the full parse.
func FuzzHasQueryParam(f *testing.F) {
	for _, s := range []string{"v=2&richsstsse", "a=1&b=2", "rich%73stsse=1", "a+b", "x=%zz", "&&=&"} {
		f.Add(s, "richsstsse")
		f.Add(s, "a b")
	}
	f.Fuzz(func(t *testing.T, raw, name string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		_, want := q[name]
		r := &Request{RawQuery: raw}
		if got := r.HasQueryParam(name); got != want {
			t.Fatalf("HasQueryParam(%q) on %q = %v, ParseQuery says %v", name, raw, got, want)
		}
	})
}
