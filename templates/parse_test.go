package templates

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current parser")

// golden is what a fixture's .golden.json records: either the parse error or
// the template plus the derived views other packages rely on.
type golden struct {
	Error     string         `json:"error,omitempty"`
	ErrorLine int            `json:"errorLine,omitempty"`
	Template  *Template      `json:"template,omitempty"`
	Fields    []string       `json:"fields,omitempty"`
	Defaults  map[string]any `json:"defaults,omitempty"`
}

func goldenFor(path string, src []byte) golden {
	tpl, err := Parse(path, src)
	if err != nil {
		g := golden{Error: err.Error()}
		var pe *ParseError
		if errors.As(err, &pe) {
			g.ErrorLine = pe.Line
		}
		return g
	}
	g := golden{Template: tpl, Defaults: tpl.Defaults()}
	for _, f := range tpl.Fields() {
		g.Fields = append(g.Fields, f.Name)
	}
	return g
}

func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.tpl")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 20 {
		t.Fatalf("found %d fixtures, want at least 20", len(paths))
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".tpl")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(goldenFor(filepath.ToSlash(p), src)); err != nil {
				t.Fatal(err)
			}
			gp := strings.TrimSuffix(p, ".tpl") + ".golden.json"
			if *update {
				if err := os.WriteFile(gp, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gp)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", gp, diff)
			}
		})
	}
}

// Spot checks of properties the golden files show but a reviewer could miss.
func TestParseDetails(t *testing.T) {
	tag, err := ParseFile("testdata/tag.tpl")
	if err != nil {
		t.Fatal(err)
	}
	if tag.Info.Type != KindTag || tag.Info.Description != "Posts the event to a URL <with> a=b 'quoted'." {
		t.Errorf("info = %+v", tag.Info)
	}
	// Interior whitespace of the code is exact: tabs, trailing spaces, blank lines.
	for _, want := range []string{
		"\n\t// tab-indented comment line, and a line with trailing spaces below   \n",
		"getAllEventData());   \n\n\nsendHttpRequest",
	} {
		if !strings.Contains(tag.Code, want) {
			t.Errorf("code lost whitespace %q", want)
		}
	}
	if !strings.HasPrefix(tag.Code, "const sendHttpRequest") || !strings.HasSuffix(tag.Code, "// ends with a comment") {
		t.Errorf("code not trimmed to its first/last lines: %q", tag.Code)
	}
	if got := lineAt(t, "testdata/tag.tpl", "const sendHttpRequest"); tag.CodeLine != got {
		t.Errorf("CodeLine = %d, want %d", tag.CodeLine, got)
	}
	if got := lineAt(t, "testdata/tag.tpl", "scenarios:"); tag.TestsLine != got {
		t.Errorf("TestsLine = %d, want %d", tag.TestsLine, got)
	}
	wantSections := []string{"TERMS_OF_SERVICE", "INFO", "TEMPLATE_PARAMETERS", "SANDBOXED_JS_FOR_SERVER", "SERVER_PERMISSIONS", "TESTS", "NOTES"}
	if diff := cmp.Diff(wantSections, tag.Sections); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}

	crlf, err := ParseFile("testdata/bom_crlf.tpl")
	if err != nil {
		t.Fatal(err)
	}
	if crlf.Code != "if (data.flag) {\n  data.gtmOnSuccess();\n}" || crlf.CodeLine != 20 {
		t.Errorf("CRLF code = %q at line %d", crlf.Code, crlf.CodeLine)
	}
	if len(crlf.Permissions) != 0 || crlf.Permissions == nil {
		t.Errorf("empty permissions section: got %#v, want empty non-nil", crlf.Permissions)
	}

	v, err := ParseFile("testdata/variable.tpl")
	if err != nil {
		t.Fatal(err)
	}
	if v.Permissions != nil {
		t.Errorf("no permissions section: got %#v, want nil", v.Permissions)
	}
	if v.Tests == nil || len(v.Tests.Scenarios) != 0 || v.Tests.Setup != "" {
		t.Errorf("tests = %#v, want present and empty", v.Tests)
	}
}

func TestYAMLStringStyles(t *testing.T) {
	tpl, err := ParseFile("testdata/tests_styles.tpl")
	if err != nil {
		t.Fatal(err)
	}
	want := []Scenario{
		{Name: "literal strip", Code: "runCode({});\n\nassertApi('gtmOnSuccess').wasCalled();"},
		{Name: "literal clip", Code: "runCode({});\n"},
		{Name: "literal keep", Code: "runCode({});\n\n\n"},
		{Name: "explicit indentation", Code: "  const indented = true;\nrunCode({});"},
		{Name: "folded", Code: "runCode( {});"},
		{Name: "plain scalar", Code: "runCode({});"},
		{Name: "single quoted: it's fine", Code: "runCode({});"},
		{Name: "double quoted", Code: "const s = 'a\tb';\nrunCode({});\nassertApi('gtmOnSuccess').wasCalled();"},
		{Name: "key order swapped", Code: "runCode({}); // name key comes second"},
		{Name: "12345", Code: ""},
	}
	if diff := cmp.Diff(want, tpl.Tests.Scenarios, cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".Line"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("scenarios (-want +got):\n%s", diff)
	}
	if got := lineAt(t, "testdata/tests_styles.tpl", "- name: folded"); tpl.Tests.Scenarios[4].Line != got {
		t.Errorf("scenario line = %d, want %d", tpl.Tests.Scenarios[4].Line, got)
	}
}

func TestParseFileAndDir(t *testing.T) {
	if _, err := ParseFile("testdata/does-not-exist.tpl"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}

	dir := t.TempDir()
	good, _ := os.ReadFile("testdata/client.tpl")
	bad, _ := os.ReadFile("testdata/missing_info.tpl")
	for name, src := range map[string][]byte{"b.tpl": good, "a.tpl": good, "c.tpl": bad, "ignored.txt": bad} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tpls, err := ParseDir(dir)
	if len(tpls) != 2 || filepath.Base(tpls[0].Path) != "a.tpl" || filepath.Base(tpls[1].Path) != "b.tpl" {
		t.Errorf("ParseDir templates = %v", tpls)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || filepath.Base(pe.File) != "c.tpl" {
		t.Errorf("ParseDir err = %v, want the ParseError of c.tpl", err)
	}
}

// lineAt returns the 1-based line of the first line of a file containing s.
func lineAt(t *testing.T, path, s string) int {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return lineIn(t, string(src), s)
}

func lineIn(t *testing.T, src, s string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not found", s)
	return 0
}

func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile("testdata/tag.tpl")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("tag.tpl", src); err != nil {
			b.Fatal(err)
		}
	}
}
