package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		msg, cause, key string
	}{
		{"uncaught exception: Error: BigQuery.insert: sGTM API not implemented by tagd (at x.tpl:3)", causeMissingAPI, "BigQuery.insert"},
		{"assertApi(\"gtmOnSuccess\").wasCalled() failed: it was not called (at x.tpl (___TESTS___):9)\nAPI errors during the scenario (maybe caught by the template): getGoogleAuth: sGTM API not implemented by tagd", causeMissingAPI, "getGoogleAuth"},
		{`uncaught exception: GoError: Permission denied: logToConsole requires permission "logging", which the template does not declare (at x.tpl:184)`, causePermission, "logToConsole needs logging"},
		{"timeout: the scenario did not finish within 5s", causeTimeout, "timeout: the scenario did not finish within 5s"},
		{"compile test code: x.tpl: SyntaxError: Line 3:1 Unexpected token", causeLanguage, "compile test code: x.tpl: SyntaxError: Line 3:1 Unexpected token"},
		{"uncaught exception: ReferenceError: TOKEN is not defined (at x.tpl (___TESTS___):255)", causeLanguage, "uncaught exception: ReferenceError: TOKEN is not defined"},
		{"uncaught exception: TypeError: Object has no member 'matches' (at x.tpl (___TESTS___):98)", causeMatcher, "matches"},
		{"uncaught exception: TypeError: Object has no member 'foo' (at x.tpl:1)", causeOther, "uncaught exception: TypeError: Object has no member 'foo'"},
		{"assertThat(actual).isEqualTo(expected) failed: expected 1 but was 2 (at x.tpl (___TESTS___):4)", causeAssertion, "assertThat(actual).isEqualTo(expected)"},
		{"assertThat(actual).isTrue() failed (msg): expected true but was false", causeAssertion, "assertThat(actual).isTrue()"},
		{"fail() called: nope (at x.tpl (___TESTS___):4)", causeAssertion, "fail()"},
		{"uncaught exception: TypeError: Cannot read property 'then' of undefined (at x.tpl:595)", causeOther, "uncaught exception: TypeError: Cannot read property 'then' of undefined"},
	}
	for _, tt := range tests {
		cause, key := classify(tt.msg)
		if cause != tt.cause || key != tt.key {
			t.Errorf("classify(%q) = %q, %q; want %q, %q", tt.msg, cause, key, tt.cause, tt.key)
		}
	}
}

func TestSummarize(t *testing.T) {
	const in = `{"templates":[
	 {"path":"a.tpl","name":"A","type":"TAG","loaded":true,"load_error":"","scenarios":[
	   {"name":"ok","passed":true,"error":"","duration_ms":1},
	   {"name":"bad","passed":false,"error":"fail() called: x","duration_ms":1}]},
	 {"path":"b.tpl","name":"B","type":"TAG","loaded":false,"load_error":"SyntaxError: y","scenarios":[]},
	 {"path":"c.tpl","name":"C","type":"MACRO","loaded":true,"load_error":"","scenarios":[
	   {"name":"ok","passed":true,"error":"","duration_ms":1}]}],
	 "passed":2,"failed":1}`
	var rep report
	if err := json.Unmarshal([]byte(in), &rep); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	summarize(&out, &rep, 1)
	for _, want := range []string{
		"templates loaded: 2/3\n",
		"scenarios passed: 2/3 (66.7%)\n",
		"templates with tests whose scenarios all pass: 1/2\n",
		"== template load (1)\n     1  SyntaxError: y\n",
		"== assertion (behaviour differs) (1)\n     1  fail()\n          e.g. a.tpl: bad\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestAPITableListsEveryServerAPI(t *testing.T) {
	var out bytes.Buffer
	writeAPITable(&out)
	for _, want := range []string{"| `sendHttpRequest` | implemented | `send_http` |", "| `getGoogleAuth` |", "| `BigQuery` |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

// TestCompatibilityDocIsCurrent keeps the API table of docs/COMPATIBILITY.md true.
func TestCompatibilityDocIsCurrent(t *testing.T) {
	const path = "../../docs/COMPATIBILITY.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := docWithTable(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(b) {
		t.Errorf("%s: the API table is out of date; run: go run ./scripts/compat-report -api-table -write-doc docs/COMPATIBILITY.md", path)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"", "assertThat(", "Permission denied: x requires permission \"", "timeout:", "x: sGTM API not implemented by tagd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		cause, _ := classify(msg)
		for _, c := range causeOrder {
			if c == cause {
				return
			}
		}
		t.Fatalf("classify(%q) gave unknown cause %q", msg, cause)
	})
}
