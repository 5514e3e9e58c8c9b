package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/tagd-dev/tagd/runtime"
)

// sample finds one series of a family in a fresh scrape: its counter or gauge value, or a
// histogram's sample count. ok is false when the series does not exist.
func sample(t *testing.T, m *Metrics, family string, labels map[string]string) (v float64, ok bool) {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != family {
			continue
		}
	series:
		for _, s := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range s.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			if len(got) != len(labels) {
				continue
			}
			for k, want := range labels {
				if got[k] != want {
					continue series
				}
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				return s.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return s.GetGauge().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(s.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func value(t *testing.T, m *Metrics, family string, labels map[string]string) float64 {
	t.Helper()
	v, _ := sample(t, m, family, labels)
	return v
}

type L = map[string]string

type claimAll struct{}

func (claimAll) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	if x.Request.Path != "/collect" {
		return false, nil
	}
	if err := x.Claim("Collector"); err != nil {
		return false, err
	}
	en, _ := x.Request.QueryParam("en")
	if _, err := x.RunContainer(ctx, runtime.Event{"event_name": en}, runtime.RunHooks{}); err != nil {
		return true, err
	}
	x.Response().SetStatus(204)
	x.Response().Return()
	return true, nil
}

type outcomeTag runtime.Outcome

func (o outcomeTag) Fire(_ context.Context, f *runtime.Firing) { f.Done(runtime.Outcome(o), nil) }

func engine() *runtime.Engine {
	all := &runtime.Trigger{Name: runtime.AllEvents}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &runtime.Container{
		Env:     &runtime.Env{Logger: quiet},
		Clients: []*runtime.ClientBinding{{Name: "Collector", Client: claimAll{}}},
		Tags: []*runtime.TagBinding{
			{Name: "Good", Tag: outcomeTag(runtime.Success), Firing: []*runtime.Trigger{all}},
			{Name: "Bad", Tag: outcomeTag(runtime.Failure), Firing: []*runtime.Trigger{all}},
		},
		Triggers: map[string]*runtime.Trigger{runtime.AllEvents: all},
		Requests: runtime.RequestOptions{MaxBodyBytes: 1024},
	}
	return runtime.NewEngine(c, quiet)
}

func TestRequestEventAndTagMetrics(t *testing.T) {
	m := New(Options{})
	e := engine()
	e.Observe = m.ObserveExchange
	for _, path := range []string{"/collect?en=purchase", "/collect?en=purchase", "/collect?en=page_view", "/favicon.ico", "/collect"} {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	tests := []struct {
		family string
		labels L
		want   float64
	}{
		{"tagd_requests_total", L{"client": "Collector", "code": "204"}, 4},
		{"tagd_requests_total", L{"client": "none", "code": "400"}, 1},
		{"tagd_request_duration_seconds", L{"client": "Collector"}, 4},
		{"tagd_request_duration_seconds", L{"client": "none"}, 1},
		{"tagd_events_total", L{"event": "purchase"}, 2},
		{"tagd_events_total", L{"event": "page_view"}, 1},
		{"tagd_events_total", L{"event": "unnamed"}, 1},
		{"tagd_tag_executions_total", L{"tag": "Good", "outcome": "success"}, 4},
		{"tagd_tag_executions_total", L{"tag": "Bad", "outcome": "failure"}, 4},
		{"tagd_tag_duration_seconds", L{"tag": "Good", "outcome": "success"}, 4},
		{"tagd_tag_duration_seconds", L{"tag": "Bad", "outcome": "failure"}, 4},
	}
	for _, tt := range tests {
		if got := value(t, m, tt.family, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.family, tt.labels, got, tt.want)
		}
	}
}

func TestEventNameLimit(t *testing.T) {
	m := New(Options{MaxEventNames: 2})
	for _, n := range []string{"a", "b", "c", "d", "a"} {
		m.ObserveEvent(&runtime.EventResult{Event: runtime.Event{"event_name": n}})
	}
	for name, want := range map[string]float64{"a": 2, "b": 1, "other": 2} {
		if got := value(t, m, "tagd_events_total", L{"event": name}); got != want {
			t.Errorf("events{%s} = %v, want %v", name, got, want)
		}
	}
	if _, ok := sample(t, m, "tagd_events_total", L{"event": "c"}); ok {
		t.Error("a value past the limit got its own series")
	}
}

// TestOutboundMetrics sends real requests through an HTTPDispatcher with the process-wide
// hook installed: status codes, connection failures and timeouts, labelled by the host
// the template asked for (also when redirected).
func TestOutboundMetrics(t *testing.T) {
	m := New(Options{})
	runtime.SetOutboundHook(m.ObserveOutbound)
	t.Cleanup(func() { runtime.SetOutboundHook(nil) })

	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/unavailable":
			w.WriteHeader(503)
		case "/hang":
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(func() { close(block); srv.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	direct, _ := runtime.NewHTTPDispatcher("", 0, 5*time.Second)
	redirected, _ := runtime.NewHTTPDispatcher(srv.URL, 0, 5*time.Second)
	ctx := context.Background()
	send := func(d *runtime.HTTPDispatcher, url string, timeout time.Duration) error {
		_, err := d.Do(ctx, &runtime.OutboundRequest{Method: "GET", URL: url, Timeout: timeout})
		return err
	}
	_ = send(direct, srv.URL+"/ok", 0)
	_ = send(direct, srv.URL+"/unavailable", 0)
	_ = send(redirected, "https://graph.vendor.example/ok?access_token=x", 0)
	_ = send(redirected, "https://graph.vendor.example/ok", 0)
	if err := send(direct, closed+"/x", 0); !errors.Is(err, runtime.ErrOutboundFailed) {
		t.Fatalf("closed port: %v", err)
	}
	if err := send(direct, srv.URL+"/hang", 20*time.Millisecond); !errors.Is(err, runtime.ErrOutboundTimedOut) {
		t.Fatalf("hang: %v", err)
	}
	tests := []struct {
		family string
		labels L
		want   float64
	}{
		{"tagd_outbound_requests_total", L{"host": "127.0.0.1", "code": "200"}, 1},
		{"tagd_outbound_requests_total", L{"host": "127.0.0.1", "code": "503"}, 1},
		{"tagd_outbound_requests_total", L{"host": "127.0.0.1", "code": "failed"}, 1},
		{"tagd_outbound_requests_total", L{"host": "127.0.0.1", "code": "timed_out"}, 1},
		{"tagd_outbound_requests_total", L{"host": "graph.vendor.example", "code": "200"}, 2},
		{"tagd_outbound_request_duration_seconds", L{"host": "127.0.0.1"}, 4},
		{"tagd_outbound_request_duration_seconds", L{"host": "graph.vendor.example"}, 2},
	}
	for _, tt := range tests {
		if got := value(t, m, tt.family, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.family, tt.labels, got, tt.want)
		}
	}
	m.ObserveOutbound(&runtime.OutboundRequest{URL: "::not a url"}, nil, errors.New("x"), 0)
	if got := value(t, m, "tagd_outbound_requests_total", L{"host": "invalid", "code": "failed"}); got != 1 {
		t.Errorf("unparsable URL counted %v times under host=invalid", got)
	}
}

func TestInterruptAndReloadMetrics(t *testing.T) {
	m := New(Options{})
	for _, k := range []string{"cpu_budget", "deadline", "call_stack"} {
		if v, ok := sample(t, m, "tagd_sandbox_interrupts_total", L{"kind": k}); !ok || v != 0 {
			t.Errorf("interrupts{%s} before any = %v (exists %v), want 0", k, v, ok)
		}
	}
	m.ObserveInterrupt("cpu_budget")
	m.ObserveInterrupt("cpu_budget")
	m.ObserveInterrupt("call_stack")
	if a, b, c := value(t, m, "tagd_sandbox_interrupts_total", L{"kind": "cpu_budget"}), value(t, m, "tagd_sandbox_interrupts_total", L{"kind": "call_stack"}), value(t, m, "tagd_sandbox_interrupts_total", L{"kind": "deadline"}); a != 2 || b != 1 || c != 0 {
		t.Errorf("interrupts cpu_budget, call_stack, deadline = %v, %v, %v; want 2, 1, 0", a, b, c)
	}

	if v := value(t, m, "tagd_config_last_reload_successful", nil); v != 1 {
		t.Errorf("last_reload_successful at start = %v", v)
	}
	before := value(t, m, "tagd_config_last_reload_success_timestamp_seconds", nil)
	m.ObserveReload(false, errors.New("c.toml:3: bad"), time.Millisecond)
	if v := value(t, m, "tagd_config_last_reload_successful", nil); v != 0 {
		t.Errorf("after a failed reload: %v", v)
	}
	if v := value(t, m, "tagd_config_last_reload_success_timestamp_seconds", nil); v != before {
		t.Errorf("a failed reload moved the success timestamp: %v -> %v", before, v)
	}
	m.ObserveReload(true, nil, time.Millisecond)
	tests := []struct {
		family string
		labels L
		want   float64
	}{
		{"tagd_config_reloads_total", L{"result": "success"}, 1},
		{"tagd_config_reloads_total", L{"result": "failure"}, 1},
		{"tagd_config_reload_duration_seconds", nil, 2},
		{"tagd_config_last_reload_successful", nil, 1},
	}
	for _, tt := range tests {
		if got := value(t, m, tt.family, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.family, tt.labels, got, tt.want)
		}
	}
	if v := value(t, m, "tagd_config_last_reload_success_timestamp_seconds", nil); v < before {
		t.Errorf("success timestamp went back: %v < %v", v, before)
	}
}

type fakeOutbox struct{ depth, dead int }

func (f *fakeOutbox) Stats() (int, int) { return f.depth, f.dead }

func TestOutboxMetrics(t *testing.T) {
	m := New(Options{})
	if _, ok := sample(t, m, "tagd_outbox_depth", nil); ok {
		t.Error("outbox depth exported without an outbox")
	}
	if _, _, ok := m.Outbox(); ok {
		t.Error("Outbox() ok without an outbox")
	}
	ob := &fakeOutbox{depth: 3, dead: 1}
	m.SetOutbox(ob)
	if d, dl := value(t, m, "tagd_outbox_depth", nil), value(t, m, "tagd_outbox_dead_letters", nil); d != 3 || dl != 1 {
		t.Errorf("depth, dead = %v, %v; want 3, 1", d, dl)
	}
	ob.depth, ob.dead = 0, 4 // read at scrape time
	if d, dl := value(t, m, "tagd_outbox_depth", nil), value(t, m, "tagd_outbox_dead_letters", nil); d != 0 || dl != 4 {
		t.Errorf("after change: depth, dead = %v, %v; want 0, 4", d, dl)
	}
	m.SetOutbox(nil)
	if _, ok := sample(t, m, "tagd_outbox_depth", nil); ok {
		t.Error("outbox depth still exported after SetOutbox(nil)")
	}
	m.SetOutbox(OutboxFunc(func() (int, int) { return 9, 8 }))
	if d, dl, ok := m.Outbox(); !ok || d != 9 || dl != 8 {
		t.Errorf("OutboxFunc: %d %d %v", d, dl, ok)
	}

	for _, k := range []string{"queued", "retried", "retried", "delivered", "dead"} {
		m.ObserveOutboxEvent(k)
	}
	for k, want := range map[string]float64{"queued": 1, "retried": 2, "delivered": 1, "dead": 1} {
		if got := value(t, m, "tagd_outbox_events_total", L{"kind": k}); got != want {
			t.Errorf("outbox events{%s} = %v, want %v", k, got, want)
		}
	}
}

// TestHandlerExposesEveryFamily scrapes /metrics in the text format after one observation
// of each kind and checks that every tagd family and the Go and process collectors are there.
func TestHandlerExposesEveryFamily(t *testing.T) {
	m := New(Options{})
	e := engine()
	e.Observe = m.ObserveExchange
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/collect?en=x", nil))
	m.ObserveOutbound(&runtime.OutboundRequest{URL: "https://a.example/"}, &runtime.OutboundResponse{StatusCode: 200}, nil, time.Millisecond)
	m.ObserveReload(true, nil, time.Millisecond)
	m.SetOutbox(&fakeOutbox{})
	m.ObserveOutboxEvent("queued")
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	var families []string
	for _, l := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(l, "# TYPE "); ok {
			name, _, _ = strings.Cut(name, " ")
			if strings.HasPrefix(name, "tagd_") {
				families = append(families, name)
			}
		}
	}
	want := []string{
		"tagd_config_last_reload_success_timestamp_seconds", "tagd_config_last_reload_successful",
		"tagd_config_reload_duration_seconds", "tagd_config_reloads_total", "tagd_events_total",
		"tagd_outbound_request_duration_seconds", "tagd_outbound_requests_total", "tagd_outbox_dead_letters",
		"tagd_outbox_depth", "tagd_outbox_events_total", "tagd_request_duration_seconds", "tagd_requests_total",
		"tagd_sandbox_interrupts_total", "tagd_tag_duration_seconds", "tagd_tag_executions_total",
	}
	if diff := cmp.Diff(want, families); diff != "" {
		t.Errorf("tagd families (-want +got):\n%s", diff)
	}
	for _, other := range []string{"go_goroutines ", "go_memstats_alloc_bytes ", "process_cpu_seconds_total "} {
		if !strings.Contains(string(b), other) {
			t.Errorf("scrape lacks %s", other)
		}
	}
}
