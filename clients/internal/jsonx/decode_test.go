package jsonx

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
		dups []string
	}{
		{"object", `{"a": 1, "b": [true, null, "x"]}`, map[string]any{"a": 1.0, "b": []any{true, nil, "x"}}, nil},
		{"big integer stays exact", `{"id": 9007199254740993}`, map[string]any{"id": int64(9007199254740993)}, nil},
		{"2^53 is a float", `9007199254740992`, 9007199254740992.0, nil},
		{"decimal", `-1.5e3`, -1500.0, nil},
		{"huge number kept as text", `1e400`, "1e400", nil},
		{"duplicates reported, last wins", `{"a":{"x":1,"x":2},"a":3}`, map[string]any{"a": 3.0}, []string{"a.x", "a"}},
		{"array paths", `[{"k":1,"k":2}]`, []any{map[string]any{"k": 2.0}}, []string{"[0].k"}},
		{"invalid utf-8 replaced", "\"a\xffb\"", "a\uFFFDb", nil},
		{"surrounding space", " \n{}\n ", map[string]any{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decode([]byte(tc.in), 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, d.Value); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.dups, d.Duplicates); diff != "" {
				t.Errorf("duplicates (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in        string
		line, col int
		msg       string
	}{
		{``, 1, 1, "unexpected end of input"},
		{`{"a": 1,}`, 1, 9, "invalid character '}'"},
		{"{\n  \"a\": [1,\n  2", 3, 4, "unexpected end of input"},
		{`{} {}`, 1, 4, "unexpected data after the JSON value"},
		{`[[[[1]]]]`, 1, 4, "nesting deeper than 3 levels"},
		{`{"a" 1}`, 1, 6, "invalid character '1'"},
	}
	for _, tc := range tests {
		_, err := Decode([]byte(tc.in), 3)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v is not a *SyntaxError", tc.in, err)
			continue
		}
		if se.Line != tc.line || se.Column != tc.col || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("%q: got %d:%d %q, want %d:%d containing %q", tc.in, se.Line, se.Column, se.Msg, tc.line, tc.col, tc.msg)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `9007199254740993`, `{"a":1,"a":2}`, `[`, "\"\xff\"", `1e999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b, 0)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("bad error %#v", err)
			}
			if json.Valid(b) && !strings.Contains(se.Msg, "nesting") {
				t.Fatalf("valid JSON %q rejected: %v", b, err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("invalid JSON %q accepted", b)
		}
		if _, err := json.Marshal(d.Value); err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
	})
}
