package clients

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// settings reads a client's free-form settings table with typed accessors. Every problem
// is collected, so the loader can report all of them at once (it prefixes file:line).
type settings struct {
	m      map[string]any
	prefix string // "identity." for a nested table
	errs   []string
	seen   map[string]bool
}

func newSettings(m map[string]any) *settings {
	return &settings{m: m, seen: map[string]bool{}}
}

func (s *settings) errorf(key, format string, args ...any) {
	s.errs = append(s.errs, fmt.Sprintf("setting %q: ", s.prefix+key)+fmt.Sprintf(format, args...))
}

func (s *settings) get(key string) (any, bool) {
	s.seen[key] = true
	v, ok := s.m[key]
	return v, ok && v != nil
}

func (s *settings) str(key, def string) string {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	str, isStr := v.(string)
	if !isStr {
		s.errorf(key, "want a string, not %s", typeName(v))
		return def
	}
	return str
}

func (s *settings) boolean(key string, def bool) bool {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	b, isBool := v.(bool)
	if !isBool {
		s.errorf(key, "want true or false, not %s", typeName(v))
		return def
	}
	return b
}

func (s *settings) integer(key string, def, min, max int64) int64 {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	var n int64
	switch t := v.(type) {
	case int64:
		n = t
	case int:
		n = int64(t)
	case float64:
		if t != math.Trunc(t) {
			s.errorf(key, "want a whole number, not %v", t)
			return def
		}
		n = int64(t)
	default:
		s.errorf(key, "want a number, not %s", typeName(v))
		return def
	}
	if n < min || n > max {
		s.errorf(key, "%d is out of range [%d, %d]", n, min, max)
		return def
	}
	return n
}

// duration accepts a Go duration string with an extra "d" (days) unit ("90d", "36h",
// "1d12h") or a number of seconds.
func (s *settings) duration(key string, def, min, max time.Duration) time.Duration {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	var d time.Duration
	switch t := v.(type) {
	case string:
		var err error
		d, err = parseDuration(t)
		if err != nil {
			s.errorf(key, "%v", err)
			return def
		}
	case int64:
		d = time.Duration(t) * time.Second
	case float64:
		d = time.Duration(t * float64(time.Second))
	default:
		s.errorf(key, "want a duration such as \"90d\" or \"12h\", not %s", typeName(v))
		return def
	}
	if d < min || d > max {
		s.errorf(key, "%s is out of range [%s, %s]", fmtDuration(d), fmtDuration(min), fmtDuration(max))
		return def
	}
	return d
}

func (s *settings) strings(key string, def []string) []string {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	out, err := settingStrings(map[string]any{key: v}, key)
	if err != nil {
		s.errorf(key, "want a string or a list of strings")
		return def
	}
	return out
}

// table returns a nested settings table (nil when absent).
func (s *settings) table(key string) *settings {
	v, ok := s.get(key)
	if !ok {
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		s.errorf(key, "want a table, not %s", typeName(v))
		return nil
	}
	return &settings{m: m, prefix: s.prefix + key + ".", seen: map[string]bool{}}
}

// adopt merges a nested table's errors (after its unknown keys were checked).
func (s *settings) adopt(sub *settings) {
	if sub == nil {
		return
	}
	sub.unknown()
	s.errs = append(s.errs, sub.errs...)
}

// unknown reports keys that no accessor asked for: a misspelt setting is an error, as in
// the rest of the config.
func (s *settings) unknown() {
	var known []string
	for k := range s.seen {
		known = append(known, k)
	}
	sort.Strings(known)
	var keys []string
	for k := range s.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !s.seen[k] {
			s.errs = append(s.errs, fmt.Sprintf("unknown setting %q (known: %s)", s.prefix+k, strings.Join(known, ", ")))
		}
	}
}

// err returns every problem found, or nil. Call it after all accessors.
func (s *settings) err() error {
	s.unknown()
	if len(s.errs) == 0 {
		return nil
	}
	return settingsError(s.errs)
}

type settingsError []string

func (e settingsError) Error() string { return strings.Join(e, "; ") }

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, int, float64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

func parseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var days int64
	if i := strings.Index(t, "d"); i >= 0 {
		n, err := strconv.ParseInt(t[:i], 10, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad duration %q: want e.g. \"90d\", \"36h\" or \"1d12h\"", s)
		}
		days, t = n, t[i+1:]
	}
	var rest time.Duration
	if t != "" {
		var err error
		rest, err = time.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q: want e.g. \"90d\", \"36h\" or \"1d12h\"", s)
		}
	}
	return time.Duration(days)*24*time.Hour + rest, nil
}

func fmtDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 && d != 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}
