package cloud

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEncodeValue(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []struct {
		in   any
		want string
	}{
		{nil, `{"nullValue":null}`},
		{true, `{"booleanValue":true}`},
		{"s", `{"stringValue":"s"}`},
		{int64(-7), `{"integerValue":"-7"}`},
		{3.0, `{"integerValue":"3"}`},
		{math.Copysign(0, -1), `{"doubleValue":-0}`},
		{2.5, `{"doubleValue":2.5}`},
		{1e300, `{"doubleValue":1e+300}`},
		{math.NaN(), `{"doubleValue":"NaN"}`},
		{math.Inf(-1), `{"doubleValue":"-Infinity"}`},
		{ts, `{"timestampValue":"2026-01-02T03:04:05.000000006Z"}`},
		{[]byte("hi"), `{"bytesValue":"aGk="}`},
		{[]any{int64(1), "a"}, `{"arrayValue":{"values":[{"integerValue":"1"},{"stringValue":"a"}]}}`},
		{map[string]any{"k": false}, `{"mapValue":{"fields":{"k":{"booleanValue":false}}}}`},
	}
	for _, tc := range tests {
		ev, err := encodeValue(tc.in, 0)
		if err != nil {
			t.Fatalf("encodeValue(%v): %v", tc.in, err)
		}
		b, _ := json.Marshal(ev)
		if string(b) != tc.want {
			t.Errorf("encodeValue(%#v) = %s, want %s", tc.in, b, tc.want)
		}
	}
	if _, err := encodeValue(struct{}{}, 0); err == nil {
		t.Error("struct value accepted")
	}
	if _, err := encodeFields(map[string]any{"a": map[string]any{"b": make(chan int)}}); err == nil || !strings.Contains(err.Error(), "a: b:") {
		t.Errorf("nested bad value: err = %v, want the field path", err)
	}
}

func TestDecodeValue(t *testing.T) {
	tests := []struct {
		in   string
		want any
		ok   bool
	}{
		{`{"nullValue":null}`, nil, true},
		{`{"nullValue":"NULL_VALUE"}`, nil, true},
		{`{"booleanValue":true}`, true, true},
		{`{"integerValue":"9007199254740993"}`, int64(9007199254740993), true},
		{`{"integerValue":12}`, int64(12), true},
		{`{"integerValue":"x"}`, nil, false},
		{`{"doubleValue":1.25}`, 1.25, true},
		{`{"doubleValue":"Infinity"}`, math.Inf(1), true},
		{`{"doubleValue":"abc"}`, nil, false},
		{`{"stringValue":"s"}`, "s", true},
		{`{"timestampValue":"2026-01-01T00:00:00Z"}`, "2026-01-01T00:00:00Z", true},
		{`{"referenceValue":"projects/p/databases/(default)/documents/a/b"}`, "projects/p/databases/(default)/documents/a/b", true},
		{`{"geoPointValue":{"latitude":1.5,"longitude":-2}}`, map[string]any{"latitude": 1.5, "longitude": -2.0}, true},
		{`{"arrayValue":{}}`, []any{}, true},
		{`{"arrayValue":{"values":[{"stringValue":"a"},{"mapValue":{}}]}}`, []any{"a", map[string]any{}}, true},
		{`{"mapValue":{"fields":{"a":{"integerValue":"1"}}}}`, map[string]any{"a": int64(1)}, true},
		{`{}`, nil, false},
		{`{"stringValue":"a","booleanValue":true}`, nil, false},
		{`{"weirdValue":1}`, nil, false},
		{`[1]`, nil, false},
		{`{"booleanValue":"yes"}`, nil, false},
	}
	for _, tc := range tests {
		got, err := decodeValue(json.RawMessage(tc.in), 0)
		if (err == nil) != tc.ok {
			t.Errorf("decodeValue(%s) err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && !cmp.Equal(tc.want, got) {
			t.Errorf("decodeValue(%s) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
	deep := strings.Repeat(`{"arrayValue":{"values":[`, 200) + `{"nullValue":null}` + strings.Repeat(`]}}`, 200)
	if _, err := decodeValue(json.RawMessage(deep), 0); err == nil {
		t.Error("200-deep value accepted")
	}
}

func TestFieldPath(t *testing.T) {
	tests := map[string][]string{
		"a.b_1":           {"a", "b_1"},
		"`zip code`":      {"zip code"},
		"`1st`":           {"1st"},
		"`a\\`b`.`c\\\\`": {"a`b", `c\`},
	}
	for want, segs := range tests {
		if got := fieldPath(segs); got != want {
			t.Errorf("fieldPath(%q) = %s, want %s", segs, got, want)
		}
	}
}

// FuzzDecodeValue: decoding outside input never panics, and whatever decodes re-encodes
// and decodes to the same value.
func FuzzDecodeValue(f *testing.F) {
	for _, s := range []string{`{"nullValue":null}`, `{"integerValue":"5"}`, `{"doubleValue":"NaN"}`, `{"mapValue":{"fields":{"a":{"arrayValue":{"values":[{"stringValue":"x"}]}}}}}`, `{"geoPointValue":{"latitude":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeValue(json.RawMessage(b), 0)
		if err != nil {
			return
		}
		ev, err := encodeValue(v, 0)
		if err != nil {
			t.Fatalf("decoded %s to %#v, which does not encode: %v", b, v, err)
		}
		eb, _ := json.Marshal(ev)
		v2, err := decodeValue(eb, 0)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", eb, err)
		}
		if !cmp.Equal(normNumbers(v), normNumbers(v2), cmp.Comparer(func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) })) {
			t.Fatalf("round trip changed %#v into %#v", v, v2)
		}
	})
}
