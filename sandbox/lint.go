package sandbox

import (
	"fmt"
	"regexp"
	"strings"
)

var requireRe = regexp.MustCompile(`require\(\s*['"]([^'"]+)['"]\s*\)`)

// Lint reports, as "file:line: message", every API the template requires that tagd does
// not know, and every API whose permission the template does not declare (the call would
// throw when it runs).
func Lint(p *Program) []string {
	t := p.Template
	var out []string
	seen := map[string]bool{}
	for i, line := range strings.Split(t.Code, "\n") {
		for _, m := range requireRe.FindAllStringSubmatch(line, -1) {
			name := m[1]
			if seen[name] {
				continue
			}
			seen[name] = true
			pos := fmt.Sprintf("%s:%d", p.Name, t.CodeLine+i)
			a, ok := LookupAPI(name)
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s: require('%s'): unknown API (require returns undefined)", pos, name))
			case a.Permission != "" && !p.Perms.Has(a.Permission):
				out = append(out, fmt.Sprintf("%s: %s needs permission %q, which the template does not declare: calls will throw", pos, name, a.Permission))
			}
		}
	}
	return out
}
