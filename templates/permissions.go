package templates

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// permissionJSON is the envelope of one ___SERVER_PERMISSIONS___ entry. The
// version id and client annotations are irrelevant at run time; RawMessage
// keeps odd spellings of them from failing the parse.
type permissionJSON struct {
	Instance *struct {
		Key struct {
			PublicID  string          `json:"publicId"`
			VersionID json.RawMessage `json:"versionId"`
		} `json:"key"`
		Param []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"param"`
	} `json:"instance"`
	IsRequired bool `json:"isRequired"`
}

func (t *Template) parsePermissions(s *section) error {
	body, line := s.body()
	if body == "" {
		t.Permissions = []Permission{} // present but empty: no permissions granted
		return nil
	}
	var raw []permissionJSON
	if err := decodeJSON([]byte(body), &raw); err != nil {
		return jsonError(t.Path, SectionPermissions, body, line, err)
	}
	t.Permissions = make([]Permission, 0, len(raw))
	for i, r := range raw {
		if r.Instance == nil || r.Instance.Key.PublicID == "" {
			return &ParseError{File: t.Path, Section: SectionPermissions,
				Line: line + lineOf(body, valueOffset([]byte(body), i)),
				Msg:  fmt.Sprintf("permission %d: missing instance.key.publicId", i+1)}
		}
		p := Permission{ID: r.Instance.Key.PublicID, Required: r.IsRequired, Params: map[string]any{}}
		for _, kv := range r.Instance.Param {
			p.Params[kv.Key] = DecodeValue(kv.Value)
		}
		t.Permissions = append(t.Permissions, p)
	}
	return nil
}

// DecodeValue turns one GTM typed value (as decoded by encoding/json) into a
// plain Go value: type 1 → string, 2 → []any, 3 → map[string]any, 8 → bool.
// Anything else is decoded on a best-effort basis and never fails: a value
// with an unknown type is read by whichever payload key it carries, and
// input that is not a typed value at all is returned unchanged.
func DecodeValue(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	switch typeCode(m["type"]) {
	case 1:
		return decodeString(m)
	case 2:
		return decodeList(m)
	case 3:
		return decodeMap(m)
	case 8:
		return decodeBool(m)
	}
	// Unknown or missing type: go by the payload key.
	switch {
	case m["string"] != nil:
		return decodeString(m)
	case m["listItem"] != nil:
		return decodeList(m)
	case m["mapKey"] != nil || m["mapValue"] != nil:
		return decodeMap(m)
	case m["boolean"] != nil:
		return decodeBool(m)
	}
	// A single payload next to "type" (say {"type": 5, "integer": 7}) is the value.
	var payload any
	n := 0
	for k, v := range m {
		if k != "type" {
			payload = v
			n++
		}
	}
	if n == 1 {
		return payload
	}
	return m
}

// typeCode reads "type" as an integer; 0 when absent or not a number.
func typeCode(v any) int {
	switch v := v.(type) {
	case float64:
		if v == float64(int(v)) {
			return int(v)
		}
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return 0
}

func decodeString(m map[string]any) any {
	switch s := m["string"].(type) {
	case nil:
		return ""
	case string:
		return s
	default:
		return s // not a string: keep what was written
	}
}

func decodeList(m map[string]any) any {
	items, _ := m["listItem"].([]any)
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = DecodeValue(it)
	}
	return out
}

func decodeMap(m map[string]any) any {
	keys, _ := m["mapKey"].([]any)
	vals, _ := m["mapValue"].([]any)
	out := make(map[string]any, len(keys))
	for i, k := range keys {
		var key string
		switch dk := DecodeValue(k).(type) {
		case string:
			key = dk
		default:
			key = fmt.Sprint(dk)
		}
		var val any
		if i < len(vals) {
			val = DecodeValue(vals[i])
		}
		out[key] = val
	}
	return out
}

func decodeBool(m map[string]any) any {
	switch b := m["boolean"].(type) {
	case bool:
		return b
	case string:
		return b == "true"
	case nil:
		return false
	default:
		return b
	}
}
