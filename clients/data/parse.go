package data

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/clients/internal/jsonx"
)

// Limits of one request.
const (
	MaxEvents   = 500 // events in one batch
	MaxKeyBytes = 256 // a form key
	MaxFields   = 1000
	maxDepth    = 32
)

// Input is one request, already read.
type Input struct {
	Method      string
	RawQuery    string // without '?'
	ContentType string
	Body        []byte
	RemoteIP    string // added as ip_override unless the event has one
	UserAgent   string // added as user_agent unless the event has one
	// Ignore lists query/form keys that are not event data (e.g. the api_key parameter).
	Ignore []string
}

// Error is a client mistake in the request.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// numericKeys are common event-data keys that form encodings can only send as text;
// they become numbers when they hold a plain decimal number, as a JSON sender would send
// them.
var numericKeys = map[string]bool{
	"value": true, "tax": true, "shipping": true, "discount": true, "price": true,
	"quantity": true, "engagement_time_msec": true, "ga_session_number": true,
}

// jsonKeys are keys whose form value may be JSON text (an items array, a user_data object).
var jsonKeys = map[string]bool{"items": true, "user_data": true, "user_properties": true}

// Parse turns a request into events. Query parameters are defaults for every event; a
// form body overlays them; a JSON body's events overlay them in turn ({"events": [...]}
// with shared top-level keys: the shared keys apply to each event, the event's own keys
// win). Every event needs an event_name, from itself or from the query.
//
// Errors are *Error or *jsonx.SyntaxError and mean the request is malformed; no event is
// returned with an error.
func Parse(in Input) ([]map[string]any, error) {
	ignore := map[string]bool{}
	for _, k := range in.Ignore {
		ignore[k] = true
	}
	base := map[string]any{}
	if err := parseForm(in.RawQuery, base, ignore); err != nil {
		return nil, errorf("query string: %v", err)
	}
	var events []map[string]any
	body := bytes.TrimSpace(in.Body)
	switch kind := bodyKind(in.ContentType, body); kind {
	case "":
		events = []map[string]any{base}
	case "form":
		ev := copyMap(base)
		if err := parseForm(string(body), ev, ignore); err != nil {
			return nil, errorf("form body: %v", err)
		}
		events = []map[string]any{ev}
	case "json":
		dec, err := jsonx.Decode(body, maxDepth)
		if err != nil {
			return nil, err
		}
		events, err = jsonEvents(dec.Value, base)
		if err != nil {
			return nil, err
		}
	default:
		return nil, errorf("unsupported content type %q: send JSON or form data", kind)
	}
	for i, ev := range events {
		name, ok := ev["event_name"].(string)
		if !ok || strings.TrimSpace(name) == "" {
			where := ""
			if len(events) > 1 {
				where = fmt.Sprintf("event %d: ", i)
			}
			if ev["event_name"] != nil && !ok {
				return nil, errorf("%sevent_name must be a string", where)
			}
			return nil, errorf("%sno event_name (give it in the event or as the event_name query parameter)", where)
		}
		if _, ok := ev["ip_override"]; !ok && in.RemoteIP != "" {
			ev["ip_override"] = in.RemoteIP
		}
		if _, ok := ev["user_agent"]; !ok && in.UserAgent != "" {
			ev["user_agent"] = strings.ToValidUTF8(in.UserAgent, "\uFFFD")
		}
	}
	return events, nil
}

// bodyKind decides how to read the body: "" (none), "form", "json" or the unsupported
// media type. A missing or text/plain content type is sniffed (sendBeacon posts JSON as
// text/plain).
func bodyKind(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		return "form"
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return "json"
	case mt == "" || mt == "text/plain":
		if body[0] == '{' || body[0] == '[' {
			return "json"
		}
		return "form"
	}
	return mt
}

func jsonEvents(v any, base map[string]any) ([]map[string]any, error) {
	var list []any
	shared := base
	switch t := v.(type) {
	case map[string]any:
		raw, batch := t["events"]
		if !batch {
			return []map[string]any{overlay(base, t)}, nil
		}
		l, ok := raw.([]any)
		if !ok {
			return nil, errorf("\"events\" must be an array of event objects")
		}
		rest := make(map[string]any, len(t))
		for k, x := range t {
			if k != "events" {
				rest[k] = x
			}
		}
		shared = overlay(base, rest)
		list = l
	case []any:
		list = t
	default:
		return nil, errorf("the JSON body must be an event object, an array of events or {\"events\": [...]}")
	}
	if len(list) == 0 {
		return nil, errorf("the batch has no events")
	}
	if len(list) > MaxEvents {
		return nil, errorf("%d events in one request; the limit is %d", len(list), MaxEvents)
	}
	out := make([]map[string]any, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, errorf("event %d is not a JSON object", i)
		}
		out = append(out, overlay(shared, m))
	}
	return out, nil
}

// overlay returns a deep copy of base with top's keys set over it.
func overlay(base, top map[string]any) map[string]any {
	out := copyMap(base)
	for k, v := range top {
		out[k] = deepCopy(v)
	}
	return out
}

// parseForm decodes an x-www-form-urlencoded string into dst: only '&' separates pairs,
// '+' is a space, the first occurrence of a key wins within one string, and a later string
// (the body) overrides an earlier one (the query). Dotted keys ("user_data.email_address")
// build nested objects.
func parseForm(s string, dst map[string]any, ignore map[string]bool) error {
	seen := map[string]bool{}
	n := 0
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		if n++; n > MaxFields {
			return fmt.Errorf("more than %d fields", MaxFields)
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return fmt.Errorf("invalid percent-encoding in field name %q", clip(rawKey))
		}
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			return fmt.Errorf("invalid percent-encoding in the value of %q", clip(key))
		}
		key = strings.ToValidUTF8(key, "\uFFFD")
		if key == "" || ignore[key] || seen[key] {
			continue
		}
		if len(key) > MaxKeyBytes {
			return fmt.Errorf("field name %q is longer than %d bytes", clip(key), MaxKeyBytes)
		}
		seen[key] = true
		if err := setPath(dst, key, formValue(key, strings.ToValidUTF8(val, "\uFFFD"))); err != nil {
			return err
		}
	}
	return nil
}

func formValue(key, v string) any {
	leaf := key
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		leaf = key[i+1:]
	}
	if numericKeys[leaf] && isDecimal(v) {
		if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) {
			return f
		}
	}
	if jsonKeys[key] && v != "" && (v[0] == '[' || v[0] == '{') {
		if dec, err := jsonx.Decode([]byte(v), maxDepth); err == nil {
			return dec.Value
		}
	}
	return v
}

// setPath sets a dotted key; an empty segment ("a..b", "a.") keeps the key literal.
func setPath(dst map[string]any, key string, v any) error {
	parts := strings.Split(key, ".")
	for _, p := range parts {
		if p == "" {
			dst[key] = v
			return nil
		}
	}
	if len(parts) > maxDepth {
		return fmt.Errorf("field name %q nests deeper than %d levels", clip(key), maxDepth)
	}
	m := dst
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
	return nil
}

// isDecimal reports whether s is a plain decimal number ("-1.5", "42", "1e3"), not
// "0x10", "Inf" or "1_000" which strconv would also take.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	intPart := digits()
	frac := 0
	if i < len(s) && s[i] == '.' {
		i++
		frac = digits()
	}
	if intPart == 0 && frac == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:64] + "…"
}

func copyMap(m map[string]any) map[string]any {
	out, _ := deepCopy(m).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

func deepCopy(x any) any {
	switch t := x.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, v := range t {
			m[k] = deepCopy(v)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, v := range t {
			s[i] = deepCopy(v)
		}
		return s
	}
	return x
}

// IsClientError reports whether err is a malformed-request error from Parse.
func IsClientError(err error) bool {
	var e *Error
	var se *jsonx.SyntaxError
	return errors.As(err, &e) || errors.As(err, &se)
}
