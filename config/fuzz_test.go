package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func addTestdataSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.toml"))
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(string(src))
		}
	}
	for _, s := range []string{
		"", "[server]\nlisten = 1\n", "[[client]]\n[client]\n", "a = [{b = {c = [1, {d = '''x'''}]}}]",
		"x = \"\"\"\n\"\"\"\"\"\n", "[[trigger]]\n[[trigger.condition]]\noperator = \"regex\"\nvalue = \"(\"\n",
		"[[variable]]\nname = \"A\"\ntype = \"template\"\ntemplate = \"t\"\nparameters = { a = \"{{A}}\" }\n",
	} {
		f.Add(s)
	}
}

// FuzzParse: any input gives a config or errors, never a panic; a config that parsed also
// validates, and every reported line exists in the input.
func FuzzParse(f *testing.F) {
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		c, err := parse("f.toml", "f.toml", ".", []byte(src), lookupIn(testEnv))
		if err != nil {
			es, ok := err.(Errors)
			if !ok || len(es) == 0 {
				t.Fatalf("error %T %v is not a non-empty Errors", err, err)
			}
			lines := strings.Count(src, "\n") + 1
			for _, e := range es {
				if e.Line < 0 || e.Line > lines {
					t.Fatalf("line %d outside the input's %d lines: %v", e.Line, lines, e)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed config does not validate: %v", err)
		}
	})
}

// FuzzScanPositions: the position scanner terminates on any input, and for valid TOML it
// knows a line for every key, table and array element the TOML library decoded.
func FuzzScanPositions(f *testing.F) {
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		root := scanPositions(src)
		var m map[string]any
		if _, err := toml.Decode(src, &m); err != nil {
			return
		}
		checkPositions(t, root, m, nil)
	})
}

func checkPositions(t *testing.T, n *posNode, v any, path []any) {
	t.Helper()
	if n == nil {
		t.Fatalf("no position for %v", path)
	}
	if len(path) > 0 && n.line <= 0 {
		t.Fatalf("line %d for %v", n.line, path)
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			checkPositions(t, n.kids[k], e, append(slices.Clip(path), k))
		}
	case []map[string]any:
		if len(n.elems) != len(v) {
			t.Fatalf("%d elements for %v, want %d", len(n.elems), path, len(v))
		}
		for i, e := range v {
			checkPositions(t, n.elems[i], e, append(slices.Clip(path), i))
		}
	case []any:
		if len(n.elems) != len(v) {
			t.Fatalf("%d elements for %v, want %d", len(n.elems), path, len(v))
		}
		for i, e := range v {
			checkPositions(t, n.elems[i], e, append(slices.Clip(path), i))
		}
	}
}

// FuzzExpandEnv: text without "${" is returned unchanged; nothing panics.
func FuzzExpandEnv(f *testing.F) {
	for _, s := range []string{"", "${PORT}", "$${X}", "${A:-b}", "${", "$$${PORT}}", "a${}b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, problems := expandEnv(s, lookupIn(testEnv))
		if !strings.Contains(s, "${") && (out != s || problems != nil) {
			t.Fatalf("expandEnv(%q) = %q, %q; want it unchanged", s, out, problems)
		}
	})
}

// FuzzVarRefs: every reference found is really written as {{name}} in the input.
func FuzzVarRefs(f *testing.F) {
	for _, s := range []string{"", "{{a}}", "{{{a}}}", "{{a}b}}", "x{{ y }}z{{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range VarRefs(s) {
			if r == "" || !strings.Contains(s, "{{"+r+"}}") {
				t.Fatalf("VarRefs(%q) returned %q", s, r)
			}
		}
	})
}
