package tags

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
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

// OverrideDir is the directory, relative to the config file's directory, whose <name>.tpl
// files replace the built-in templates of the same name.
const OverrideDir = "templates"

// OverridePath returns <configDir>/templates/<name>.tpl when that file exists: the file that
// replaces the built-in name. The loader watches and hashes it like any template file.
func OverridePath(configDir, name string) (string, bool) {
	if configDir == "" || !IsBuiltinRef(name) {
		return "", false
	}
	p := filepath.Join(configDir, OverrideDir, name+".tpl")
	if _, err := os.Stat(p); err != nil {
		return p, !errors.Is(err, fs.ErrNotExist) // unreadable: let Resolve report it
	}
	return p, true
}

// Resolve loads the template a built-in reference names: <configDir>/templates/<name>.tpl
// if present (so a deployment can patch a built-in without rebuilding tagd), else the
// embedded one. An override that exists but cannot be read or parsed is an error, never a
// silent fall back to the embedded template.
func Resolve(configDir, name string) (*templates.Template, error) {
	p, ok := OverridePath(configDir, name)
	if !ok {
		return Builtin(name)
	}
	src, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("override of built-in %q: %w", name, err)
	}
	t, err := templates.Parse(p, src)
	if err != nil {
		return nil, fmt.Errorf("override of built-in %q: %w", name, err)
	}
	return t, nil
}
