package templates

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const tagKnown = "bodyFormat, emptyDefault, endpoint, formPrefix, headers, mappings, method, note, skipEvents, timeoutMs, token, useAuth"

func mustParseFile(t *testing.T, path string) *Template {
	t.Helper()
	tpl, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func mustParse(t *testing.T, src string) *Template {
	t.Helper()
	tpl, err := Parse("inline.tpl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestCheckParamsRules(t *testing.T) {
	tag := mustParseFile(t, "testdata/tag.tpl")
	const ep = "https://collect.example.org/"
	tests := []struct {
		name   string
		values map[string]any
		want   []string
	}{
		{"valid minimal", map[string]any{"endpoint": ep}, []string{}},
		{"unknown name lists known names", map[string]any{"endpoint": ep, "endpont": "x"},
			[]string{`unknown parameter "endpont" (known: ` + tagKnown + `)`}},
		{"LABEL and GROUP names are not parameters", map[string]any{"endpoint": ep, "intro": "x", "advanced": "y"},
			[]string{`unknown parameter "advanced" (known: ` + tagKnown + `)`, `unknown parameter "intro" (known: ` + tagKnown + `)`}},
		{"reserved callbacks", map[string]any{"endpoint": ep, "gtmOnSuccess": "x", "gtmOnFailure": true},
			[]string{`parameter "gtmOnFailure" is reserved for the runtime and cannot be configured`,
				`parameter "gtmOnSuccess" is reserved for the runtime and cannot be configured`}},

		// Required (NON_EMPTY) fields.
		{"missing required", map[string]any{}, []string{`missing required parameter "endpoint" (Endpoint URL)`}},
		{"required but empty", map[string]any{"endpoint": ""}, []string{`required parameter "endpoint" (Endpoint URL) is empty`}},
		{"required via macro is fine", map[string]any{"endpoint": "{{Endpoint}}"}, []string{}},
		{"checkbox enables nested required", map[string]any{"endpoint": ep, "useAuth": true},
			[]string{`missing required parameter "token" (Token)`}},
		{"checkbox off keeps nested optional", map[string]any{"endpoint": ep, "useAuth": false}, []string{}},
		{"macro controller is undecidable, not missing", map[string]any{"endpoint": ep, "useAuth": "{{Use auth}}"}, []string{}},
		{"radio item enables its subParams", map[string]any{"endpoint": ep, "bodyFormat": "form"},
			[]string{`missing required parameter "formPrefix" (Field prefix)`}},
		{"radio default item keeps others off", map[string]any{"endpoint": ep, "formPrefix": ""}, []string{}},

		// CHECKBOX
		{"checkbox wants bool", map[string]any{"endpoint": ep, "useAuth": "yes"},
			[]string{`parameter "useAuth": CHECKBOX wants a boolean, got a string`}},
		{"checkbox number", map[string]any{"endpoint": ep, "useAuth": int64(1)},
			[]string{`parameter "useAuth": CHECKBOX wants a boolean, got a number`}},

		// TEXT
		{"text number ok", map[string]any{"endpoint": ep, "note": int64(3), "token": 2.5}, []string{}},
		{"text bool wrong", map[string]any{"endpoint": true},
			[]string{`parameter "endpoint": TEXT wants a string or number, got a boolean`}},
		{"text list wrong without textAsList", map[string]any{"endpoint": []any{"a"}},
			[]string{`parameter "endpoint": TEXT wants a string or number, got a list`}},
		{"textAsList list of strings", map[string]any{"endpoint": ep, "skipEvents": []any{"a", "b"}}, []string{}},
		{"textAsList []string", map[string]any{"endpoint": ep, "skipEvents": []string{"a"}}, []string{}},
		{"textAsList string", map[string]any{"endpoint": ep, "skipEvents": "a\nb"}, []string{}},
		{"textAsList bad item", map[string]any{"endpoint": ep, "skipEvents": []any{"a", int64(2)}},
			[]string{`parameter "skipEvents": item 2 is a number, want a string`}},
		{"textAsList table", map[string]any{"endpoint": ep, "skipEvents": map[string]any{"a": "b"}},
			[]string{`parameter "skipEvents": TEXT (textAsList) wants a string or a list of strings, got a table`}},

		// SELECT / RADIO
		{"select item", map[string]any{"endpoint": ep, "method": "GET"}, []string{}},
		{"select bad item", map[string]any{"endpoint": ep, "method": "PUT"},
			[]string{`parameter "method": value "PUT" is not one of the SELECT items ("POST", "GET")`}},
		{"select macro", map[string]any{"endpoint": ep, "method": "{{Method}}"}, []string{}},
		{"select numeric item from int", map[string]any{"endpoint": ep, "timeoutMs": int64(1000)}, []string{}},
		{"select numeric item from string", map[string]any{"endpoint": ep, "timeoutMs": "1000"}, []string{}},
		{"select numeric miss", map[string]any{"endpoint": ep, "timeoutMs": 2000},
			[]string{`parameter "timeoutMs": value 2000 is not one of the SELECT items (1000, 5000)`}},
		{"select list", map[string]any{"endpoint": ep, "method": []any{"GET"}},
			[]string{`parameter "method": SELECT wants one of its item values, got a list`}},
		{"radio bad item", map[string]any{"endpoint": ep, "bodyFormat": "xml"},
			[]string{`parameter "bodyFormat": value "xml" is not one of the RADIO items ("json", "form")`}},

		// SIMPLE_TABLE
		{"simple table from TOML array of tables", map[string]any{"endpoint": ep,
			"headers": []map[string]any{{"name": "x-a", "value": "1"}, {"name": "x-b", "value": "{{V}}", "mode": "append"}}}, []string{}},
		{"simple table from inline array", map[string]any{"endpoint": ep,
			"headers": []any{map[string]any{"name": "x-a", "value": int64(1)}}}, []string{}},
		{"simple table problems", map[string]any{"endpoint": ep, "headers": []any{
			map[string]any{"name": "x-a", "vlaue": "1"},
			"x-b: 1",
			map[string]any{"value": "2", "mode": "replace"},
		}}, []string{
			`parameter "headers": row 1: unknown column "vlaue" (columns: name, value, mode)`,
			`parameter "headers": row 2 is a string, want a table`,
			`parameter "headers": row 3: column "mode": value "replace" is not one of the SELECT items ("set", "append")`,
			`parameter "headers": row 3: column "name" is required`,
		}},
		{"simple table not a list", map[string]any{"endpoint": ep, "headers": "{{Headers}}"},
			[]string{`parameter "headers": SIMPLE_TABLE wants a list of rows (tables), got a string`}},
		{"simple table single table", map[string]any{"endpoint": ep, "headers": map[string]any{"name": "a"}},
			[]string{`parameter "headers": SIMPLE_TABLE wants a list of rows (tables), got a table`}},

		// PARAM_TABLE
		{"param table ok", map[string]any{"endpoint": ep,
			"mappings": []any{map[string]any{"from": "email", "hash": true}}}, []string{}},
		{"param table cell types and required column", map[string]any{"endpoint": ep,
			"mappings": []any{map[string]any{"hash": "yes"}, map[string]string{"from": "a", "to": "b"}}},
			[]string{
				`parameter "mappings": row 1: column "hash": CHECKBOX wants a boolean, got a string`,
				`parameter "mappings": row 1: column "from" is required`,
				`parameter "mappings": row 2: unknown column "to" (columns: from, hash)`,
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tag.CheckParams(tc.values)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("CheckParams (-want +got):\n%s", diff)
			}
		})
	}
}

const conditionsTpl = `___INFO___
{"type": "TAG", "containerContexts": ["SERVER"]}
___TEMPLATE_PARAMETERS___
[
  {"type": "SELECT", "name": "mode", "defaultValue": "a",
   "selectItems": [{"value": "a"}, {"value": "b"}, {"value": "c"}]},
  {"type": "TEXT", "name": "x", "valueValidators": [{"type": "NON_EMPTY"}],
   "enablingConditions": [{"paramName": "mode", "paramValue": "b", "type": "EQUALS"},
                          {"paramName": "mode", "paramValue": "c", "type": "EQUALS"}]},
  {"type": "TEXT", "name": "y", "valueValidators": [{"type": "NON_EMPTY"}],
   "enablingConditions": [{"paramName": "mode", "paramValue": "a", "type": "NOT_EQUALS"}]},
  {"type": "TEXT", "name": "z", "valueValidators": [{"type": "NON_EMPTY"}],
   "enablingConditions": [{"paramName": "x", "type": "PRESENT"}]},
  {"type": "TEXT", "name": "w", "valueValidators": [{"type": "NON_EMPTY"}],
   "enablingConditions": [{"paramName": "mode", "paramValue": "a", "type": "SOME_FUTURE_TYPE"}]},
  {"type": "TEXT", "name": "v", "defaultValue": "d", "valueValidators": [{"type": "NON_EMPTY"}]},
  {"type": "GROUP", "name": "g",
   "enablingConditions": [{"paramName": "mode", "paramValue": "c", "type": "EQUALS"}],
   "subParams": [
     {"type": "TEXT", "name": "u", "valueValidators": [{"type": "NON_EMPTY"}]}
   ]},
  {"type": "SELECT", "name": "status", "selectItems": [{"value": 200}, {"value": 201}]},
  {"type": "TEXT", "name": "s", "valueValidators": [{"type": "NON_EMPTY"}],
   "enablingConditions": [{"paramName": "status", "paramValue": 201, "type": "EQUALS"}]},
  {"type": "TEXT", "name": "r",
   "valueValidators": [{"type": "NON_EMPTY",
     "enablingConditions": [{"paramName": "status", "paramValue": [200, 201], "type": "EQUALS"}]}]}
]
___SANDBOXED_JS_FOR_SERVER___
data.gtmOnSuccess();
`

func TestCheckParamsEnablingConditions(t *testing.T) {
	tpl := mustParse(t, conditionsTpl)
	tests := []struct {
		name   string
		values map[string]any
		want   []string
	}{
		{"defaults disable everything", map[string]any{}, []string{}},
		{"first alternative of an OR", map[string]any{"mode": "b"},
			[]string{`missing required parameter "x"`, `missing required parameter "y"`}},
		{"second alternative and a group", map[string]any{"mode": "c"},
			[]string{`missing required parameter "x"`, `missing required parameter "y"`, `missing required parameter "u"`}},
		{"PRESENT follows another field", map[string]any{"mode": "b", "x": "1", "y": "2"},
			[]string{`missing required parameter "z"`}},
		{"default fills a required field; empty value does not", map[string]any{"v": ""},
			[]string{`required parameter "v" is empty`}},
		{"numeric paramValue matches int config", map[string]any{"status": int64(201)},
			[]string{`missing required parameter "s"`, `missing required parameter "r"`}},
		{"numeric paramValue matches string config", map[string]any{"status": "201"},
			[]string{`missing required parameter "s"`, `missing required parameter "r"`}},
		{"validator-level condition", map[string]any{"status": 200},
			[]string{`missing required parameter "r"`}},
		{"unknown condition type never reports missing", map[string]any{"mode": "a", "w": ""}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tpl.CheckParams(tc.values)); diff != "" {
				t.Errorf("CheckParams (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckParamsNoFields(t *testing.T) {
	tpl := mustParseFile(t, "testdata/anchors_and_order.tpl")
	got := tpl.CheckParams(map[string]any{"a": 1})
	want := []string{`unknown parameter "a" (known: none)`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := tpl.CheckParams(nil); len(got) != 0 {
		t.Errorf("nil values: %v", got)
	}
}
