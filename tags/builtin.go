package tags

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/tagd-dev/tagd/templates"
)

//go:embed builtin/*.tpl
var builtinFS embed.FS

// BuiltinNames lists the embedded templates by name (file name without .tpl).
func BuiltinNames() []string {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tpl") {
			out = append(out, strings.TrimSuffix(e.Name(), ".tpl"))
		}
	}
	sort.Strings(out)
	return out
}

// BuiltinSource returns an embedded template's text.
func BuiltinSource(name string) ([]byte, bool) {
	b, err := builtinFS.ReadFile(path.Join("builtin", name+".tpl"))
	return b, err == nil
}

// Builtin parses an embedded template.
func Builtin(name string) (*templates.Template, error) {
	src, ok := BuiltinSource(name)
	if !ok {
		return nil, fmt.Errorf("no built-in template %q (built-ins: %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	return templates.Parse("builtin:"+name+".tpl", src)
}

// IsBuiltinRef reports whether a config reference names a built-in rather than a file.
func IsBuiltinRef(ref string) bool {
	return !strings.HasSuffix(ref, ".tpl") && !strings.ContainsAny(ref, `/\`)
}
