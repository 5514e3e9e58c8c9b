package clients

import (
	"os/exec"
	"strings"
	"testing"
)

// The parser packages and the click store stay leaves: they may import only the standard
// library, jsonx and (the store) bbolt, as their doc.go files say.
func TestLeafImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/tagd-dev/tagd/clients/internal/jsonx": true,
	}
	pkgs := []string{"./mp", "./data", "./links", "./postback", "./internal/jsonx", "../runtime/clickstore"}
	for _, p := range pkgs {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", p).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", p, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			self := strings.HasSuffix(dep, strings.TrimPrefix(strings.TrimPrefix(p, "."), "."))
			if self || allowed[dep] || strings.HasPrefix(dep, "go.etcd.io/bbolt") || strings.HasPrefix(dep, "golang.org/x/sys") {
				continue
			}
			t.Errorf("%s imports %s", p, dep)
		}
	}
}
