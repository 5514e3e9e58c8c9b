package metrics

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tagd-dev/tagd/runtime"
)

// Label values used when the real one is missing.
const (
	NoClient  = "none"    // request no client claimed
	NoEvent   = "unnamed" // event without event_name
	BadHost   = "invalid" // outbound URL that does not parse
	Failed    = "failed"  // outbound attempt with no response
	TimedOut  = "timed_out"
	ReloadOK  = "success"
	ReloadBad = "failure"
)

// OutboxStats is what the durable outbox reports: requests waiting to be delivered and
// requests given up on (dead letters).
type OutboxStats interface {
	Stats() (depth, dead int)
}

// OutboxFunc adapts a function to OutboxStats.
type OutboxFunc func() (depth, dead int)

// Stats calls f.
func (f OutboxFunc) Stats() (depth, dead int) { return f() }

// Options bound the label values taken from outside input; zero means the default.
type Options struct {
	MaxEventNames int // distinct event_name label values before "other"; default 200
	MaxHosts      int // distinct outbound host label values before "other"; default 100
}

// Metrics holds every tagd metric on its own registry.
type Metrics struct {
	reg *prometheus.Registry

	requests    *prometheus.CounterVec
	requestDur  *prometheus.HistogramVec
	events      *prometheus.CounterVec
	tags        *prometheus.CounterVec
	tagDur      *prometheus.HistogramVec
	outbound    *prometheus.CounterVec
	outboundDur *prometheus.HistogramVec
	interrupts  *prometheus.CounterVec
	reloads     *prometheus.CounterVec
	reloadDur   prometheus.Histogram
	lastReload  prometheus.Gauge
	lastReloadT prometheus.Gauge
	outboxEvts  *prometheus.CounterVec

	eventNames *labelSet
	hosts      *labelSet
	outbox     atomic.Pointer[outboxRef]
}

type outboxRef struct{ s OutboxStats }

// New builds the metrics and registers them, with the Go runtime and process collectors.
func New(o Options) *Metrics {
	if o.MaxEventNames <= 0 {
		o.MaxEventNames = 200
	}
	if o.MaxHosts <= 0 {
		o.MaxHosts = 100
	}
	m := &Metrics{
		reg:        prometheus.NewRegistry(),
		eventNames: newLabelSet(o.MaxEventNames),
		hosts:      newLabelSet(o.MaxHosts),
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tagd_requests_total",
		Help: "Inbound requests handled, by claiming client (\"none\" if unclaimed) and HTTP status code.",
	}, []string{"client", "code"})
	m.requestDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tagd_request_duration_seconds",
		Help:    "Time from receiving an inbound request to its response, by claiming client.",
		Buckets: prometheus.DefBuckets,
	}, []string{"client"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tagd_events_total",
		Help: "Events run through the container, by event name (\"other\" past the label limit).",
	}, []string{"event"})
	m.tags = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tagd_tag_executions_total",
		Help: "Tag executions, by tag and outcome (success, failure, exception, timeout).",
	}, []string{"tag", "outcome"})
	m.tagDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tagd_tag_duration_seconds",
		Help:    "Tag execution time until the tag reported its outcome, by tag and outcome.",
		Buckets: prometheus.DefBuckets,
	}, []string{"tag", "outcome"})
	m.outbound = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tagd_outbound_requests_total",
		Help: "Outbound HTTP attempts by templates, by destination host and status code (or failed, timed_out).",
	}, []string{"host", "code"})
	m.outboundDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tagd_outbound_request_duration_seconds",
		Help:    "Latency of outbound HTTP attempts, by destination host.",
		Buckets: prometheus.DefBuckets,
	}, []string{"host"})
	m.interrupts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tagd_sandbox_interrupts_total",
		Help: "Template code stopped by the sandbox, by kind (cpu_budget, deadline, call_stack).",
	}, []string{"kind"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tagd_config_reloads_total",
		Help: "Config reload attempts, by result (success, failure).",
	}, []string{"result"})
	m.reloadDur = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tagd_config_reload_duration_seconds",
		Help:    "Time to load, validate and compile a config on reload.",
		Buckets: prometheus.DefBuckets,
	})
	m.lastReload = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tagd_config_last_reload_successful",
		Help: "1 if the last config reload succeeded (or none was tried), 0 if the last good container is serving after a failed one.",
	})
	m.lastReloadT = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tagd_config_last_reload_success_timestamp_seconds",
		Help: "Unix time of the last successful config load.",
	})
	m.outboxEvts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tagd_outbox_events_total",
		Help: "Outbox item events by kind (queued, retried, delivered, dead, evicted, not_queued).",
	}, []string{"kind"})
	m.lastReload.Set(1)
	m.lastReloadT.SetToCurrentTime()
	// Known label values start at zero so that rate() and alerts work before the first one.
	for _, k := range []string{"cpu_budget", "deadline", "call_stack"} {
		m.interrupts.WithLabelValues(k)
	}
	m.reloads.WithLabelValues(ReloadOK)
	m.reloads.WithLabelValues(ReloadBad)

	m.reg.MustRegister(m.requests, m.requestDur, m.events, m.tags, m.tagDur, m.outbound, m.outboundDur,
		m.interrupts, m.reloads, m.reloadDur, m.lastReload, m.lastReloadT, m.outboxEvts, outboxCollector{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry everything is registered on; other packages may add their own
// collectors to it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format (or OpenMetrics when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// ObserveExchange counts one finished request with its events and tags; it has the shape of
// runtime.Engine.Observe.
func (m *Metrics) ObserveExchange(x *runtime.Exchange, status int, dur time.Duration) {
	client := x.ClaimedBy()
	if client == "" {
		client = NoClient
	}
	m.requests.WithLabelValues(client, strconv.Itoa(status)).Inc()
	m.requestDur.WithLabelValues(client).Observe(dur.Seconds())
	for _, ev := range x.Events() {
		m.ObserveEvent(ev)
	}
}

// ObserveEvent counts one event and the tags it fired.
func (m *Metrics) ObserveEvent(ev *runtime.EventResult) {
	name := ev.Event.Name()
	if name == "" {
		name = NoEvent
	}
	m.events.WithLabelValues(m.eventNames.value(name)).Inc()
	for _, t := range ev.Tags {
		m.tags.WithLabelValues(t.Name, string(t.Status)).Inc()
		m.tagDur.WithLabelValues(t.Name, string(t.Status)).Observe(t.Duration.Seconds())
	}
}

// ObserveOutbound counts one outbound attempt; it has the shape of runtime.OutboundHook.
func (m *Metrics) ObserveOutbound(r *runtime.OutboundRequest, resp *runtime.OutboundResponse, err error, took time.Duration) {
	host := BadHost
	if u, perr := url.Parse(r.URL); perr == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	host = m.hosts.value(host)
	code := Failed
	switch {
	case resp != nil:
		code = strconv.Itoa(resp.StatusCode)
	case errors.Is(err, runtime.ErrOutboundTimedOut):
		code = TimedOut
	}
	m.outbound.WithLabelValues(host, code).Inc()
	m.outboundDur.WithLabelValues(host).Observe(took.Seconds())
}

// ObserveInterrupt counts one sandbox interrupt; it has the shape of the sandbox's
// interrupt hook.
func (m *Metrics) ObserveInterrupt(kind string) {
	m.interrupts.WithLabelValues(kind).Inc()
}

// ObserveReload counts one reload attempt; it has the shape of loader.Reloader.OnResult.
func (m *Metrics) ObserveReload(ok bool, _ error, took time.Duration) {
	m.reloadDur.Observe(took.Seconds())
	if ok {
		m.reloads.WithLabelValues(ReloadOK).Inc()
		m.lastReload.Set(1)
		m.lastReloadT.SetToCurrentTime()
		return
	}
	m.reloads.WithLabelValues(ReloadBad).Inc()
	m.lastReload.Set(0)
}

// ObserveOutboxEvent counts one outbox item event; kind is the outbox's own word for it
// (a small fixed set), never request data.
func (m *Metrics) ObserveOutboxEvent(kind string) {
	m.outboxEvts.WithLabelValues(kind).Inc()
}

// SetOutbox makes the outbox's depth and dead letters part of the metrics (nil removes it).
func (m *Metrics) SetOutbox(s OutboxStats) {
	if s == nil {
		m.outbox.Store(nil)
		return
	}
	m.outbox.Store(&outboxRef{s})
}

// Outbox returns the outbox's stats; ok is false when no outbox is set.
func (m *Metrics) Outbox() (depth, dead int, ok bool) {
	ref := m.outbox.Load()
	if ref == nil {
		return 0, 0, false
	}
	depth, dead = ref.s.Stats()
	return depth, dead, true
}

var (
	outboxDepthDesc = prometheus.NewDesc("tagd_outbox_depth", "Outbound requests waiting in the durable outbox for delivery.", nil, nil)
	outboxDeadDesc  = prometheus.NewDesc("tagd_outbox_dead_letters", "Outbound requests the outbox gave up on and kept as dead letters.", nil, nil)
)

// outboxCollector reads the outbox at scrape time, and reports nothing while there is no
// outbox rather than a misleading zero.
type outboxCollector struct{ m *Metrics }

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- outboxDeadDesc
}

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	depth, dead, ok := c.m.Outbox()
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(outboxDeadDesc, prometheus.GaugeValue, float64(dead))
}
