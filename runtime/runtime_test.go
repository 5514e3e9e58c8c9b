package runtime

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestEventGet(t *testing.T) {
	ev := Event{
		"event_name":   "purchase",
		"x-ga-mp2-seg": "1",
		"user_data":    map[string]any{"address": map[string]any{"city": "Paris"}},
		"items":        []any{map[string]any{"price": 1.5}, map[string]any{"price": 2.0}},
		"a.b":          map[string]any{"c": "dotted"},
	}
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"event_name", "purchase", true},
		{"x-ga-mp2-seg", "1", true},
		{"user_data.address.city", "Paris", true},
		{"items.1.price", 2.0, true},
		{"items.2.price", nil, false},
		{"items.x", nil, false},
		{"a.b.c", "dotted", true},
		{"missing", nil, false},
		{"event_name.x", nil, false},
	}
	for _, tt := range tests {
		got, ok := ev.Get(tt.path)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Get(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
	// Get returns copies: mutating them leaves the event alone.
	ud, _ := ev.Get("user_data")
	ud.(map[string]any)["address"] = "changed"
	if _, ok := ev.Get("user_data.address.city"); !ok {
		t.Error("mutating a Get result changed the event")
	}
}

func TestConditions(t *testing.T) {
	tests := []struct {
		op         Operator
		value      string
		negate, ic bool
		in         any
		want       bool
	}{
		{OpEquals, "purchase", false, false, "purchase", true},
		{OpEquals, "Purchase", false, true, "purchase", true},
		{OpEquals, "Purchase", false, false, "purchase", false},
		{OpEquals, "purchase", true, false, "purchase", false},
		{OpContains, "chas", false, false, "purchase", true},
		{OpStartsWith, "pur", false, false, "purchase", true},
		{OpEndsWith, "ase", false, false, "purchase", true},
		{OpMatchesRegex, "^pur.*e$", false, false, "purchase", true},
		{OpMatchesRegex, "PUR", false, true, "purchase", true},
		{OpMatchesRegex, "x", true, false, "purchase", true},
		{OpGreaterThan, "10", false, false, 10.5, true},
		{OpGreaterThan, "10", false, false, "9", false},
		{OpGreaterOrEqual, "10", false, false, int64(10), true},
		{OpLessThan, "10", false, false, "9.99", true},
		{OpLessOrEqual, "10", false, false, 10.0, true},
		{OpLessThan, "10", false, false, nil, false},
		{OpGreaterThan, "1", false, false, "abc", false},
		{OpEquals, "undefined", false, false, nil, true},
		{OpEquals, "42", false, false, 42.0, true},
	}
	for _, tt := range tests {
		c, err := NewCondition("v", tt.op, tt.value, tt.negate, tt.ic)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Holds(tt.in); got != tt.want {
			t.Errorf("%v on %#v = %v, want %v", c, tt.in, got, tt.want)
		}
	}
	if _, err := NewCondition("v", OpMatchesRegex, "(", false, false); err == nil {
		t.Error("bad regex accepted")
	}
	if _, err := NewCondition("v", "like", "x", false, false); err == nil {
		t.Error("unknown operator accepted")
	}
}

type constVar struct{ v any }

func (c constVar) Value(context.Context, *EventContext) (any, error) { return c.v, nil }

type refVar struct{ name string }

func (r refVar) Value(ctx context.Context, ec *EventContext) (any, error) { return ec.Var(ctx, r.name) }

func TestResolveParams(t *testing.T) {
	c := &Container{Variables: map[string]*VariableBinding{
		"Obj":  {Name: "Obj", Variable: constVar{map[string]any{"a": 1.0}}},
		"Num":  {Name: "Num", Variable: constVar{59.98}},
		"Nil":  {Name: "Nil", Variable: constVar{nil}, Default: "dflt", HasDef: true},
		"Loop": {Name: "Loop", Variable: refVar{"Loop"}},
	}, Env: &Env{ContainerID: "GTM-X"}}
	ec := NewEventContext(nil, c, Event{"event_name": "purchase", "transaction_id": "T-1"})
	got := ec.ResolveParams(context.Background(), map[string]any{
		"whole":  "{{Obj}}",
		"num":    "{{Num}}",
		"mixed":  "v={{Num}}&tx={{transaction_id}}&e={{Event Name}}&c={{Container ID}}",
		"def":    "{{Nil}}",
		"nested": []any{map[string]any{"x": "{{ transaction_id }}"}},
		"miss":   "[{{nope}}]",
		"loop":   "{{Loop}}",
		"plain":  true,
	})
	want := map[string]any{
		"whole":  map[string]any{"a": 1.0},
		"num":    59.98,
		"mixed":  "v=59.98&tx=T-1&e=purchase&c=GTM-X",
		"def":    "dflt",
		"nested": []any{map[string]any{"x": "T-1"}},
		"miss":   "[]",
		"loop":   nil,
		"plain":  true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ResolveParams:\n got %#v\nwant %#v", got, want)
	}
	if refs := References(map[string]any{"a": []any{"{{X}} and {{ Y }}"}}); !reflect.DeepEqual(refs, []string{"X", "Y"}) {
		t.Errorf("References = %v", refs)
	}
}

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		peer string
		xff  string
		fwd  string
		want string
	}{
		{"203.0.113.9", "1.2.3.4", "", "203.0.113.9"},                          // untrusted peer: header ignored
		{"127.0.0.1", "198.51.100.23", "", "198.51.100.23"},                    // one trusted hop
		{"127.0.0.1", "6.6.6.6, 198.51.100.23, 10.1.1.1", "", "198.51.100.23"}, // spoofed left part skipped
		{"127.0.0.1", "", `for="[2001:db8::1]:4711"`, "2001:db8::1"},
		{"127.0.0.1", "", "for=192.0.2.60;proto=http", "192.0.2.60"},
		{"127.0.0.1", "", "", "127.0.0.1"},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.xff != "" {
			h.Set("X-Forwarded-For", tt.xff)
		}
		if tt.fwd != "" {
			h.Set("Forwarded", tt.fwd)
		}
		if got := clientIP(tt.peer, h, proxies); got != tt.want {
			t.Errorf("clientIP(%s, %q, %q) = %s, want %s", tt.peer, tt.xff, tt.fwd, got, tt.want)
		}
	}
}

func TestReadRequest(t *testing.T) {
	r := httptest.NewRequest("POST", "http://tag.shop.example/metrics/g/collect?a=1&a=2&b=%20x", strings.NewReader("body"))
	r.Header.Add("Cookie", "x=1; y=2")
	r.Header.Add("Cookie", "x=3")
	req, err := ReadRequest(r, RequestOptions{PathPrefix: "/metrics", MaxBodyBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	if req.Path != "/g/collect" || string(req.Body) != "body" {
		t.Errorf("path %q body %q", req.Path, req.Body)
	}
	if v, _ := req.QueryParam("a"); v != "1" {
		t.Errorf("query a = %q", v)
	}
	if got := req.Cookies("x"); !reflect.DeepEqual(got, []string{"1", "3"}) {
		t.Errorf("cookies x = %v", got)
	}
	big := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11)))
	if _, err := ReadRequest(big, RequestOptions{MaxBodyBytes: 10}); err != ErrBodyTooLarge {
		t.Errorf("oversized body: %v", err)
	}
}
