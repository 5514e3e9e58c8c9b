package templates

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFieldsFlattening(t *testing.T) {
	tag := mustParseFile(t, "testdata/tag.tpl")
	var names []string
	for _, f := range tag.Fields() {
		names = append(names, f.Name)
	}
	want := []string{"endpoint", "method", "timeoutMs", "useAuth", "token", "bodyFormat", "formPrefix",
		"headers", "mappings", "skipEvents", "note", "emptyDefault"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}

	f, ok := tag.Field("formPrefix")
	if !ok || f.DisplayName != "Field prefix" {
		t.Errorf("Field(formPrefix) = %+v, %v", f, ok)
	}
	for _, name := range []string{"intro", "advanced", "from", "nope", ""} {
		if _, ok := tag.Field(name); ok {
			t.Errorf("Field(%q) found; LABEL, GROUP, table columns and unknown names are not fields", name)
		}
	}

	p, ok := tag.Permission("send_http")
	if !ok || !p.Required || p.Params["allowedUrls"] != "specific" {
		t.Errorf("Permission(send_http) = %+v, %v", p, ok)
	}
	if _, ok := tag.Permission("logging"); ok {
		t.Error("Permission(logging) found, the template does not declare it")
	}
}

func TestDefaults(t *testing.T) {
	tpl := mustParse(t, `___INFO___
{"type": "TAG"}
___TEMPLATE_PARAMETERS___
[
  {"type": "CHECKBOX", "name": "cbNone"},
  {"type": "CHECKBOX", "name": "cbTrue", "defaultValue": true},
  {"type": "CHECKBOX", "name": "cbString", "defaultValue": "true"},
  {"type": "TEXT", "name": "textNone"},
  {"type": "TEXT", "name": "textEmpty", "defaultValue": ""},
  {"type": "TEXT", "name": "textEmptyAllowed", "defaultValue": "", "canBeEmptyString": true},
  {"type": "TEXT", "name": "textNumber", "defaultValue": 7},
  {"type": "TEXT", "name": "list", "textAsList": true, "defaultValue": "a\r\n\nb\n"},
  {"type": "SELECT", "name": "sel", "defaultValue": 200, "selectItems": [{"value": 200}]},
  {"type": "RADIO", "name": "radio", "defaultValue": "x", "radioItems": [{"value": "x",
    "subParams": [{"type": "TEXT", "name": "nested", "defaultValue": "n"}]}]},
  {"type": "SIMPLE_TABLE", "name": "table", "defaultValue": [{"k": "v"}]},
  {"type": "GROUP", "name": "group", "defaultValue": "ignored",
   "subParams": [{"type": "LABEL", "name": "label", "defaultValue": "ignored"}]}
]
___SANDBOXED_JS_FOR_SERVER___
`)
	got := tpl.Defaults()
	want := map[string]any{
		"cbNone":           false,
		"cbTrue":           true,
		"cbString":         true,
		"textEmptyAllowed": "",
		"textNumber":       float64(7),
		"list":             []any{"a", "b"},
		"sel":              float64(200),
		"radio":            "x",
		"nested":           "n",
		"table":            []any{map[string]any{"k": "v"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Defaults (-want +got):\n%s", diff)
	}

	// Defaults are copies: changing them must not change the template.
	got["table"].([]any)[0].(map[string]any)["k"] = "changed"
	again := tpl.Defaults()["table"].([]any)[0].(map[string]any)["k"]
	if again != "v" {
		t.Errorf("Defaults shares memory with the template: %v", again)
	}
}

func TestDecodeValue(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"string", map[string]any{"type": 1.0, "string": "any"}, "any"},
		{"string missing payload", map[string]any{"type": 1.0}, ""},
		{"list", map[string]any{"type": 2.0, "listItem": []any{
			map[string]any{"type": 1.0, "string": "a"},
			map[string]any{"type": 8.0, "boolean": true},
		}}, []any{"a", true}},
		{"empty list", map[string]any{"type": 2.0}, []any{}},
		{"map", map[string]any{"type": 3.0,
			"mapKey":   []any{map[string]any{"type": 1.0, "string": "name"}, map[string]any{"type": 1.0, "string": "secure"}},
			"mapValue": []any{map[string]any{"type": 1.0, "string": "_ga"}, map[string]any{"type": 8.0, "boolean": false}},
		}, map[string]any{"name": "_ga", "secure": false}},
		{"map with fewer values than keys", map[string]any{"type": 3.0,
			"mapKey":   []any{map[string]any{"type": 1.0, "string": "a"}, map[string]any{"type": 1.0, "string": "b"}},
			"mapValue": []any{map[string]any{"type": 1.0, "string": "1"}},
		}, map[string]any{"a": "1", "b": nil}},
		{"map with a non-string key", map[string]any{"type": 3.0,
			"mapKey": []any{map[string]any{"type": 8.0, "boolean": true}}, "mapValue": []any{"raw"},
		}, map[string]any{"true": "raw"}},
		{"bool", map[string]any{"type": 8.0, "boolean": true}, true},
		{"bool as string", map[string]any{"type": 8.0, "boolean": "true"}, true},
		{"type as string", map[string]any{"type": "1", "string": "s"}, "s"},
		{"missing type guessed from payload", map[string]any{"listItem": []any{map[string]any{"string": "x"}}}, []any{"x"}},
		{"unknown type with one payload", map[string]any{"type": 5.0, "integer": 7.0}, 7.0},
		{"unknown type with several payloads", map[string]any{"type": 9.0, "a": 1.0, "b": 2.0},
			map[string]any{"type": 9.0, "a": 1.0, "b": 2.0}},
		{"not a typed value", "plain", "plain"},
		{"null", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, DecodeValue(tc.in)); diff != "" {
				t.Errorf("DecodeValue (-want +got):\n%s", diff)
			}
		})
	}
}
