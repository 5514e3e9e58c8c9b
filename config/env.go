package config

import (
	"fmt"
	"strings"
)

// envLookup reports an environment variable's value and whether it is set (os.LookupEnv).
type envLookup func(name string) (string, bool)

// expandEnv replaces ${NAME} and ${NAME:-fallback} in s. "$${" is an escape for a literal "${".
// As in a shell, the fallback is used when NAME is unset or empty. Every problem in s is
// returned, so one pass reports all missing variables.
func expandEnv(s string, lookup envLookup) (string, []string) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	var problems []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), problems
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			problems = append(problems, fmt.Sprintf("unterminated ${ in %q", s[i:]))
			b.WriteString(s[i:])
			return b.String(), problems
		}
		expr := s[i+2 : i+end]
		s = s[i+end+1:]
		name, fallback, hasFallback := strings.Cut(expr, ":-")
		if !validEnvName(name) {
			problems = append(problems, fmt.Sprintf("invalid environment variable name %q in ${%s}", name, expr))
			continue
		}
		v, ok := lookup(name)
		switch {
		case hasFallback && v == "":
			v = fallback
		case !ok:
			problems = append(problems, fmt.Sprintf("environment variable %s is not set (write ${%s:-default} for a fallback)", name, name))
		}
		b.WriteString(v)
	}
}

func validEnvName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}
