package runtime

import (
	"net/http"
	"sync"
	"time"
)

// Trace records what one request did beyond its events, for preview and debugging: every
// outbound HTTP request with its response, and every console line. It is attached to an
// Exchange only when capture is on, so normal traffic pays nothing.
type Trace struct {
	mu       sync.Mutex
	outbound []OutboundRecord
	console  []ConsoleLine
	clients  []ClientAttempt
	// MaxBody caps the bytes kept of each request and response body.
	MaxBody int
}

// OutboundRecord is one outbound HTTP request and its outcome.
type OutboundRecord struct {
	Source         string        `json:"source"`
	Method         string        `json:"method"`
	URL            string        `json:"url"`
	RequestHeader  http.Header   `json:"request_header,omitempty"`
	RequestBody    string        `json:"request_body,omitempty"`
	Status         int           `json:"status,omitempty"`
	ResponseHeader http.Header   `json:"response_header,omitempty"`
	ResponseBody   string        `json:"response_body,omitempty"`
	Error          string        `json:"error,omitempty"`
	Start          time.Time     `json:"start"`
	Duration       time.Duration `json:"duration_ns"`
}

func (t *Trace) clip(b []byte) string {
	max := t.MaxBody
	if max <= 0 {
		max = 64 << 10
	}
	if len(b) > max {
		return string(b[:max]) + "…(truncated)"
	}
	return string(b)
}

// AddOutbound records an outbound request.
func (t *Trace) AddOutbound(req *OutboundRequest, resp *OutboundResponse, err error, start time.Time) {
	if t == nil {
		return
	}
	r := OutboundRecord{Source: req.Source, Method: req.Method, URL: req.URL, RequestHeader: req.Header.Clone(), RequestBody: t.clip(req.Body), Start: start, Duration: time.Since(start)}
	if resp != nil {
		r.Status, r.ResponseHeader, r.ResponseBody = resp.StatusCode, resp.Header.Clone(), t.clip(resp.Body)
	}
	if err != nil {
		r.Error = err.Error()
	}
	t.mu.Lock()
	t.outbound = append(t.outbound, r)
	t.mu.Unlock()
}

// AddConsole records a console line.
func (t *Trace) AddConsole(l ConsoleLine) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.console = append(t.console, l)
	t.mu.Unlock()
}

// Outbound returns the recorded outbound requests.
func (t *Trace) Outbound() []OutboundRecord {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]OutboundRecord(nil), t.outbound...)
}

// Console returns the recorded console lines.
func (t *Trace) Console() []ConsoleLine {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]ConsoleLine(nil), t.console...)
}

// ClientAttempt is one client's turn at a request: whether it claimed it and the error it
// returned, so preview can say why a client did not claim.
type ClientAttempt struct {
	Name    string `json:"name"`
	Claimed bool   `json:"claimed"`
	Error   string `json:"error,omitempty"`
}

// AddClient records that client name was asked to handle the request.
func (t *Trace) AddClient(name string, claimed bool, err error) {
	if t == nil {
		return
	}
	a := ClientAttempt{Name: name, Claimed: claimed}
	if err != nil {
		a.Error = err.Error()
	}
	t.mu.Lock()
	t.clients = append(t.clients, a)
	t.mu.Unlock()
}

// Clients returns the recorded client attempts in the order they ran.
func (t *Trace) Clients() []ClientAttempt {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]ClientAttempt(nil), t.clients...)
}
