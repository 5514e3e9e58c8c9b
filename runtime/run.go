package runtime

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// Outcome is a tag's status as sGTM reports it in addEventCallback's eventData.tags.
type Outcome string

// Outcomes.
const (
	Success   Outcome = "success"
	Failure   Outcome = "failure"
	Exception Outcome = "exception"
	Timeout   Outcome = "timeout"
)

// TagResult is what happened to one fired tag.
type TagResult struct {
	Name     string  `json:"name"`
	Template string  `json:"template,omitempty"`
	Status   Outcome `json:"status"`
	// Data is the tag's resolved parameters (captured requests only).
	Data     map[string]any `json:"data,omitempty"`
	Duration time.Duration  `json:"duration_ns"`
	Error    string         `json:"error,omitempty"`
}

// NotFired records why a tag did not fire.
type NotFired struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// EventResult is one event's pass through the container.
type EventResult struct {
	Event Event       `json:"event"`
	Tags  []TagResult `json:"tags"`
	// Variables holds the variables evaluated for the event (captured requests only).
	Variables map[string]any `json:"variables,omitempty"`
	NotFired  []NotFired     `json:"not_fired,omitempty"`
	Start     time.Time      `json:"start"`
	Duration  time.Duration  `json:"duration_ns"`
	// Dedup says whether the event is a copy of one seen within the dedup window.
	Dedup *DedupResult `json:"dedup,omitempty"`
}

// Firing is one run of one tag for one event.
type Firing struct {
	EC       *EventContext
	Binding  *TagBinding
	Data     map[string]any // resolved parameters
	once     sync.Once
	done     chan struct{}
	status   Outcome
	err      error
	finished time.Time
	skipped  string // why a planned setup/teardown run did not happen (sequence.go)
}

// Done reports the tag's outcome. Only the first report counts.
func (f *Firing) Done(status Outcome, err error) {
	f.once.Do(func() {
		f.status, f.err, f.finished = status, err, time.Now()
		close(f.done)
	})
}

var errTagTimeout = errors.New("tag did not call gtmOnSuccess or gtmOnFailure in time")

// Name is the tag's configured name.
func (f *Firing) Name() string { return f.Binding.Name }

func runEvent(ctx context.Context, x *Exchange, ev Event, hooks RunHooks) *EventResult {
	c := x.Container
	ec := NewEventContext(x, c, ev)
	// ev is RunContainer's private copy and nothing writes to it, so the result shares it.
	res := &EventResult{Event: ev, Start: time.Now()}
	logger := slog.Default()
	if c.Env != nil && c.Env.Logger != nil {
		logger = c.Env.Logger
	}
	if c.Env != nil && c.Env.Dedup != nil {
		// Checked for every event, before any trigger, so "first copy" means the first to
		// arrive whatever the triggers look at.
		ec.dedup = c.Env.Dedup.Check(ctx, ev)
		res.Dedup = ec.dedup
	}

	var fired []*TagBinding
	for _, tb := range c.Tags {
		if tb.Paused {
			res.NotFired = append(res.NotFired, NotFired{tb.Name, "paused"})
			continue
		}
		ok, why := matchAny(ctx, ec, tb.Firing)
		if !ok {
			res.NotFired = append(res.NotFired, NotFired{tb.Name, why})
			continue
		}
		if blocked, _ := matchAny(ctx, ec, tb.Blocking); blocked && len(tb.Blocking) > 0 {
			res.NotFired = append(res.NotFired, NotFired{tb.Name, "blocked by a blocking trigger"})
			continue
		}
		fired = append(fired, tb)
	}
	sort.SliceStable(fired, func(i, j int) bool { return fired[i].Priority > fired[j].Priority })

	plan := planFirings(fired)
	res.NotFired = dropPlanned(res.NotFired, plan)
	firings := make([]*Firing, len(plan))
	for i, st := range plan {
		// A tag affected by transformations runs in its own view of the event (transform.go).
		tec := ec.forTag(ctx, st.tb)
		firings[i] = &Firing{EC: tec, Binding: st.tb, Data: tec.ResolveParams(ctx, st.tb.Params), done: make(chan struct{})}
	}
	if hooks.OnStart != nil {
		hooks.OnStart(ec)
	}
	starts := make([]time.Time, len(firings))
	start := func(i int) {
		f := firings[i]
		starts[i] = time.Now()
		timeout := f.Binding.Timeout
		if timeout <= 0 {
			timeout = c.TagTimeout
		}
		if timeout <= 0 {
			timeout = 5 * time.Second
		}
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		// The timeout is a callback on the context rather than a watcher goroutine per tag:
		// a goroutine start and wake-up per tag showed in profiles of busy servers.
		stop := context.AfterFunc(tctx, func() { f.Done(Timeout, errTagTimeout) })
		go func(f *Firing) {
			growStack()
			defer func() {
				// A tag that returned without reporting has not finished in time.
				if stop() {
					f.Done(Timeout, errTagTimeout)
				}
				cancel()
			}()
			defer func() {
				if r := recover(); r != nil {
					logger.Error("tag panicked", "tag", f.Name(), "panic", r)
					f.Done(Exception, errors.New("internal error"))
				}
			}()
			f.Binding.Tag.Fire(tctx, f)
		}(f)
	}
	for i, st := range plan {
		if len(st.deps) == 0 {
			start(i)
			continue
		}
		go func(i int, st *step) {
			if why := waitDeps(st, firings); why != "" {
				firings[i].skip(why)
				return
			}
			start(i)
		}(i, st)
	}
	for i, f := range firings {
		<-f.done
		if f.skipped != "" {
			res.NotFired = append(res.NotFired, NotFired{f.Binding.Name, f.skipped})
			continue
		}
		r := TagResult{Name: f.Binding.Name, Template: f.Binding.Template, Status: f.status, Duration: f.finished.Sub(starts[i])}
		if f.err != nil {
			r.Error = f.err.Error()
		}
		if x.Trace != nil {
			r.Data = redactSecrets(f.Data)
		}
		res.Tags = append(res.Tags, r)
		lvl := slog.LevelDebug
		if r.Status != Success {
			lvl = slog.LevelWarn
		}
		if logger.Enabled(ctx, lvl) {
			logger.Log(ctx, lvl, "tag finished", "request_id", x.ID, "event", ev.Name(), "tag", r.Name, "status", r.Status, "duration_ms", float64(r.Duration.Microseconds())/1000, "error", r.Error)
		}
	}
	ec.mu.Lock()
	ec.results = res.Tags
	ec.mu.Unlock()
	if hooks.OnComplete != nil {
		hooks.OnComplete(ec)
	}
	ec.mu.Lock()
	cbs := ec.callbacks
	ec.callbacks = nil
	ec.mu.Unlock()
	if len(cbs) > 0 {
		data := map[string]any{"tags": tagsForCallback(res.Tags)}
		id := ""
		if c.Env != nil {
			id = c.Env.ContainerID
		}
		for _, cb := range cbs {
			cb(id, DeepCopy(data).(map[string]any))
		}
	}
	if x.Trace != nil {
		res.Variables = ec.Variables()
	}
	res.Duration = time.Since(res.Start)
	return res
}

func tagsForCallback(rs []TagResult) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		out[i] = map[string]any{
			"id":            r.Name,
			"name":          r.Name,
			"status":        string(r.Status),
			"executionTime": float64(r.Duration.Milliseconds()),
		}
	}
	return out
}

// Results returns the tag results of the event once it has completed (for callbacks).
func (ec *EventContext) Results() []TagResult {
	if ec.parent != nil {
		return ec.parent.Results()
	}
	ec.mu.Lock()
	defer ec.mu.Unlock()
	return append([]TagResult(nil), ec.results...)
}

func matchAny(ctx context.Context, ec *EventContext, ts []*Trigger) (bool, string) {
	if len(ts) == 0 {
		return false, "no firing trigger"
	}
	var reasons []string
	for _, t := range ts {
		ok, why := t.Match(ctx, ec)
		if ok {
			return true, ""
		}
		reasons = append(reasons, why)
	}
	if len(reasons) == 1 {
		return false, reasons[0]
	}
	s := ""
	for i, r := range reasons {
		if i > 0 {
			s += "; "
		}
		s += r
	}
	return false, s
}

// Variables returns the variables evaluated so far for this event.
func (ec *EventContext) Variables() map[string]any {
	ec.mu.Lock()
	defer ec.mu.Unlock()
	out := make(map[string]any, len(ec.vars))
	for k, v := range ec.vars {
		out[k] = DeepCopy(v.v)
	}
	return out
}

// redactSecrets hides parameter values whose names look like credentials, so preview
// never displays access tokens.
func redactSecrets(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "token") || strings.Contains(lk, "secret") || strings.Contains(lk, "password") || strings.Contains(lk, "api_key") {
			out[k] = "[redacted]"
			continue
		}
		out[k] = DeepCopy(v)
	}
	return out
}
