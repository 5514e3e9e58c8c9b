package sandboxtest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "github.com/tagd-dev/tagd/sandbox/api"
	"github.com/tagd-dev/tagd/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestFixtures runs the fixture templates: every "pass:" scenario must pass, every
// "fail:" scenario must fail, and the failure messages must match the golden file.
func TestFixtures(t *testing.T) {
	for _, name := range []string{"tag", "macro"} {
		t.Run(name, func(t *testing.T) {
			r := RunFile(context.Background(), filepath.Join("testdata", name+".tpl"), Options{})
			if !r.Loaded {
				t.Fatalf("not loaded: %s", r.LoadError)
			}
			if len(r.Scenarios) < 10 {
				t.Fatalf("only %d scenarios ran", len(r.Scenarios))
			}
			var got strings.Builder
			for _, s := range r.Scenarios {
				want := strings.HasPrefix(s.Name, "pass:")
				if !want && !strings.HasPrefix(s.Name, "fail:") {
					t.Fatalf("fixture scenario %q must start with pass: or fail:", s.Name)
				}
				if s.Passed != want {
					t.Errorf("%s: passed=%v, error %q, logs %q", s.Name, s.Passed, s.Error, s.Logs)
				}
				if !s.Passed {
					got.WriteString(s.Name + "\n\t" + strings.ReplaceAll(s.Error, "\n", "\n\t") + "\n")
				}
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("failure messages differ from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func parse(t *testing.T, src string) *templates.Template {
	t.Helper()
	tpl, err := templates.Parse("inline.tpl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

const storageTpl = `___INFO___

{"type": "MACRO", "version": 1, "displayName": "Storage", "containerContexts": ["SERVER"]}


___SANDBOXED_JS_FOR_SERVER___

const storage = require('templateDataStorage');
const getRequestHeader = require('getRequestHeader');
const getAllEventData = require('getAllEventData');
const seen = storage.getItemCopy('k');
storage.setItemCopy('k', data.v);
return {seen: seen, header: getRequestHeader('user-agent'), event: getAllEventData()};


___SERVER_PERMISSIONS___

[
  {"instance": {"key": {"publicId": "access_template_storage", "versionId": "1"}, "param": []}, "isRequired": true},
  {"instance": {"key": {"publicId": "read_event_data", "versionId": "1"},
    "param": [{"key": "eventDataAccess", "value": {"type": 1, "string": "any"}}]}, "isRequired": true},
  {"instance": {"key": {"publicId": "read_request", "versionId": "1"},
    "param": [{"key": "requestAccess", "value": {"type": 1, "string": "any"}}]}, "isRequired": true}
]


___TESTS___

scenarios:
- name: first run stores
  code: |-
    mock('getAllEventData', {event_name: 'mocked'});
    assertThat(runCode({v: 1})).isEqualTo({seen: null, header: undefined, event: {event_name: 'mocked'}});
    assertThat(runCode({v: 2}).seen).isEqualTo(1);
- name: storage, mocks and calls start empty again
  code: |-
    assertThat(runCode({v: 3})).isEqualTo({seen: null, header: undefined, event: {}});
    assertApi('getAllEventData').wasCalled();
    assertApi('setCookie').wasNotCalled();
- name: slow
  code: |-
    while (true) {}
`

// TestIsolation: each scenario gets fresh storage, mocks and call records, and un-mocked
// APIs see an empty request and event.
func TestIsolation(t *testing.T) {
	r := RunTemplate(context.Background(), parse(t, storageTpl), Options{Run: regexp.MustCompile(`^(first|storage)`)})
	if len(r.Scenarios) != 2 {
		t.Fatalf("--run kept %d scenarios, want 2", len(r.Scenarios))
	}
	for _, s := range r.Scenarios {
		if !s.Passed {
			t.Errorf("%s: %s", s.Name, s.Error)
		}
	}
}

// TestUnimplementedAPI: an sGTM API that tagd lacks is a stub that throws a clear error
// when called (functions, and members of objects), and a failing scenario cites it even
// when the template swallowed the exception.
func TestUnimplementedAPI(t *testing.T) {
	serverAPIs["tagdTestMissingFn"] = nil
	serverAPIs["tagdTestMissingObj"] = []string{"go"}
	defer delete(serverAPIs, "tagdTestMissingFn")
	defer delete(serverAPIs, "tagdTestMissingObj")
	const src = `___INFO___

{"type": "MACRO"}


___SANDBOXED_JS_FOR_SERVER___

const getType = require('getType');
const fn = require('tagdTestMissingFn');
const obj = require('tagdTestMissingObj');
if (data.call === 'fn') return fn();
if (data.call === 'obj') return obj.go();
if (data.call === 'swallow') return require('Promise').create((res) => res()).then(() => fn());
return [getType(fn), getType(obj), getType(require('tagdTestNoSuchApi'))];


___TESTS___

scenarios:
- name: requiring is fine
  code: |-
    assertThat(runCode({})).isEqualTo(['function', 'object', 'undefined']);
- name: fn
  code: |-
    runCode({call: 'fn'});
- name: obj
  code: |-
    runCode({call: 'obj'});
- name: swallowed
  code: |-
    runCode({call: 'swallow'}).then(() => fail('resolved'), () => fail('rejected'));
`
	r := RunTemplate(context.Background(), parse(t, src), Options{})
	want := []string{
		"",
		"uncaught exception: Error: tagdTestMissingFn: sGTM API not implemented by tagd (at inline.tpl:11)",
		"uncaught exception: Error: tagdTestMissingObj.go: sGTM API not implemented by tagd (at inline.tpl:12)",
		"fail() called: rejected (at inline.tpl (___TESTS___):2)\nAPI errors during the scenario (maybe caught by the template): tagdTestMissingFn: sGTM API not implemented by tagd",
	}
	var got []string
	for _, s := range r.Scenarios {
		got = append(got, s.Error)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scenario errors (-want +got):\n%s", diff)
	}
}

// TestClientClaim: each runCode of a client may claim in its body; a claim from a
// callback after the body returned fails with GTM's message.
func TestClientClaim(t *testing.T) {
	const src = `___INFO___

{"type": "CLIENT"}


___SANDBOXED_JS_FOR_SERVER___

const claimRequest = require('claimRequest');
const callLater = require('callLater');
if (data.late) {
  callLater(() => claimRequest());
  return;
}
claimRequest();


___TESTS___

scenarios:
- name: body claims, twice
  code: |-
    runCode({});
    runCode({});
    assertApi('claimRequest').wasCalled();
- name: late claim
  code: |-
    runCode({late: true});
`
	r := RunTemplate(context.Background(), parse(t, src), Options{})
	if len(r.Scenarios) != 2 {
		t.Fatalf("%d scenarios", len(r.Scenarios))
	}
	if s := r.Scenarios[0]; !s.Passed {
		t.Errorf("%s: %s", s.Name, s.Error)
	}
	if s := r.Scenarios[1]; s.Passed || !strings.Contains(s.Error, "Tried to claim a request after a Client had returned") || !strings.HasSuffix(s.Error, "(in a callback)") {
		t.Errorf("%s: passed=%v error=%q", s.Name, s.Passed, s.Error)
	}
}

// TestTimeout: an endless scenario ends with a timeout error instead of hanging.
func TestTimeout(t *testing.T) {
	r := RunTemplate(context.Background(), parse(t, storageTpl), Options{Run: regexp.MustCompile(`^slow$`), ScenarioTimeout: 100 * time.Millisecond})
	if len(r.Scenarios) != 1 {
		t.Fatalf("got %d scenarios", len(r.Scenarios))
	}
	if s := r.Scenarios[0]; s.Passed || !strings.HasPrefix(s.Error, "timeout:") {
		t.Errorf("passed=%v error=%q, want a timeout", s.Passed, s.Error)
	}
}

func TestLoading(t *testing.T) {
	tests := []struct {
		path      string
		loaded    bool
		scenarios int
		skipped   int
		errPart   string
	}{
		{"testdata/cli/no_tests.tpl", true, 0, 0, ""},
		{"testdata/cli/broken.tpl", false, 0, 1, "SyntaxError"},
		{"testdata/cli/pass.tpl", true, 2, 0, ""},
		{"testdata/does-not-exist.tpl", false, 0, 0, "read template"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := RunFile(context.Background(), tt.path, Options{})
			if r.Loaded != tt.loaded || len(r.Scenarios) != tt.scenarios || r.Skipped != tt.skipped {
				t.Errorf("loaded=%v scenarios=%d skipped=%d, want %v %d %d (%s)", r.Loaded, len(r.Scenarios), r.Skipped, tt.loaded, tt.scenarios, tt.skipped, r.LoadError)
			}
			if !strings.Contains(r.LoadError, tt.errPart) || (tt.errPart == "") != (r.LoadError == "") {
				t.Errorf("load error %q, want one containing %q", r.LoadError, tt.errPart)
			}
			if r.Path != tt.path {
				t.Errorf("path %q", r.Path)
			}
		})
	}
}

func TestTemplateWithoutTests(t *testing.T) {
	tpl := parse(t, "___INFO___\n\n{\"type\": \"TAG\"}\n\n___SANDBOXED_JS_FOR_SERVER___\n\ndata.gtmOnSuccess();\n")
	r := RunTemplate(context.Background(), tpl, Options{})
	if !r.Loaded || len(r.Scenarios) != 0 || r.Type != "TAG" {
		t.Errorf("got %+v", r)
	}
}

func TestLogsKeptForFailuresOrVerbose(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		r := RunFile(context.Background(), "testdata/cli/pass.tpl", Options{Verbose: verbose})
		logs := r.Scenarios[0].Logs
		if verbose && (len(logs) != 1 || logs[0] != "doubling 2") {
			t.Errorf("verbose logs %q, want [\"doubling 2\"]", logs)
		}
		if !verbose && len(logs) != 0 {
			t.Errorf("logs of a passing scenario kept without Verbose: %q", logs)
		}
	}
	r := RunFile(context.Background(), "testdata/cli/fail.tpl", Options{})
	if s := r.Scenarios[1]; s.Passed || len(s.Logs) != 1 || s.Logs[0] != "failing on purpose" {
		t.Errorf("failed scenario: passed=%v logs=%q", s.Passed, s.Logs)
	}
}

func TestCodeLine(t *testing.T) {
	lines := strings.Split(`scenarios:
- name: block
  code: |-
    runCode();
- code: "inline"
  name: x
- name: far
  x: 1
  y: 2
  z: 3
  w: 4
  code: too far`, "\n")
	tests := []struct {
		line, want int
	}{
		{2, 4}, // block scalar: content starts on the next line
		{5, 5}, // inline: same line
		{7, 0}, // not within reach
		{0, 0},
		{99, 0},
	}
	for _, tt := range tests {
		if got := codeLine(lines, templates.Scenario{Line: tt.line}); got != tt.want {
			t.Errorf("codeLine(line %d) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

// FuzzScenario feeds arbitrary scenario code to the runner: it must never panic and
// always report exactly one result, failed ones with a reason.
func FuzzScenario(f *testing.F) {
	for _, seed := range []string{
		"runCode({});",
		"assertThat(runCode({value: 1})).isEqualTo(1);",
		"mock('x', () => { throw 1; }); require('x')();",
		"const o = {}; o.o = o; assertThat(o).isEqualTo(o); assertApi(o).wasCalledWith(o);",
		"callLater(() => fail()); Promise.create(() => { assertThat(); });",
		"assertThat(runCode).isFunction(); runCode(runCode);",
		"mockObject('getType', 1); runCode({value: require('JSON')});",
		")(",
		"while(true){}",
	} {
		f.Add(seed)
	}
	base := "___INFO___\n\n{\"type\": \"MACRO\"}\n\n___SANDBOXED_JS_FOR_SERVER___\n\nconst getType = require('getType');\nreturn getType(data.value);\n"
	tpl, err := templates.Parse("fuzz.tpl", []byte(base))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code string) {
		tt := *tpl
		tt.Tests = &templates.TestSuite{Setup: "const Promise = require('Promise'); const callLater = require('callLater');", Scenarios: []templates.Scenario{{Name: "fuzz", Code: code}}}
		r := RunTemplate(context.Background(), &tt, Options{ScenarioTimeout: 50 * time.Millisecond})
		if !r.Loaded || len(r.Scenarios) != 1 {
			t.Fatalf("loaded=%v scenarios=%d", r.Loaded, len(r.Scenarios))
		}
		if s := r.Scenarios[0]; s.Passed == (s.Error != "") {
			t.Fatalf("passed=%v with error %q", s.Passed, s.Error)
		}
	})
}
