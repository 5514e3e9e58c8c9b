package ga4

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Limits for one hit. gtag batches at most a few dozen events and Google's
// collector refuses bodies above about 1 MB, so anything larger is not a
// browser talking to us.
const (
	MaxBodyBytes = 1 << 20  // whole body
	MaxLines     = 500      // non-empty body lines (events) per hit
	MaxLineBytes = 64 << 10 // one body line, without its terminator
	MaxItems     = 200      // pr1 … pr200; higher indexes are unknown params
)

// Hit is one inbound /g/collect HTTP request, already read.
type Hit struct {
	Method   string
	RawQuery string // without '?'
	Body     []byte // may be empty
	Header   http.Header
	RemoteIP string // client IP already resolved by the server (trusted proxies applied)
}

// ParseError reports malformed input. Line 0 is the query string, Line n ≥ 1
// is the n-th physical body line (empty lines count, so the number matches an
// editor's), and Line -1 is the body as a whole (size limit).
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	switch {
	case e.Line == 0:
		return "ga4: query string: " + e.Msg
	case e.Line < 0:
		return "ga4: body: " + e.Msg
	default:
		return fmt.Sprintf("ga4: body line %d: %s", e.Line, e.Msg)
	}
}

// Parse turns a hit into one event per non-empty body line, or into a single
// event from the query string when the body has no lines. Each body line's
// parameters overlay the query's (the line wins). The events are sGTM
// common-event-data maps; see mapping.go for the key table.
//
// Errors are *ParseError and only for malformed input: invalid
// percent-encoding, a body over MaxBodyBytes, more than MaxLines lines, a line
// over MaxLineBytes, or an event without an event name (en). On error no
// events are returned. Method is not consulted: a body is parsed whenever one
// is present.
func Parse(h Hit) ([]map[string]any, error) {
	if len(h.Body) > MaxBodyBytes {
		return nil, &ParseError{Line: -1, Msg: fmt.Sprintf("%d bytes exceeds the limit of %d", len(h.Body), MaxBodyBytes)}
	}
	query := make(map[string]string, 32)
	if err := parseForm(h.RawQuery, query); err != nil {
		return nil, &ParseError{Line: 0, Msg: err.Error()}
	}
	env := newEnvironment(h)

	lines, err := splitBody(h.Body)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		ev, err := buildEvent(query, env)
		if err != nil {
			return nil, &ParseError{Line: 0, Msg: err.Error()}
		}
		return []map[string]any{ev}, nil
	}

	events := make([]map[string]any, 0, len(lines))
	for _, ln := range lines {
		merged := make(map[string]string, len(query)+16)
		if err := parseForm(ln.text, merged); err != nil {
			return nil, &ParseError{Line: ln.num, Msg: err.Error()}
		}
		for k, v := range query {
			if _, ok := merged[k]; !ok { // line wins over query
				merged[k] = v
			}
		}
		ev, err := buildEvent(merged, env)
		if err != nil {
			return nil, &ParseError{Line: ln.num, Msg: err.Error()}
		}
		events = append(events, ev)
	}
	return events, nil
}

// environment is what an event takes from the HTTP request rather than from
// its parameters.
type environment struct {
	remoteIP  string
	userAgent string
	gaCookie  string // client id derived from the _ga cookie, "" if none
}

func newEnvironment(h Hit) environment {
	env := environment{remoteIP: h.RemoteIP}
	if h.Header != nil {
		env.userAgent = strings.ToValidUTF8(h.Header.Get("User-Agent"), "\uFFFD")
		env.gaCookie = clientIDFromCookies(h.Header)
	}
	return env
}

// clientIDFromCookies returns "A.B" from the first well-formed _ga cookie
// "GA1.x.A.B" (a.6), or "".
func clientIDFromCookies(h http.Header) string {
	if len(h.Values("Cookie")) == 0 {
		return ""
	}
	// net/http's cookie reader skips malformed pairs instead of failing.
	r := http.Request{Header: h}
	for _, c := range r.Cookies() {
		if c.Name != "_ga" {
			continue
		}
		if id := clientIDFromGA(c.Value); id != "" {
			return id
		}
	}
	return ""
}

func clientIDFromGA(v string) string {
	parts := strings.Split(v, ".")
	if len(parts) < 4 || !strings.HasPrefix(parts[0], "GA") {
		return ""
	}
	a, b := parts[len(parts)-2], parts[len(parts)-1]
	if a == "" || b == "" {
		return ""
	}
	return strings.ToValidUTF8(a+"."+b, "\uFFFD")
}

type bodyLine struct {
	num  int // physical, 1-based
	text string
}

// splitBody splits on "\n" (dropping a preceding "\r") and skips blank lines.
func splitBody(body []byte) ([]bodyLine, error) {
	if len(body) == 0 {
		return nil, nil
	}
	var lines []bodyLine
	num := 0
	for rest := body; len(rest) > 0; {
		num++
		var raw []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			raw, rest = rest[:i], rest[i+1:]
		} else {
			raw, rest = rest, nil
		}
		raw = bytes.TrimSuffix(raw, []byte{'\r'})
		if len(raw) > MaxLineBytes {
			return nil, &ParseError{Line: num, Msg: fmt.Sprintf("%d bytes exceeds the line limit of %d", len(raw), MaxLineBytes)}
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		if len(lines) == MaxLines {
			return nil, &ParseError{Line: num, Msg: fmt.Sprintf("more than %d events in one hit", MaxLines)}
		}
		lines = append(lines, bodyLine{num: num, text: string(raw)})
	}
	return lines, nil
}

// parseForm decodes an application/x-www-form-urlencoded string into dst.
// Only '&' separates pairs (';' is data, unlike old net/url behaviour), '+'
// is a space, a key without '=' has the value "", and the first occurrence of
// a key wins. Invalid UTF-8 is replaced by U+FFFD so events always encode as
// JSON.
func parseForm(s string, dst map[string]string) error {
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return fmt.Errorf("invalid percent-encoding in parameter name %q", clip(rawKey))
		}
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			return fmt.Errorf("invalid percent-encoding in the value of %q", clip(key))
		}
		if key == "" {
			continue
		}
		key = strings.ToValidUTF8(key, "\uFFFD")
		if _, dup := dst[key]; dup {
			continue
		}
		dst[key] = strings.ToValidUTF8(val, "\uFFFD")
	}
	return nil
}

// clip keeps error messages short when a hostile client sends huge names.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
