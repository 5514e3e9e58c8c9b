package templates

import (
	"errors"
	"strings"
	"testing"
)

const (
	okInfo = "___INFO___\n\n{\"type\": \"TAG\", \"version\": 1, \"containerContexts\": [\"SERVER\"]}\n\n\n"
	okCode = "___SANDBOXED_JS_FOR_SERVER___\n\ndata.gtmOnSuccess();\n\n\n"
)

// TestErrorLines checks that each ParseError points at the right file line.
// at names a substring of the expected line ("" = no line, Line 0).
func TestErrorLines(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		at      string
		section string
		msg     string
	}{
		{
			name:    "INFO syntax error",
			src:     "___INFO___\n\n{\n  \"type\": \"TAG\"\n  \"version\": 1\n}\n\n" + okCode,
			at:      `"version": 1`,
			section: "INFO", msg: "invalid JSON: invalid character",
		},
		{
			name:    "INFO wrong value type",
			src:     "___INFO___\n{\n  \"type\": \"TAG\",\n  \"version\": \"1\"\n}\n" + okCode,
			at:      `"version": "1"`,
			section: "INFO", msg: `"version" is a JSON string, want integer`,
		},
		{
			name:    "INFO not an object",
			src:     "\n\n___INFO___\n\n\n[1, 2]\n" + okCode,
			at:      "[1, 2]",
			section: "INFO", msg: "value is a JSON array, want object",
		},
		{
			name:    "INFO unknown type points at the type key",
			src:     "___INFO___\n{\n  \"id\": \"x\",\n  \"type\":\n    \"VARIABLE\"\n}\n" + okCode,
			at:      `"VARIABLE"`,
			section: "INFO", msg: `unknown template type "VARIABLE"`,
		},
		{
			name:    "INFO missing type",
			src:     "___INFO___\n\n{\"version\": 1}\n" + okCode,
			at:      `{"version": 1}`,
			section: "INFO", msg: `missing "type"`,
		},
		{
			name:    "INFO empty",
			src:     "___INFO___\n\n\n" + okCode,
			at:      "___INFO___", // nothing to point at inside an empty body
			section: "INFO", msg: "empty body",
		},
		{
			name:    "PARAMETERS trailing comma",
			src:     okInfo + "___TEMPLATE_PARAMETERS___\n\n[\n  {\"type\": \"TEXT\", \"name\": \"a\"},\n  ]\n\n" + okCode,
			at:      "  ]",
			section: "TEMPLATE_PARAMETERS", msg: "invalid JSON",
		},
		{
			name:    "PARAMETERS truncated",
			src:     okInfo + okCode + "___TEMPLATE_PARAMETERS___\n\n[\n  {\"type\": \"TEXT\",\n   \"name\": \"last line\"\n",
			at:      `"name": "last line"`,
			section: "TEMPLATE_PARAMETERS", msg: "unexpected end of JSON input",
		},
		{
			name:    "PARAMETERS nested type error",
			src:     okInfo + "___TEMPLATE_PARAMETERS___\n[{\"type\": \"GROUP\", \"subParams\": [\n  {\"type\": \"TEXT\", \"name\": \"x\",\n   \"canBeEmptyString\": \"yes\"}]}]\n" + okCode,
			at:      `"canBeEmptyString": "yes"`,
			section: "TEMPLATE_PARAMETERS", msg: `"subParams.canBeEmptyString" is a JSON string, want boolean`,
		},
		{
			name:    "PERMISSIONS syntax error",
			src:     okInfo + okCode + "___SERVER_PERMISSIONS___\n\n[\n  {\"instance\": {\"key\": {\"publicId\": \"logging\"}}},\n  {\"instance\" {}}\n]\n",
			at:      `{"instance" {}}`,
			section: "SERVER_PERMISSIONS", msg: "invalid JSON",
		},
		{
			name:    "PERMISSIONS missing publicId points at the element",
			src:     okInfo + okCode + "___SERVER_PERMISSIONS___\n\n[\n  {\"instance\": {\"key\": {\"publicId\": \"logging\"}}},\n\n  {\"isRequired\": true,\n   \"instance\": {\"key\": {}}}\n]\n",
			at:      `{"isRequired": true,`,
			section: "SERVER_PERMISSIONS", msg: "permission 2: missing instance.key.publicId",
		},
		{
			name:    "PERMISSIONS param value type is lenient but isRequired is not",
			src:     okInfo + okCode + "___SERVER_PERMISSIONS___\n[{\"instance\": {\"key\": {\"publicId\": \"x\"}},\n  \"isRequired\": \"true\"}]\n",
			at:      `"isRequired": "true"`,
			section: "SERVER_PERMISSIONS", msg: `"isRequired" is a JSON string, want boolean`,
		},
		{
			name:    "TESTS YAML syntax error",
			src:     okInfo + okCode + "___TESTS___\n\nscenarios:\n- name: a\n  code: x\n- name: b\n    code: y\n",
			at:      "    code: y",
			section: "TESTS", msg: "invalid YAML: mapping values are not allowed",
		},
		{
			name:    "TESTS unterminated quote",
			src:     okInfo + okCode + "___TESTS___\n\nscenarios:\n- name: a\n  code: \"runCode(\n\n___NOTES___\n\nx\n",
			at:      "code: \"runCode(",
			section: "TESTS", msg: "invalid YAML",
		},
		{
			name:    "TESTS scenario not a mapping",
			src:     okInfo + okCode + "___TESTS___\nscenarios:\n- name: a\n  code: x\n- just a string\n",
			at:      "- just a string",
			section: "TESTS", msg: "scenario 2: want a mapping",
		},
		{
			name:    "TESTS code is a list",
			src:     okInfo + okCode + "___TESTS___\nscenarios:\n- name: a\n  code:\n    - x\n",
			at:      "    - x",
			section: "TESTS", msg: "scenario 1: code: want a string, got a list",
		},
		{
			name:    "TESTS setup is a mapping",
			src:     okInfo + okCode + "___TESTS___\nsetup:\n  a: b\nscenarios: []\n",
			at:      "  a: b",
			section: "TESTS", msg: "setup: want a string, got a mapping",
		},
		{
			name:    "TESTS root is a list",
			src:     okInfo + okCode + "___TESTS___\n\n\n- name: a\n",
			at:      "- name: a",
			section: "TESTS", msg: `want a mapping with "scenarios" and "setup", got a list`,
		},
		{
			name:    "duplicate section",
			src:     okInfo + okCode + "___INFO___   \n{}\n",
			at:      "___INFO___   ",
			section: "INFO", msg: "duplicate section (first at line 1)",
		},
		{
			name:    "INFO displayName neither string nor localized object",
			src:     "___INFO___\n{\n  \"type\": \"TAG\",\n  \"displayName\": 5\n}\n" + okCode,
			at:      `"displayName": 5`,
			section: "INFO", msg: `"displayName" is a JSON number, want string`,
		},
		{
			name:    "preamble text does not shift line numbers",
			src:     "/**\n * license\n */\n" + "___INFO___\n{\n  \"type\": \"TAG\",\n}\n" + okCode,
			at:      "}",
			section: "INFO", msg: "invalid JSON",
		},
		{
			name: "invalid UTF-8",
			src:  okInfo + "___SANDBOXED_JS_FOR_SERVER___\nconst a = 1;\nconst b = '\xc3\x28';\n",
			at:   "const b",
			msg:  "not valid UTF-8",
		},
		{
			name:    "BOM and CRLF keep line numbers",
			src:     "\ufeff___INFO___\r\n\r\n{\r\n  \"type\": \"TAG\",\r\n  \"version\": 1,\r\n}\r\n" + okCode,
			at:      "}",
			section: "INFO", msg: "invalid JSON",
		},
		{
			name:    "missing INFO",
			src:     okCode,
			section: "INFO", msg: "missing ___INFO___ section",
		},
		{
			name:    "empty file",
			src:     "",
			section: "INFO", msg: "missing ___INFO___ section",
		},
		{
			name:    "missing server code",
			src:     okInfo + "___NOTES___\nx\n",
			section: "SANDBOXED_JS_FOR_SERVER", msg: "missing ___SANDBOXED_JS_FOR_SERVER___ section",
		},
		{
			name:    "web template by section",
			src:     okInfo + "___SANDBOXED_JS_FOR_WEB_TEMPLATE___\nx\n",
			section: "SANDBOXED_JS_FOR_SERVER", msg: "not a server template (web template)",
		},
		{
			name:    "web template by context",
			src:     "___INFO___\n{\"type\": \"MACRO\", \"containerContexts\": [\"WEB\"]}\n",
			section: "SANDBOXED_JS_FOR_SERVER", msg: "not a server template (web template)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("case.tpl", []byte(tc.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *ParseError", err, err)
			}
			wantLine := 0
			if tc.at != "" {
				wantLine = lineIn(t, strings.ReplaceAll(tc.src, "\r\n", "\n"), tc.at)
			}
			if pe.Line != wantLine || pe.Section != tc.section || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("got line %d section %q msg %q\nwant line %d section %q msg containing %q",
					pe.Line, pe.Section, pe.Msg, wantLine, tc.section, tc.msg)
			}
			if pe.File != "case.tpl" {
				t.Errorf("File = %q", pe.File)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	tests := []struct {
		err  ParseError
		want string
	}{
		{ParseError{File: "a.tpl", Line: 3, Section: "INFO", Msg: "bad"}, "a.tpl:3: INFO: bad"},
		{ParseError{File: "a.tpl", Section: "INFO", Msg: "missing"}, "a.tpl: INFO: missing"},
		{ParseError{File: "a.tpl", Line: 1, Msg: "stray"}, "a.tpl:1: stray"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	inner := errors.New("inner")
	if pe := (&ParseError{Err: inner}); !errors.Is(pe, inner) {
		t.Error("ParseError does not unwrap to its decoder error")
	}
}

func TestHeaderRecognition(t *testing.T) {
	tests := []struct {
		line string
		name string // "" = not a header
	}{
		{"___INFO___", "INFO"},
		{"___INFO___  \t", "INFO"},
		{"___TERMS_OF_SERVICE___", "TERMS_OF_SERVICE"},
		{"___V2_THING___", "V2_THING"},
		{" ___INFO___", ""},
		{"___INFO____", ""},
		{"___info___", ""},
		{"___INFO___ x", ""},
		{"// ___INFO___", ""},
		{"______", ""},
	}
	for _, tc := range tests {
		m := headerRE.FindStringSubmatch(tc.line)
		got := ""
		if m != nil {
			got = m[1]
		}
		if got != tc.name {
			t.Errorf("%q: header %q, want %q", tc.line, got, tc.name)
		}
	}
}
