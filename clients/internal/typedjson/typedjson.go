// Package typedjson renders event data as indented JSON with sorted keys in a form that
// keeps Go value types visible — int64 prints as 12, float64 always with a fraction or an
// exponent (12.0) — so golden files pin types as well as values. It is test support for the
// client packages and imports only the standard library.
package typedjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Options tune Render.
type Options struct {
	// Null renders nil as null; without it nil is an error (parsers that never emit nil).
	Null bool
}

// Render encodes v (strings, bools, int64, float64, maps, slices of those), ending in a
// newline. Any other type is an error.
func Render(v any, o Options) ([]byte, error) {
	var b bytes.Buffer
	if err := write(&b, v, "", o); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func write(b *bytes.Buffer, v any, indent string, o Options) error {
	in := indent + "  "
	switch x := v.(type) {
	case nil:
		if !o.Null {
			return fmt.Errorf("value of type %T is not event data", v)
		}
		b.WriteString("null")
	case string:
		var s bytes.Buffer
		enc := json.NewEncoder(&s)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		b.Write(bytes.TrimSuffix(s.Bytes(), []byte("\n")))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("non-finite float %v", x)
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		b.WriteString(s)
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{\n")
		for i, k := range keys {
			b.WriteString(in)
			if err := write(b, k, in, o); err != nil {
				return err
			}
			b.WriteString(": ")
			if err := write(b, x[k], in, o); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if i < len(keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case []map[string]any:
		list := make([]any, len(x))
		for i, m := range x {
			list[i] = m
		}
		return write(b, list, indent, o)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[\n")
		for i, e := range x {
			b.WriteString(in)
			if err := write(b, e, in, o); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
			if i < len(x)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	default:
		return fmt.Errorf("value of type %T is not event data", v)
	}
	return nil
}
