package outbox

import (
	"errors"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

// work delivers host's queue in order: it sends the oldest pending item once it is due
// and waits while it is not. A failing head therefore holds back the requests behind it,
// which is what a destination that is down needs (and what keeps them in order).
func (o *Outbox) work(host string, q *hostQueue) {
	defer o.workers.Done()
	for {
		select {
		case <-o.quit:
			return
		default:
		}
		it, err := o.head(host)
		if err != nil {
			if errors.Is(err, ErrClosed) {
				return
			}
			o.log.Error("outbox: reading queue", "host", host, "error", err)
			if !o.sleep(q, o.opts.ProbeInterval) {
				return
			}
			continue
		}
		if it == nil {
			select {
			case <-q.wake:
			case <-o.quit:
				return
			}
			continue
		}
		if wait := it.NotBefore.Sub(o.now()); wait > 0 {
			if !o.sleep(q, wait) {
				return
			}
			continue
		}
		if !o.attempt(host, it) && !o.sleep(q, o.opts.ProbeInterval) {
			return
		}
	}
}

// sleep waits d, or until woken; false means the outbox is closing.
func (o *Outbox) sleep(q *hostQueue, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-q.wake:
		return true
	case <-o.quit:
		return false
	}
}

// attempt sends it once and records the outcome. false means the outcome could not be
// written (the caller backs off rather than resending at once).
func (o *Outbox) attempt(host string, it *Item) bool {
	req := &runtime.OutboundRequest{Method: it.Method, URL: it.URL, Header: it.Header.Clone(), Body: it.Body, Timeout: it.Timeout, Source: it.Tag}
	sender := o.sender
	if it.Redirected {
		sender = o.redirect
	}
	resp, err := sender.Do(o.sendCtx, req)
	if o.sendCtx.Err() != nil {
		return true // shutting down: this attempt does not count; the item stays pending
	}
	now := o.now()
	d := Classify(resp, err, now)
	next := *it
	recordAttempt(&next, resp, err, d, now)
	var werr error
	switch d.Verdict {
	case Delivered:
		werr = o.settle(host, it.ID, nil)
		if werr == nil {
			o.mu.Lock()
			o.totals.Delivered++
			o.mu.Unlock()
			o.log.Info("outbox: delivered", "id", it.ID, "tag", it.Tag, "host", host, "status", d.Status, "attempts", next.Attempts)
			o.observe("delivered", &next, d.Status, "")
		}
	case Retry:
		at, dead := it.Policy.next(&next, d, now, o.jitter())
		if dead == "" {
			next.NotBefore = at
			werr = o.settle(host, it.ID, &next)
			if werr == nil {
				o.mu.Lock()
				o.totals.Retried++
				o.mu.Unlock()
				o.log.Info("outbox: attempt failed; will retry", "id", it.ID, "tag", it.Tag, "host", host, "attempts", next.Attempts, "reason", d.Reason, "next_attempt", at)
				o.observe("retried", &next, d.Status, d.Reason)
			}
			break
		}
		werr = o.kill(host, &next, dead, now)
	default:
		werr = o.kill(host, &next, d.Reason, now)
	}
	if werr != nil {
		o.log.Error("outbox: recording an attempt failed", "id", it.ID, "host", host, "outcome", d.Verdict.String(), "error", werr)
		return false
	}
	return true
}

func (o *Outbox) kill(host string, it *Item, reason string, now time.Time) error {
	it.State, it.Reason, it.DeadAt, it.NotBefore = Dead, reason, now, time.Time{}
	if err := o.settle(host, it.ID, it); err != nil {
		return err
	}
	o.log.Warn("outbox: moved to dead letters", "id", it.ID, "tag", it.Tag, "host", host, "attempts", it.Attempts, "reason", reason)
	o.observe("dead", it, it.LastStatus, reason)
	return nil
}

// recordAttempt notes one attempt's outcome on it.
func recordAttempt(it *Item, resp *runtime.OutboundResponse, err error, d Decision, now time.Time) {
	it.Attempts++
	it.LastAttempt = now
	it.LastStatus = d.Status
	it.LastError = ""
	it.LastResponse = ""
	if err != nil || resp == nil {
		it.LastError = d.Reason
	}
	if resp != nil {
		it.LastResponse = clipResponse(resp.Body)
	}
}
