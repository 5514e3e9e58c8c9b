package sandbox_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tagd-dev/tagd/sandbox"
)

// TestToJSPlainObjects checks what template code observes of converted Go data: ordinary
// objects and arrays with sorted keys, and every key an own data property, "__proto__"
// included (as JSON.parse makes it), so outside data cannot replace an object's prototype.
func TestToJSPlainObjects(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		js   string // evaluated with the converted value as v
		want any
	}{
		{"sorted keys", map[string]any{"b": 1.0, "a": "x", "c": true}, "Object.keys(v).join(',')", "a,b,c"},
		{"ordinary prototype", map[string]any{"a": 1.0}, "Object.getPrototypeOf(v) === Object.getPrototypeOf({}) && v.hasOwnProperty('a') && typeof v.toString", "function"},
		{"for-in order", map[string]any{"z": 1.0, "y": 2.0}, "(function(){var s=''; for (var k in v) s += k; return s})()", "yz"},
		{"nested array of objects", map[string]any{"items": []any{map[string]any{"id": "1"}, map[string]any{"id": "2"}}}, "Array.isArray(v.items) && v.items.map(function(i){return i.id}).join('+')", "1+2"},
		{"proto key is data", map[string]any{"__proto__": map[string]any{"polluted": true}, "a": 1.0}, "v.polluted === undefined && Object.getPrototypeOf(v) === Object.getPrototypeOf({}) && Object.keys(v).join(',')", "__proto__,a"},
		{"proto key readable", map[string]any{"__proto__": "str"}, "v.__proto__", "str"},
		{"proto key stringified", map[string]any{"__proto__": map[string]any{"x": 1.0}}, "JSON.stringify(v)", `{"__proto__":{"x":1}}`},
		{"writable", map[string]any{"a": 1.0}, "v.a = 2; v.b = 3; delete v.a; JSON.stringify(v)", `{"b":3}`},
		{"string map", map[string]string{"k": "v"}, "v.k + Object.keys(v).length", "v1"},
		{"ordered map keeps order", &sandbox.OrderedMap{Keys: []string{"z", "a"}, Values: map[string]any{"z": 1.0, "a": 2.0}}, "Object.keys(v).join(',')", "z,a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vu := sandbox.NewVU(sandbox.Limits{})
			rt := vu.Runtime()
			if err := rt.Set("v", vu.ToJS(tc.in)); err != nil {
				t.Fatal(err)
			}
			got, err := rt.RunString(tc.js)
			if err != nil {
				t.Fatalf("%s: %v", tc.js, err)
			}
			if g := got.Export(); g != tc.want {
				t.Errorf("%s = %#v, want %#v", tc.js, g, tc.want)
			}
		})
	}
}

// TestToJSFromJSRoundTrip checks that data survives the way into the sandbox and back,
// including keys that name Object.prototype's own properties.
func TestToJSFromJSRoundTrip(t *testing.T) {
	var in map[string]any
	src := `{"event_name":"purchase","value":12.5,"__proto__":{"a":1},"constructor":"c","toString":"t",
		"items":[{"item_id":"x","price":1},{"item_id":"y","quantity":2}],"user_data":{"email":"e"},"flag":true}`
	if err := json.Unmarshal([]byte(src), &in); err != nil {
		t.Fatal(err)
	}
	vu := sandbox.NewVU(sandbox.Limits{})
	out := sandbox.FromJS(vu.ToJS(in))
	norm := func(v any) any {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var x any
		_ = json.Unmarshal(b, &x)
		return x
	}
	if got, want := norm(out), norm(in); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %v\nwant %v", got, want)
	}
}
