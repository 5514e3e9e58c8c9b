package sandbox

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/tagd-dev/tagd/templates"
)

// Program is a compiled template: immutable and shared by every runtime of every pool.
type Program struct {
	Template *templates.Template
	Name     string // file name (for stack traces)
	Perms    *Permissions
	// key identifies the compiled source: runtimes cache the instantiated template
	// function under it, so a reload that recompiles an unchanged template reuses it.
	key  [32]byte
	prog *goja.Program
}

// Compile parses the template's server code as the body of function(data){...}, in strict
// mode (so `this` is undefined and stray globals throw), and compiles its permissions.
// Source maps are disabled: a sourceMappingURL comment must never make us read a file.
func Compile(t *templates.Template) (*Program, error) {
	name := t.Path
	if name == "" {
		name = t.Info.DisplayName
	}
	perms, err := CompilePermissions(t.Permissions)
	if err != nil {
		return nil, fmt.Errorf("%s: permissions: %w", name, err)
	}
	p, err := compileFunc(name, t.Code, t.CodeLine)
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s", name, t.CodeLine, t.Code)))
	return &Program{Template: t, Name: name, Perms: perms, key: key, prog: p}, nil
}

// wrapper shifts line numbers so errors point at the .tpl line: the wrapper's first line
// holds the function header, and the code starts on the next line.
//
// The template function is nested in one that declares every global name of a fresh
// runtime (Object, Map, eval, globalThis, ...) as a constant undefined, so template code
// cannot reach the runtime's globals: only require, which is not shadowed. Constants, so
// that assigning one throws instead of leaving state in the closure, which a pooled
// runtime keeps from one execution to the next.
func compileFunc(name, code string, codeLine int) (*goja.Program, error) {
	pad := ""
	// Put the header on the line before the code's first line in the file.
	for i := 1; i < codeLine-1; i++ {
		pad += "\n"
	}
	src := pad + shadowGlobals + "return function(data){'use strict';\n" + code + "\n}})()"
	ast, err := goja.Parse(name, src, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p, err := goja.CompileAST(ast, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// CompileSource compiles a bare function body (tests' setup and scenario code).
func CompileSource(name, code string, line int) (*goja.Program, error) {
	return compileFunc(name, code, line)
}

// shadowGlobals opens the wrapper that hides the runtime's globals (see compileFunc).
var shadowGlobals = func() string {
	rt := goja.New()
	v, err := rt.RunString("Object.getOwnPropertyNames(globalThis)")
	if err != nil {
		panic(fmt.Sprintf("sandbox: listing goja's globals: %v", err))
	}
	var decls []string
	for _, n := range v.Export().([]any) {
		switch name := n.(string); name {
		case "undefined", "NaN", "Infinity":
			// Read-only primitives templates use; shadowing them would change their value.
		case "eval":
			// Strict code cannot bind it; the runtime deletes it instead (harden).
		default:
			decls = append(decls, name+"=void 0")
		}
	}
	sort.Strings(decls)
	return "(function(){const " + strings.Join(decls, ",") + ";"
}()
