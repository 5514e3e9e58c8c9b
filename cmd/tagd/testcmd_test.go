package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fixtures belong to the test runner's package.
const cliFixtures = "../../sandbox/sandboxtest/testdata/cli"

func fixture(name string) string { return filepath.Join(cliFixtures, name) }

func TestRunTestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		last string // closing line of stdout
	}{
		{"all pass", []string{fixture("pass.tpl"), fixture("no_tests.tpl")}, 0, "2 passed, 0 failed"},
		{"a scenario fails", []string{fixture("pass.tpl"), fixture("fail.tpl")}, 1, "3 passed, 1 failed"},
		{"a template does not load", []string{fixture("broken.tpl"), fixture("pass.tpl")}, 2, "2 passed, 0 failed, 1 skipped"},
		{"directory, recursive", []string{cliFixtures}, 2, "3 passed, 1 failed, 1 skipped"},
		{"flags after paths", []string{fixture("fail.tpl"), "--run", "reports"}, 0, "1 passed, 0 failed"},
		{"no paths", nil, 2, ""},
		{"missing path", []string{fixture("nope.tpl")}, 2, ""},
		{"bad regex", []string{"--run", "(", fixture("pass.tpl")}, 2, ""},
		{"unknown flag", []string{"--nope", fixture("pass.tpl")}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runTest(tt.args, &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out.String(), errb.String())
			}
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			if got := lines[len(lines)-1]; got != tt.last {
				t.Errorf("last line %q, want %q", got, tt.last)
			}
		})
	}
}

func TestRunTestHumanOutput(t *testing.T) {
	var out, errb bytes.Buffer
	runTest([]string{"-v", fixture("fail.tpl"), fixture("broken.tpl")}, &out, &errb)
	got := out.String()
	for _, want := range []string{
		"PASS " + fixture("fail.tpl") + ": reports failure\n    log: failing on purpose\n",
		"FAIL " + fixture("fail.tpl") + ": expects success\n    assertApi(\"gtmOnSuccess\").wasCalled() failed: it was not called",
		"ERROR " + fixture("broken.tpl") + ": SyntaxError",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	out.Reset()
	runTest([]string{fixture("fail.tpl")}, &out, &errb)
	if strings.Contains(out.String(), "PASS "+fixture("fail.tpl")+": reports failure\n    log:") {
		t.Errorf("logs of a passing scenario printed without -v:\n%s", out.String())
	}
}

func TestRunTestJSON(t *testing.T) {
	var out, errb bytes.Buffer
	code := runTest([]string{"--json", fixture("fail.tpl"), fixture("broken.tpl")}, &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// The key sets are a contract with scripts/compat-report and CI users.
	var raw map[string]any
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if diff := cmp.Diff([]string{"failed", "passed", "templates"}, keys(raw)); diff != "" {
		t.Errorf("top-level keys (-want +got):\n%s", diff)
	}
	tpls := raw["templates"].([]any)
	if len(tpls) != 2 {
		t.Fatalf("%d templates", len(tpls))
	}
	first := tpls[0].(map[string]any)
	if diff := cmp.Diff([]string{"load_error", "loaded", "name", "path", "scenarios", "type"}, keys(first)); diff != "" {
		t.Errorf("template keys (-want +got):\n%s", diff)
	}
	sc := first["scenarios"].([]any)[1].(map[string]any)
	if diff := cmp.Diff([]string{"duration_ms", "error", "name", "passed"}, keys(sc)); diff != "" {
		t.Errorf("scenario keys (-want +got):\n%s", diff)
	}
	if sc["passed"] != false || !strings.HasPrefix(sc["error"].(string), `assertApi("gtmOnSuccess").wasCalled() failed`) {
		t.Errorf("scenario %v", sc)
	}
	broken := tpls[1].(map[string]any)
	if broken["loaded"] != false || !strings.Contains(broken["load_error"].(string), "SyntaxError") || len(broken["scenarios"].([]any)) != 0 {
		t.Errorf("broken template %v", broken)
	}
	if raw["passed"] != 1.0 || raw["failed"] != 1.0 {
		t.Errorf("passed=%v failed=%v", raw["passed"], raw["failed"])
	}
}

func TestRunTestJUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junit.xml")
	var out, errb bytes.Buffer
	runTest([]string{"--junit", path, cliFixtures}, &out, &errb)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if doc.Tests != 5 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 4 {
		t.Errorf("tests=%d failures=%d errors=%d suites=%d\n%s", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites), b)
	}
	var failure *junitProblem
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				failure = c.Failure
				if c.Name != "expects success" || !strings.Contains(c.SystemOut, "failing on purpose") {
					t.Errorf("failed case %+v", c)
				}
			}
		}
	}
	if failure == nil || !strings.Contains(failure.Message, "wasCalled() failed") {
		t.Errorf("failure %+v", failure)
	}
	if err := runTest([]string{"--junit", filepath.Join(t.TempDir(), "no", "dir.xml"), fixture("pass.tpl")}, &out, &errb); err != 2 {
		t.Errorf("unwritable junit path: exit %d, want 2", err)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
