package templates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// decodeJSON decodes one JSON value; trailing data is an error.
func decodeJSON(data []byte, v any) error {
	return json.Unmarshal(data, v)
}

// textKeys are the UI text members that GTM may write as a localized object
// {"text": "...", "translations": [...]} instead of a string.
var textKeys = map[string]bool{
	"displayName": true, "description": true, "help": true, "displayValue": true,
	"checkboxText": true, "newRowButtonText": true, "valueHint": true,
	"valueUnit": true, "notSetText": true, "errorMessage": true,
}

// decodeLenient decodes data into a T. If that fails on a type error, it
// retries with localized text objects replaced by their default text; if the
// retry fails too, the first error (whose offsets match the file) is
// returned.
func decodeLenient[T any](data []byte) (T, error) {
	var v T
	err := decodeJSON(data, &v)
	var typ *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &typ) {
		return v, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // re-encode numbers exactly as written
	var generic any
	if dec.Decode(&generic) != nil || !delocalize(generic) {
		return v, err
	}
	again, merr := json.Marshal(generic)
	if merr != nil {
		return v, err
	}
	var retry T
	if decodeJSON(again, &retry) != nil {
		return v, err
	}
	return retry, nil
}

// delocalize replaces localized text objects under textKeys by their "text"
// string, in place, and reports whether it replaced any.
func delocalize(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if obj, ok := e.(map[string]any); ok && textKeys[k] {
				if text, ok := obj["text"].(string); ok {
					v[k] = text
					changed = true
					continue
				}
			}
			changed = delocalize(e) || changed
		}
	case []any:
		for _, e := range v {
			changed = delocalize(e) || changed
		}
	}
	return changed
}

// jsonError turns a decoder error on a section body that starts at file line
// start into a ParseError pointing at the line the decoder stopped on.
func jsonError(file, sect, body string, start int, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &ParseError{File: file, Line: start + lineOf(body, int(syn.Offset)-1), Section: sect,
			Msg: "invalid JSON: " + syn.Error(), Err: err}
	case errors.As(err, &typ):
		where := "value"
		if typ.Field != "" {
			where = fmt.Sprintf("%q", typ.Field)
		}
		got := typ.Value
		if i := strings.IndexByte(got, ' '); i > 0 {
			got = got[:i] // "number 1.5" → "number"
		}
		return &ParseError{File: file, Line: start + lineOf(body, int(typ.Offset)-1), Section: sect,
			Msg: fmt.Sprintf("invalid JSON: %s is a JSON %s, want %s", where, got, jsonKind(typ.Type)), Err: err}
	default:
		return &ParseError{File: file, Line: start, Section: sect, Msg: "invalid JSON: " + err.Error(), Err: err}
	}
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

// lineOf returns how many line breaks precede byte offset off of body
// (0 for the first line). Offsets out of range are clamped.
func lineOf(body string, off int) int {
	if off < 0 {
		off = 0
	}
	if off > len(body) {
		off = len(body)
	}
	return strings.Count(body[:off], "\n")
}

// valueOffset finds where a value starts inside a JSON body: key is a string
// for a member of the top-level object or an int for an element of the
// top-level array. It returns 0 when the value cannot be found, so callers
// fall back to the body's first line.
func valueOffset(body []byte, key any) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return 0
	}
	var skip json.RawMessage
	switch key := key.(type) {
	case string:
		if tok != json.Delim('{') {
			return 0
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return 0
			}
			if k == key {
				return skipToValue(body, int(dec.InputOffset()))
			}
			if dec.Decode(&skip) != nil {
				return 0
			}
		}
	case int:
		if tok != json.Delim('[') {
			return 0
		}
		for i := 0; dec.More(); i++ {
			if i == key {
				return skipToValue(body, int(dec.InputOffset()))
			}
			if dec.Decode(&skip) != nil {
				return 0
			}
		}
	}
	return 0
}

// skipToValue moves past whitespace and the separators ':' and ',' that the
// decoder leaves between its input offset and the next value.
func skipToValue(body []byte, off int) int {
	for off < len(body) {
		switch body[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}
