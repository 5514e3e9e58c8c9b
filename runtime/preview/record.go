package preview

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

// Record is everything preview shows about one captured request.
type Record struct {
	ID               string        `json:"id"`
	Time             time.Time     `json:"time"`
	Duration         time.Duration `json:"duration_ns"`
	Method           string        `json:"method"`
	Path             string        `json:"path"`
	Query            string        `json:"query,omitempty"`
	Host             string        `json:"host,omitempty"`
	RemoteIP         string        `json:"remote_ip,omitempty"`
	RequestHeader    http.Header   `json:"request_header,omitempty"`
	RequestBody      string        `json:"request_body,omitempty"`
	Preview          bool          `json:"preview"` // carried a preview header
	Status           int           `json:"status"`
	ResponseHeader   http.Header   `json:"response_header,omitempty"`
	ResponseBody     string        `json:"response_body,omitempty"`
	ContainerVersion string        `json:"container_version,omitempty"`
	// Client is the claiming client's name; "" when none claimed.
	Client   string                   `json:"client"`
	Clients  []ClientVerdict          `json:"clients"`
	Events   []EventRecord            `json:"events"`
	Outbound []runtime.OutboundRecord `json:"outbound"`
	Console  []ConsoleRecord          `json:"console"`
}

// Client verdicts.
const (
	Claimed  = "claimed"
	Declined = "declined"  // ran and did not recognise the request
	Errored  = "error"     // ran and failed
	NotTried = "not_tried" // a client with higher priority claimed first
)

// ClientVerdict says what one configured client did with the request.
type ClientVerdict struct {
	Name     string `json:"name"`
	Type     string `json:"type,omitempty"`
	Priority int    `json:"priority"`
	Verdict  string `json:"verdict"`
	Reason   string `json:"reason,omitempty"`
}

// EventRecord is one event's pass through the container.
type EventRecord struct {
	Name      string              `json:"name"`
	Data      map[string]any      `json:"data"`
	Tags      []runtime.TagResult `json:"tags"`
	NotFired  []runtime.NotFired  `json:"not_fired"`
	Variables map[string]any      `json:"variables,omitempty"`
	Start     time.Time           `json:"start"`
	Duration  time.Duration       `json:"duration_ns"`
}

// ConsoleRecord is one logToConsole line.
type ConsoleRecord struct {
	Source  string         `json:"source"`
	Message string         `json:"message"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// Summary is a Record's line in the request list and on the live stream.
type Summary struct {
	ID       string        `json:"id"`
	Time     time.Time     `json:"time"`
	Duration time.Duration `json:"duration_ns"`
	Method   string        `json:"method"`
	Path     string        `json:"path"`
	Status   int           `json:"status"`
	Client   string        `json:"client"`
	Preview  bool          `json:"preview"`
	Events   []string      `json:"events"`
	// Tags counts tag results by status (success, failure, exception, timeout).
	Tags     map[string]int `json:"tags"`
	NotFired int            `json:"not_fired"`
	Outbound int            `json:"outbound"`
	Console  int            `json:"console"`
}

// Summary condenses the record.
func (r *Record) Summary() Summary {
	s := Summary{ID: r.ID, Time: r.Time, Duration: r.Duration, Method: r.Method, Path: r.Path,
		Status: r.Status, Client: r.Client, Preview: r.Preview, Events: []string{}, Tags: map[string]int{},
		Outbound: len(r.Outbound), Console: len(r.Console)}
	for _, ev := range r.Events {
		s.Events = append(s.Events, ev.Name)
		for _, t := range ev.Tags {
			s.Tags[string(t.Status)]++
		}
		s.NotFired += len(ev.NotFired)
	}
	return s
}

// Redacted replaces credentials in what preview shows.
const Redacted = "[redacted]"

// secretName reports whether a header or query parameter name looks like it carries a
// credential (an access token in a CAPI URL, an API key header): preview is shared on
// screens and in screenshots, so those values are never shown.
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"token", "secret", "password", "passwd", "api_key", "apikey", "api-key", "authorization", "signature"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	for k := range out {
		if secretName(k) {
			out[k] = []string{Redacted}
		}
	}
	return out
}

// redactURL hides the values of secret-looking query parameters, keeping everything else
// byte for byte (order and encoding) so the URL still reads as sent.
func redactURL(raw string) string {
	base, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	query, frag, hasFrag := strings.Cut(query, "#")
	parts := strings.Split(query, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if secretName(k) {
			parts[i] = strings.SplitN(p, "=", 2)[0] + "=" + Redacted
		}
	}
	out := base + "?" + strings.Join(parts, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}

func redactOutbound(o runtime.OutboundRecord) runtime.OutboundRecord {
	o.URL = redactURL(o.URL)
	o.RequestHeader = redactHeader(o.RequestHeader)
	o.ResponseHeader = redactHeader(o.ResponseHeader)
	return o
}

// Snapshot copies what x did into a Record. It reads x only through its thread-safe
// accessors, so it may run while late callbacks are still touching x.
func Snapshot(x *runtime.Exchange, status int, dur time.Duration, maxBody int) *Record {
	req := x.Request
	rec := &Record{
		ID:       x.ID,
		Time:     time.Now().Add(-dur),
		Duration: dur,
		Preview:  x.Preview,
		Status:   status,
		Client:   x.ClaimedBy(),
		Outbound: x.Trace.Outbound(),
		Clients:  []ClientVerdict{},
		Events:   []EventRecord{},
		Console:  []ConsoleRecord{},
	}
	if rec.Outbound == nil {
		rec.Outbound = []runtime.OutboundRecord{}
	}
	for i := range rec.Outbound {
		rec.Outbound[i] = redactOutbound(rec.Outbound[i])
	}
	if req != nil {
		rec.Method, rec.Path, rec.Query, rec.Host, rec.RemoteIP = req.Method, req.Path, req.RawQuery, req.Host, req.RemoteIP
		rec.RequestHeader = redactHeader(req.Header)
		if rec.Query != "" {
			rec.Query = strings.TrimPrefix(redactURL("?"+rec.Query), "?")
		}
		rec.RequestBody = clip(req.Body, maxBody)
	}
	if resp := x.Response(); resp != nil && resp.Returned() {
		_, h, b := resp.Snapshot()
		rec.ResponseHeader, rec.ResponseBody = h.Clone(), clip(b, maxBody)
	}
	if c := x.Container; c != nil {
		if c.Env != nil {
			rec.ContainerVersion = c.Env.Version
		}
		rec.Clients = verdicts(c.Clients, x.Trace.Clients(), rec.Client)
	}
	for _, ev := range x.Events() {
		er := EventRecord{
			Name:      ev.Event.Name(),
			Data:      jsonSafeMap(ev.Event),
			Tags:      slices.Clone(ev.Tags),
			NotFired:  slices.Clone(ev.NotFired),
			Variables: jsonSafeMap(ev.Variables),
			Start:     ev.Start,
			Duration:  ev.Duration,
		}
		for i := range er.Tags {
			er.Tags[i].Data = jsonSafeMap(er.Tags[i].Data)
		}
		if er.Tags == nil {
			er.Tags = []runtime.TagResult{}
		}
		if er.NotFired == nil {
			er.NotFired = []runtime.NotFired{}
		}
		rec.Events = append(rec.Events, er)
	}
	for _, l := range x.Trace.Console() {
		rec.Console = append(rec.Console, ConsoleRecord{Source: l.Source, Message: l.Message, Fields: jsonSafeMap(l.Fields)})
	}
	return rec
}

// verdicts explains every configured client: the engine asks them in priority order until
// one claims, so those after the claimer never ran.
func verdicts(clients []*runtime.ClientBinding, attempts []runtime.ClientAttempt, claimedBy string) []ClientVerdict {
	byName := make(map[string]runtime.ClientAttempt, len(attempts))
	for _, a := range attempts {
		byName[a.Name] = a
	}
	out := make([]ClientVerdict, 0, len(clients))
	for _, cb := range clients {
		v := ClientVerdict{Name: cb.Name, Type: cb.Type, Priority: cb.Priority}
		a, ran := byName[cb.Name]
		switch {
		case cb.Name == claimedBy || (ran && a.Claimed):
			v.Verdict = Claimed
			if a.Error != "" {
				v.Reason = "claimed, then failed: " + a.Error
			}
		case ran && a.Error != "":
			v.Verdict, v.Reason = Errored, a.Error
		case ran:
			v.Verdict, v.Reason = Declined, "did not recognise the request (path, method or parameters not its own)"
		case claimedBy != "":
			v.Verdict, v.Reason = NotTried, "not asked: "+quote(claimedBy)+" claimed the request first (clients run in priority order)"
		default:
			v.Verdict, v.Reason = NotTried, "not asked"
		}
		out = append(out, v)
	}
	return out
}

func quote(s string) string { return "\"" + s + "\"" }

func clip(b []byte, max int) string {
	if max <= 0 {
		max = DefaultMaxBody
	}
	if len(b) > max {
		return strings.ToValidUTF8(string(b[:max]), "\uFFFD") + "…(truncated)"
	}
	return string(b)
}

// jsonSafeMap deep-copies m so that encoding/json accepts it: NaN and ±Inf (which JSON
// cannot hold) become strings. Event data comes from outside and may contain them.
func jsonSafeMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = jsonSafe(v)
	}
	return out
}

func jsonSafe(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return jsonSafeMap(t)
	case runtime.Event:
		return jsonSafeMap(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonSafe(e)
		}
		return out
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return runtime.Stringify(t)
		}
	case float32:
		if math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) {
			return runtime.Stringify(float64(t))
		}
	}
	return runtime.DeepCopy(v)
}
