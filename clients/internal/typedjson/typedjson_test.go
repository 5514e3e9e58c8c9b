package typedjson

import "testing"

func TestRender(t *testing.T) {
	got, err := Render(map[string]any{"b": []any{int64(1), 2.0, 2.5e30}, "a": "x<y", "c": true, "d": map[string]any{}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\": \"x<y\",\n  \"b\": [\n    1,\n    2.0,\n    2.5e+30\n  ],\n  \"c\": true,\n  \"d\": {}\n}\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := Render(map[string]any{"n": nil}, Options{}); err == nil {
		t.Error("nil accepted without Options.Null")
	}
	if got, err := Render([]any{nil}, Options{Null: true}); err != nil || string(got) != "[\n  null\n]\n" {
		t.Errorf("null: %q %v", got, err)
	}
	if _, err := Render(int(1), Options{}); err == nil {
		t.Error("int accepted: only int64 is event data")
	}
}
