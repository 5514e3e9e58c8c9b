package outbox

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

// DefaultFullRetryAfter is the Retry-After of 503s sent while the outbox is full.
const DefaultFullRetryAfter = 30 * time.Second

// Binding is one container generation's view of the outbox: the dispatcher that makes
// first attempts and each tag's policy. Tags (OutboundRequest.Source) without a policy, and
// variables and clients, are passed straight through.
type Binding struct {
	Inner    runtime.Dispatcher
	Policies map[string]Policy
	// MaxQueueBytes caps pending records; a failed request that would exceed it is not
	// stored (logged as an error and counted as not_queued). 0 means no cap.
	MaxQueueBytes int64
	// RejectWhenFull makes Backpressure report the outbox full, so that the engine answers
	// new inbound requests with 503 and Retry-After: FullRetryAfter.
	RejectWhenFull bool
	FullRetryAfter time.Duration
}

// Preparer is implemented by dispatchers that rewrite requests (redirects, added headers):
// Prepare returns the request as it will really be sent, which is what the outbox stores.
// *runtime.HTTPDispatcher is understood without it.
type Preparer interface {
	Prepare(r *runtime.OutboundRequest) (*runtime.OutboundRequest, error)
}

// Dispatcher is a runtime.Dispatcher that makes each request's first attempt through the
// binding's Inner dispatcher, returns that outcome unchanged, and stores the request first
// if it must be retried (or kept as a dead letter).
type Dispatcher struct {
	o *Outbox
	b Binding
}

// Bind returns the dispatcher for one container generation.
func (o *Outbox) Bind(b Binding) *Dispatcher {
	if b.FullRetryAfter <= 0 {
		b.FullRetryAfter = DefaultFullRetryAfter
	}
	return &Dispatcher{o: o, b: b}
}

// Outbox is the process-wide outbox behind d.
func (d *Dispatcher) Outbox() *Outbox { return d.o }

// Do performs r's first attempt and, when it failed, stores it before returning.
func (d *Dispatcher) Do(ctx context.Context, r *runtime.OutboundRequest) (*runtime.OutboundResponse, error) {
	if d.b.Inner == nil {
		return nil, fmt.Errorf("%w: no outbound HTTP in this environment", runtime.ErrOutboundFailed)
	}
	pol, ok := d.b.Policies[r.Source]
	if !ok {
		return d.b.Inner.Do(ctx, r)
	}
	o := d.o
	created := o.now()
	// The item to store is built only when it is needed (ordered delivery, or a failed
	// first attempt): most requests succeed at once.
	var it *Item
	if pol.Ordered {
		var err error
		if it, err = d.prepare(r, pol, created); err != nil {
			// Not a URL that could ever be delivered: the dispatcher's own error says why.
			return d.b.Inner.Do(ctx, r)
		}
	}
	o.begin()
	defer o.end()
	if pol.Ordered {
		if n := o.backlog(it.Host); n > 0 {
			it.NotBefore = it.Created
			id, err := o.enqueue(it, d.b.MaxQueueBytes)
			if err == nil {
				o.log.Info("outbox: queued behind earlier requests (ordered delivery)", "id", id, "tag", it.Tag, "host", it.Host, "ahead", n)
				o.observe("queued", it, 0, "ordered")
				return nil, fmt.Errorf("%w: queued behind %d earlier requests to %s (ordered delivery; outbox item %d)", runtime.ErrOutboundFailed, n, it.Host, id)
			}
			// It could not be stored: try it now rather than lose it.
			o.log.Warn("outbox: could not queue an ordered request; sending it now", "tag", it.Tag, "host", it.Host, "error", err)
		}
	}
	resp, err := d.b.Inner.Do(ctx, r)
	now := o.now()
	dec := Classify(resp, err, now)
	if dec.Verdict == Delivered {
		return resp, err
	}
	if it == nil {
		var perr error
		if it, perr = d.prepare(r, pol, created); perr != nil {
			// Not a URL that could ever be delivered: the dispatcher's own error says why.
			return resp, err
		}
	}
	recordAttempt(it, resp, err, dec, now)
	if dec.Verdict == Retry {
		at, dead := pol.next(it, dec, now, o.jitter())
		if dead == "" {
			it.NotBefore = at
		} else {
			it.State, it.Reason, it.DeadAt = Dead, dead, now
		}
	} else {
		it.State, it.Reason, it.DeadAt = Dead, dec.Reason, now
	}
	id, qerr := o.enqueue(it, d.b.MaxQueueBytes)
	switch {
	case qerr != nil:
		o.mu.Lock()
		o.totals.NotQueued++
		o.mu.Unlock()
		o.log.Error("outbox: a failed request could NOT be stored and will not be retried",
			"tag", it.Tag, "method", it.Method, "host", it.Host, "path", pathOf(it.URL), "outcome", dec.Reason, "error", qerr)
		o.observe("not_queued", it, dec.Status, qerr.Error())
	case it.State == Pending:
		o.log.Info("outbox: request failed; queued for retry", "id", id, "tag", it.Tag, "host", it.Host, "reason", dec.Reason, "next_attempt", it.NotBefore)
		o.observe("queued", it, dec.Status, dec.Reason)
	default:
		o.log.Warn("outbox: request failed for good; kept as a dead letter", "id", id, "tag", it.Tag, "host", it.Host, "reason", it.Reason)
		o.observe("dead", it, dec.Status, it.Reason)
	}
	return resp, err
}

// prepare builds the item to store for r: the request exactly as the inner dispatcher
// sends it, created at the given time (before its first attempt).
func (d *Dispatcher) prepare(r *runtime.OutboundRequest, pol Policy, created time.Time) (*Item, error) {
	method, target, header, timeout := r.Method, r.URL, r.Header.Clone(), r.Timeout
	redirected := false
	switch in := d.b.Inner.(type) {
	case Preparer:
		p, err := in.Prepare(r)
		if err != nil {
			return nil, err
		}
		method, target, header = p.Method, p.URL, p.Header.Clone()
		redirected = p.URL != r.URL
		if p.Timeout > 0 {
			timeout = p.Timeout
		}
	case *runtime.HTTPDispatcher:
		t, err := in.Target(r.URL)
		if err != nil {
			return nil, err
		}
		target, redirected = t, in.Redirect != nil
		if header == nil {
			header = http.Header{}
		}
		if header.Get("User-Agent") == "" && in.UserAgent != "" {
			header.Set("User-Agent", in.UserAgent)
		}
		if in.Redirect != nil {
			header.Set("X-Tagd-Original-Url", r.URL)
		}
		if timeout <= 0 {
			timeout = in.DefaultTimeout
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	host, err := hostOf(target)
	if err != nil {
		return nil, err
	}
	if _, err := http.NewRequest(method, target, nil); err != nil {
		return nil, err // e.g. an invalid method: it could never be sent
	}
	return &Item{
		State: Pending, Tag: r.Source, Host: host, Method: method, URL: target, Header: header,
		Body: append([]byte(nil), r.Body...), Timeout: timeout, Policy: pol, Created: created,
		Redirected: redirected,
	}, nil
}

// Full reports whether new failed requests can no longer be stored, and why.
func (d *Dispatcher) Full() (bool, string) {
	if err := d.o.StoreError(); err != nil {
		return true, "store write failed: " + err.Error()
	}
	if d.b.MaxQueueBytes > 0 {
		if n := d.o.pendingBytes(); n >= d.b.MaxQueueBytes {
			return true, fmt.Sprintf("%d bytes pending, max_queue_bytes is %d", n, d.b.MaxQueueBytes)
		}
	}
	return false, ""
}

// Backpressure implements runtime.Backpressurer: full (and how long clients should wait)
// when the outbox is full and the binding asks for 503s.
func (d *Dispatcher) Backpressure() (bool, time.Duration) {
	if !d.b.RejectWhenFull {
		return false, 0
	}
	if full, _ := d.Full(); full {
		return true, d.b.FullRetryAfter
	}
	return false, 0
}

func pathOf(raw string) string {
	for i := 0; i < len(raw); i++ {
		if raw[i] == '?' {
			return raw[:i] // query strings often carry tokens
		}
	}
	return raw
}
