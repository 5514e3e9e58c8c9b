package templates

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: Parse must never panic, every error must be a *ParseError with a
// line inside the file, and a parsed template must survive its helpers.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.tpl")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(conditionsTpl))
	f.Add([]byte(okInfo + okCode + "___TESTS___\nsetup: &a [*a]\nscenarios: *a\n"))
	f.Add([]byte(okInfo + okCode + "___SERVER_PERMISSIONS___\n[{\"instance\":{\"key\":{\"publicId\":\"x\"},\"param\":[{\"key\":\"k\",\"value\":{\"type\":3,\"mapKey\":[1],\"mapValue\":[]}}]}}]\n"))

	f.Fuzz(func(t *testing.T, src []byte) {
		tpl, err := Parse("fuzz.tpl", src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *ParseError", err, err)
			}
			if lines := strings.Count(string(src), "\n") + 1; pe.Line < 0 || pe.Line > lines {
				t.Fatalf("error line %d outside the file's %d lines: %v", pe.Line, lines, err)
			}
			return
		}
		switch tpl.Info.Type {
		case KindTag, KindMacro, KindClient:
		default:
			t.Fatalf("parsed template with type %q", tpl.Info.Type)
		}
		if tpl.CodeLine < 1 {
			t.Fatalf("CodeLine = %d", tpl.CodeLine)
		}
		defaults := tpl.Defaults()
		for _, f := range tpl.Fields() {
			if _, ok := tpl.Field(f.Name); !ok {
				t.Fatalf("Field(%q) not found although Fields lists it", f.Name)
			}
		}
		tpl.CheckParams(defaults)
		tpl.CheckParams(map[string]any{"x": []any{map[string]any{"a": nil}}, "gtmOnSuccess": 1})
		for _, p := range tpl.Permissions {
			if _, ok := tpl.Permission(p.ID); !ok {
				t.Fatalf("Permission(%q) not found", p.ID)
			}
		}
	})
}
