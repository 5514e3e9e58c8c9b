package importer

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A small TOML writer for the config the importer produces: deterministic key order,
// comments, and values as the config decoder reads them back.

type tomlWriter struct {
	b strings.Builder
}

func (w *tomlWriter) line(format string, args ...any) {
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

func (w *tomlWriter) blank() { w.b.WriteByte('\n') }

// comment writes each line of text as a # comment.
func (w *tomlWriter) comment(text string) {
	for _, l := range strings.Split(text, "\n") {
		if l == "" {
			w.b.WriteString("#\n")
			continue
		}
		w.b.WriteString("# " + l + "\n")
	}
}

func (w *tomlWriter) kv(key string, v any) {
	w.b.WriteString(tomlKey(key) + " = " + tomlValue(v, 0) + "\n")
}

func (w *tomlWriter) String() string { return w.b.String() }

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func tomlKey(k string) string {
	if bareKey.MatchString(k) {
		return k
	}
	return tomlString(k)
}

// tomlString writes a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlValue renders a value: strings, booleans, integers, floats, lists and tables (inline).
// Lists of tables are written one element per line for readability.
func tomlValue(v any, depth int) string {
	switch t := v.(type) {
	case string:
		return tomlString(t)
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		switch {
		case math.IsInf(t, 1):
			return "inf"
		case math.IsInf(t, -1):
			return "-inf"
		case math.IsNaN(t):
			return "nan"
		}
		s := strconv.FormatFloat(t, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	case []any:
		if len(t) == 0 {
			return "[]"
		}
		multi := false
		for _, x := range t {
			if _, ok := x.(map[string]any); ok {
				multi = true
			}
		}
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = tomlValue(x, depth+1)
		}
		if !multi || depth > 0 {
			return "[" + strings.Join(parts, ", ") + "]"
		}
		return "[\n  " + strings.Join(parts, ",\n  ") + ",\n]"
	case []string:
		a := make([]any, len(t))
		for i, s := range t {
			a[i] = s
		}
		return tomlValue(a, depth)
	case map[string]any:
		if len(t) == 0 {
			return "{}"
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, tomlKey(k)+" = "+tomlValue(t[k], depth+1))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return tomlString(fmt.Sprint(v))
}
