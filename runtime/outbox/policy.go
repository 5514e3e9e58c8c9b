package outbox

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

// Policy says how often and for how long a failed request is retried.
type Policy struct {
	// MaxAttempts is the most attempts, the first included; 0 means no limit.
	MaxAttempts int `json:"max_attempts"`
	// MaxAge is how long after its first attempt a request may still be sent; 0 means no
	// limit. Vendors reject old events (Meta after 7 days, GA4 after 72 hours).
	MaxAge time.Duration `json:"max_age"`
	// BaseDelay is the wait after the first failure; it doubles per failure up to MaxDelay.
	BaseDelay time.Duration `json:"base_delay"`
	MaxDelay  time.Duration `json:"max_delay"`
	// Ordered keeps a host's requests in order even against new ones: while the host has a
	// queue, a new request joins it instead of being tried at once.
	Ordered bool `json:"ordered,omitempty"`
}

// Defaults of DefaultPolicy.
const (
	DefaultMaxAttempts = 20
	DefaultMaxAge      = 72 * time.Hour
	DefaultBaseDelay   = time.Second
	DefaultMaxDelay    = 10 * time.Minute
)

// maxRetryAfter bounds what a destination's Retry-After can ask for.
const maxRetryAfter = 7 * 24 * time.Hour

// DefaultPolicy is what retry = "default" means when the config sets nothing else.
func DefaultPolicy() Policy {
	return Policy{MaxAttempts: DefaultMaxAttempts, MaxAge: DefaultMaxAge, BaseDelay: DefaultBaseDelay, MaxDelay: DefaultMaxDelay}
}

// Validate reports a policy that would retry forever or has nonsensical delays.
func (p Policy) Validate() error {
	switch {
	case p.MaxAttempts < 0:
		return fmt.Errorf("max_attempts must not be negative, not %d", p.MaxAttempts)
	case p.MaxAge < 0:
		return fmt.Errorf("max_age must not be negative, not %s", p.MaxAge)
	case p.MaxAttempts == 0 && p.MaxAge == 0:
		return errors.New("set max_attempts or max_age, or the request is retried forever")
	case p.BaseDelay <= 0:
		return fmt.Errorf("base_delay must be positive, not %s", p.BaseDelay)
	case p.MaxDelay < p.BaseDelay:
		return fmt.Errorf("max_delay (%s) must not be less than base_delay (%s)", p.MaxDelay, p.BaseDelay)
	}
	return nil
}

// Backoff is the wait after the n-th failed attempt (n ≥ 1): BaseDelay·2^(n-1), capped at
// MaxDelay, of which the upper half is scaled by jitter in [0, 1) so that requests that
// failed together do not all come back together.
func (p Policy) Backoff(n int, jitter float64) time.Duration {
	d := p.BaseDelay
	if d <= 0 {
		d = DefaultBaseDelay
	}
	limit := p.MaxDelay
	if limit < d {
		limit = d
	}
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	if d > limit {
		d = limit
	}
	jitter = min(max(jitter, 0), 1)
	return d/2 + time.Duration(float64(d/2)*jitter)
}

// next decides when item should be tried again after a failure, or why it should not be.
func (p Policy) next(it *Item, d Decision, now time.Time, jitter float64) (time.Time, string) {
	if p.MaxAttempts > 0 && it.Attempts >= p.MaxAttempts {
		return time.Time{}, fmt.Sprintf("gave up after %d attempts (max_attempts); last: %s", it.Attempts, d.Reason)
	}
	wait := p.Backoff(it.Attempts, jitter)
	if d.After > wait {
		wait = d.After
	}
	at := now.Add(wait)
	if p.MaxAge > 0 {
		deadline := it.Created.Add(p.MaxAge)
		switch {
		case !now.Before(deadline):
			return time.Time{}, fmt.Sprintf("gave up: older than max_age %s; last: %s", p.MaxAge, d.Reason)
		case at.After(deadline) && d.After > 0 && now.Add(d.After).After(deadline):
			return time.Time{}, fmt.Sprintf("gave up: Retry-After %s is beyond max_age %s; last: %s", d.After, p.MaxAge, d.Reason)
		case at.After(deadline):
			at = deadline // one last try just before the vendor stops accepting it
		}
	}
	return at, ""
}

// Verdict is what an attempt's outcome means for delivery.
type Verdict int

// Verdicts.
const (
	Delivered Verdict = iota // the destination accepted the request
	Retry                    // try again later
	Reject                   // it will never be accepted: dead letter
)

func (v Verdict) String() string {
	switch v {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	}
	return "reject"
}

// Decision is Classify's reading of one attempt.
type Decision struct {
	Verdict Verdict
	Status  int           // HTTP status, 0 when no response came back
	After   time.Duration // the destination's Retry-After, 0 if none
	Reason  string        // for logs and dead letters
}

// Classify reads one attempt: a response below 400 is delivered; no response (connection
// error, timeout), 408, 429 and 5xx are retried; any other 4xx, and a destination the SSRF
// guard refuses, is rejected.
func Classify(resp *runtime.OutboundResponse, err error, now time.Time) Decision {
	if err != nil && (errors.Is(err, runtime.ErrBlockedAddress) || strings.Contains(err.Error(), runtime.ErrBlockedAddress.Error())) {
		// The SSRF guard refused the destination; it will refuse it every time.
		return Decision{Verdict: Reject, Reason: err.Error()}
	}
	if err != nil || resp == nil {
		reason := "no response"
		if err != nil {
			reason = err.Error()
			if errors.Is(err, runtime.ErrOutboundTimedOut) && !strings.HasPrefix(reason, "timed") {
				reason = "timed out: " + reason
			}
		}
		return Decision{Verdict: Retry, Reason: reason}
	}
	s := resp.StatusCode
	d := Decision{Status: s, Reason: fmt.Sprintf("status %d", s)}
	switch {
	case s < 400:
		d.Verdict = Delivered
	case s == 408 || s == 429 || s >= 500:
		d.Verdict = Retry
		if after, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			d.After = after
			d.Reason += fmt.Sprintf(" (Retry-After %s)", after)
		}
	default:
		d.Verdict = Reject
		d.Reason += " is not retryable"
	}
	return d
}

// ParseRetryAfter reads a Retry-After header value: delay-seconds or an HTTP-date. A date
// in the past means "now" (0). Values above seven days are cut to seven days. ok is false
// when v is empty or malformed.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return 0, false
			}
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(maxRetryAfter/time.Second) {
			// All digits but too long for int64 is still a valid, very large delay.
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return min(d, maxRetryAfter), true
}
