package runtime

import (
	"strconv"
	"strings"
)

// Event is one event in sGTM's common event data model (event_name, client_id,
// page_location, user_data, items, x-ga-*, ...). Values are JSON-like: string, float64,
// int64, bool, nil, []any and map[string]any.
type Event map[string]any

// Name returns the event's event_name.
func (e Event) Name() string {
	s, _ := e["event_name"].(string)
	return s
}

// Get returns a deep copy of the value at a dotted key path ("items.0.price"). Path
// components are object keys or array indices. A key that itself contains dots is found
// too when it exists literally (sGTM templates read keys such as "x-ga-mp2-seg").
func (e Event) Get(path string) (any, bool) {
	v, ok := lookupPath(map[string]any(e), path)
	if !ok {
		return nil, false
	}
	return DeepCopy(v), true
}

// Copy returns a deep copy of the event: every API hands templates copies (sGTM semantics).
func (e Event) Copy() Event {
	if e == nil {
		return Event{}
	}
	return Event(DeepCopy(map[string]any(e)).(map[string]any))
}

func lookupPath(root map[string]any, path string) (any, bool) {
	if v, ok := root[path]; ok {
		return v, true
	}
	var cur any = root
	rest := path
	for rest != "" {
		switch c := cur.(type) {
		case map[string]any:
			// Prefer the longest literal key that matches a prefix of rest, so keys that
			// contain dots still resolve.
			found := false
			for i := len(rest); i > 0; i-- {
				if i < len(rest) && rest[i] != '.' {
					continue
				}
				if v, ok := c[rest[:i]]; ok {
					cur = v
					rest = strings.TrimPrefix(rest[i:], ".")
					found = true
					break
				}
			}
			if !found {
				return nil, false
			}
		case []any:
			seg, tail, _ := strings.Cut(rest, ".")
			idx, err := strconv.Atoi(seg)
			if err != nil || idx < 0 || idx >= len(c) {
				return nil, false
			}
			cur = c[idx]
			rest = tail
		default:
			return nil, false
		}
	}
	return cur, true
}

// DeepCopy copies maps and slices recursively; other values are returned as they are.
func DeepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = DeepCopy(x)
		}
		return m
	case Event:
		return DeepCopy(map[string]any(t))
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = DeepCopy(x)
		}
		return s
	case []string:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = x
		}
		return s
	case []map[string]any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = DeepCopy(x)
		}
		return s
	default:
		return v
	}
}

// Stringify renders a value the way sGTM interpolates it into a string: strings as they
// are, numbers without trailing zeros, undefined as "undefined", objects as JSON-ish text.
func Stringify(v any) string {
	switch t := v.(type) {
	case nil:
		return "undefined"
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return FormatNumber(t)
	case float32:
		return FormatNumber(float64(t))
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			if x == nil {
				continue
			}
			parts[i] = Stringify(x)
		}
		return strings.Join(parts, ",")
	case map[string]any, Event:
		return "[object Object]"
	default:
		return ""
	}
}

// FormatNumber formats a float like JavaScript's Number#toString for the common cases.
func FormatNumber(f float64) string {
	if f == float64(int64(f)) && f < 1e21 && f > -1e21 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// ToNumber converts a value to float64 as JavaScript's Number() would for the common cases.
func ToNumber(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int64:
		return float64(t), true
	case int:
		return float64(t), true
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return 0, true
		}
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	return 0, false
}
