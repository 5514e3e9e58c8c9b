package cloud

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Firestore REST "Value" encoding (https://firebase.google.com/docs/firestore/reference/rest/v1/Value):
// a JSON object with exactly one typed member.

const maxValueDepth = 100

// encodeFields encodes a document's data as a Firestore fields map.
func encodeFields(m map[string]any) (map[string]any, error) {
	return encodeMap(m, 0)
}

func encodeMap(m map[string]any, depth int) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		ev, err := encodeValue(v, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = ev
	}
	return out, nil
}

func encodeValue(v any, depth int) (map[string]any, error) {
	if depth > maxValueDepth {
		return nil, errors.New("value nested too deeply")
	}
	switch t := v.(type) {
	case nil:
		return map[string]any{"nullValue": nil}, nil
	case bool:
		return map[string]any{"booleanValue": t}, nil
	case string:
		return map[string]any{"stringValue": t}, nil
	case int:
		return map[string]any{"integerValue": strconv.FormatInt(int64(t), 10)}, nil
	case int32:
		return map[string]any{"integerValue": strconv.FormatInt(int64(t), 10)}, nil
	case int64:
		return map[string]any{"integerValue": strconv.FormatInt(t, 10)}, nil
	case float32:
		return encodeValue(float64(t), depth)
	case float64:
		// Like the JavaScript SDK: safe integers are stored as integers.
		if t == math.Trunc(t) && math.Abs(t) <= 1<<53 && !(t == 0 && math.Signbit(t)) {
			return map[string]any{"integerValue": strconv.FormatInt(int64(t), 10)}, nil
		}
		switch {
		case math.IsNaN(t):
			return map[string]any{"doubleValue": "NaN"}, nil
		case math.IsInf(t, 1):
			return map[string]any{"doubleValue": "Infinity"}, nil
		case math.IsInf(t, -1):
			return map[string]any{"doubleValue": "-Infinity"}, nil
		}
		return map[string]any{"doubleValue": t}, nil
	case time.Time:
		return map[string]any{"timestampValue": t.UTC().Format(time.RFC3339Nano)}, nil
	case []byte:
		return map[string]any{"bytesValue": base64.StdEncoding.EncodeToString(t)}, nil
	case []any:
		vals := make([]any, len(t))
		for i, x := range t {
			ev, err := encodeValue(x, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			vals[i] = ev
		}
		return map[string]any{"arrayValue": map[string]any{"values": vals}}, nil
	case map[string]any:
		f, err := encodeMap(t, depth)
		if err != nil {
			return nil, err
		}
		return map[string]any{"mapValue": map[string]any{"fields": f}}, nil
	}
	return nil, fmt.Errorf("cannot store a value of type %T", v)
}

// decodeFields turns a Firestore fields map into plain data: integers become int64,
// doubles float64, timestamps RFC 3339 strings, bytes base64 strings, references their
// resource name, geo points {latitude, longitude}.
func decodeFields(fields map[string]json.RawMessage) (map[string]any, error) {
	return decodeMapFields(fields, 0)
}

func decodeMapFields(fields map[string]json.RawMessage, depth int) (map[string]any, error) {
	out := make(map[string]any, len(fields))
	for k, raw := range fields {
		v, err := decodeValue(raw, depth+1)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

func decodeValue(raw json.RawMessage, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, errors.New("value nested too deeply")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("value is not an object: %w", err)
	}
	if len(m) != 1 {
		return nil, fmt.Errorf("value has %d members, want exactly one", len(m))
	}
	for kind, v := range m {
		switch kind {
		case "nullValue":
			return nil, nil
		case "booleanValue":
			var b bool
			err := json.Unmarshal(v, &b)
			return b, wrapKind(kind, err)
		case "integerValue":
			return decodeInteger(v)
		case "doubleValue":
			return decodeDouble(v)
		case "stringValue", "timestampValue", "referenceValue", "bytesValue":
			var s string
			err := json.Unmarshal(v, &s)
			return s, wrapKind(kind, err)
		case "geoPointValue":
			var g struct {
				Latitude  float64 `json:"latitude"`
				Longitude float64 `json:"longitude"`
			}
			if err := json.Unmarshal(v, &g); err != nil {
				return nil, wrapKind(kind, err)
			}
			return map[string]any{"latitude": g.Latitude, "longitude": g.Longitude}, nil
		case "arrayValue":
			var a struct {
				Values []json.RawMessage `json:"values"`
			}
			if err := json.Unmarshal(v, &a); err != nil {
				return nil, wrapKind(kind, err)
			}
			out := make([]any, len(a.Values))
			for i, x := range a.Values {
				dv, err := decodeValue(x, depth+1)
				if err != nil {
					return nil, fmt.Errorf("[%d]: %w", i, err)
				}
				out[i] = dv
			}
			return out, nil
		case "mapValue":
			var mv struct {
				Fields map[string]json.RawMessage `json:"fields"`
			}
			if err := json.Unmarshal(v, &mv); err != nil {
				return nil, wrapKind(kind, err)
			}
			return decodeMapFields(mv.Fields, depth)
		default:
			return nil, fmt.Errorf("unknown value kind %q", kind)
		}
	}
	return nil, nil // unreachable: len(m) == 1
}

func wrapKind(kind string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	return nil
}

// decodeInteger accepts the proto3 JSON int64 forms: a decimal string or a number.
func decodeInteger(v json.RawMessage) (any, error) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			return nil, fmt.Errorf("integerValue: %w", err)
		}
		s = n.String()
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("integerValue: %w", err)
	}
	return i, nil
}

func decodeDouble(v json.RawMessage) (any, error) {
	var f float64
	if err := json.Unmarshal(v, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("doubleValue: %w", err)
	}
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("doubleValue: %w", err)
	}
	return f, nil
}

var simpleFieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z_0-9]*$`)

// fieldPath renders segments as a Firestore field path, quoting segments that are not
// simple identifiers with backticks.
func fieldPath(segs []string) string {
	parts := make([]string, len(segs))
	for i, s := range segs {
		if simpleFieldName.MatchString(s) {
			parts[i] = s
			continue
		}
		s = strings.ReplaceAll(s, `\`, `\\`)
		s = strings.ReplaceAll(s, "`", "\\`")
		parts[i] = "`" + s + "`"
	}
	return strings.Join(parts, ".")
}
