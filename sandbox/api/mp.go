package api

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

// isRequestMpv1/2 and extractEventsFromMpv1/2 read the whole request (path, query, body,
// headers), so they need read_request to be declared but check no single component: sGTM
// documents no component for them [inf].

func init() {
	register("isRequestMpv1", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		mustHaveReadRequest(vu, "isRequestMpv1")
		r := request(vu)
		return vu.Runtime().ToValue(r != nil && isMpv1(r))
	})
	register("isRequestMpv2", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		mustHaveReadRequest(vu, "isRequestMpv2")
		r := request(vu)
		return vu.Runtime().ToValue(r != nil && isMpv2(r))
	})
	register("extractEventsFromMpv1", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		mustHaveReadRequest(vu, "extractEventsFromMpv1")
		r := request(vu)
		if r == nil || !isMpv1(r) {
			vu.Throwf("extractEventsFromMpv1: the request is not a Measurement Protocol v1 request")
		}
		evs, err := extractMpv1(r)
		if err != nil {
			vu.Throwf("extractEventsFromMpv1: %v", err)
		}
		return eventsToJS(vu, evs)
	})
	register("extractEventsFromMpv2", "read_request", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		mustHaveReadRequest(vu, "extractEventsFromMpv2")
		r := request(vu)
		if r == nil || !isMpv2(r) {
			vu.Throwf("extractEventsFromMpv2: the request is not a Measurement Protocol v2 request")
		}
		parse := extractMpv2
		if p := mpv2Parser.Load(); p != nil {
			parse = *p
		}
		evs, err := parse(r)
		if err != nil {
			vu.Throwf("extractEventsFromMpv2: %v", err)
		}
		return eventsToJS(vu, evs)
	})
}

var mpv2Parser atomic.Pointer[func(*runtime.Request) ([]map[string]any, error)]

// SetMpv2Parser replaces the built-in /g/collect parser of extractEventsFromMpv2 (nil
// restores it). The GA4 client package has the complete mapping; this package may not
// import clients, so the binary wires it in.
func SetMpv2Parser(p func(r *runtime.Request) ([]map[string]any, error)) {
	if p == nil {
		mpv2Parser.Store(nil)
		return
	}
	mpv2Parser.Store(&p)
}

func mustHaveReadRequest(vu *sandbox.VU, api string) {
	ex := vu.Exec()
	if ex == nil || ex.Program == nil || !ex.Program.Perms.Has("read_request") {
		vu.Throw(&sandbox.PermissionError{API: api, Permission: "read_request"})
	}
}

func eventsToJS(vu *sandbox.VU, evs []map[string]any) goja.Value {
	out := make([]any, len(evs))
	for i, e := range evs {
		out[i] = e
	}
	return vu.ToJS(out)
}

// maxHitLines bounds the events one batched request may carry.
const maxHitLines = 1000

// hitLines splits a batched body into its non-empty lines (CRLF or LF).
func hitLines(body []byte) []string {
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if l = strings.TrimSuffix(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// pathIs reports whether path is want, possibly below a prefix and with a trailing slash.
func pathIs(path, want string) bool {
	path = strings.TrimSuffix(path, "/")
	return path == want || strings.HasSuffix(path, want)
}

// firstLineValues parses the first body line leniently (detection must not fail).
func firstLineValues(body []byte) url.Values {
	lines := hitLines(body)
	if len(lines) == 0 {
		return nil
	}
	v, _ := url.ParseQuery(lines[0])
	return v
}

func param(q, line url.Values, key string) string {
	if v := q.Get(key); v != "" {
		return v
	}
	return line.Get(key)
}

// isMpv2 is the GA4 web protocol: /g/collect with v=2 and a measurement id.
func isMpv2(r *runtime.Request) bool {
	if !pathIs(r.Path, "/g/collect") {
		return false
	}
	line := firstLineValues(r.Body)
	return param(r.QueryValues(), line, "v") == "2" && param(r.QueryValues(), line, "tid") != ""
}

// isMpv1 is Universal Analytics' protocol: /collect, /j/collect, /r/collect or /batch
// with v=1 and a property id.
func isMpv1(r *runtime.Request) bool {
	if !pathIs(r.Path, "/collect") && !pathIs(r.Path, "/batch") || pathIs(r.Path, "/g/collect") {
		return false
	}
	line := firstLineValues(r.Body)
	return param(r.QueryValues(), line, "v") == "1" && param(r.QueryValues(), line, "tid") != ""
}

// hits returns the parameters of each hit: the query alone when the body is empty, else
// the query overlaid by each body line.
func hits(r *runtime.Request) ([]url.Values, error) {
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("query string: %w", err)
	}
	lines := hitLines(r.Body)
	if len(lines) == 0 {
		return []url.Values{q}, nil
	}
	if len(lines) > maxHitLines {
		return nil, fmt.Errorf("body has %d lines, more than %d", len(lines), maxHitLines)
	}
	out := make([]url.Values, 0, len(lines))
	for i, l := range lines {
		lv, err := url.ParseQuery(l)
		if err != nil {
			return nil, fmt.Errorf("body line %d: %w", i+1, err)
		}
		merged := url.Values{}
		for k, v := range q {
			merged[k] = v
		}
		for k, v := range lv {
			merged[k] = v
		}
		out = append(out, merged)
	}
	return out, nil
}

var errNoEventName = errors.New("no event name")

// addRequestDefaults fills ip_override and user_agent from the request when the hit
// carries none.
func addRequestDefaults(ev map[string]any, r *runtime.Request) {
	if _, ok := ev["ip_override"]; !ok && r.RemoteIP != "" {
		ev["ip_override"] = r.RemoteIP
	}
	if _, ok := ev["user_agent"]; !ok {
		if ua := r.Header.Get("User-Agent"); ua != "" {
			ev["user_agent"] = ua
		}
	}
}
