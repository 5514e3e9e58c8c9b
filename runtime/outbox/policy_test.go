package outbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	resp := func(status int, retryAfter string) *runtime.OutboundResponse {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &runtime.OutboundResponse{StatusCode: status, Header: h}
	}
	tests := []struct {
		name    string
		resp    *runtime.OutboundResponse
		err     error
		verdict Verdict
		after   time.Duration
		reason  string
	}{
		{"200", resp(200, ""), nil, Delivered, 0, "status 200"},
		{"204", resp(204, ""), nil, Delivered, 0, "status 204"},
		{"302 not followed", resp(302, ""), nil, Delivered, 0, "status 302"},
		{"400", resp(400, ""), nil, Reject, 0, "status 400 is not retryable"},
		{"401", resp(401, ""), nil, Reject, 0, "status 401 is not retryable"},
		{"404", resp(404, ""), nil, Reject, 0, "status 404 is not retryable"},
		{"408", resp(408, ""), nil, Retry, 0, "status 408"},
		{"429 with seconds", resp(429, "7"), nil, Retry, 7 * time.Second, "status 429 (Retry-After 7s)"},
		{"429 with date", resp(429, t0.Add(90*time.Second).Format(http.TimeFormat)), nil, Retry, 90 * time.Second, "status 429 (Retry-After 1m30s)"},
		{"429 with garbage", resp(429, "soon"), nil, Retry, 0, "status 429"},
		{"500", resp(500, ""), nil, Retry, 0, "status 500"},
		{"503 with Retry-After", resp(503, "2"), nil, Retry, 2 * time.Second, "status 503 (Retry-After 2s)"},
		{"599", resp(599, ""), nil, Retry, 0, "status 599"},
		{"connection refused", nil, fmt.Errorf("%w: dial tcp: connection refused", runtime.ErrOutboundFailed), Retry, 0, "failed: dial tcp: connection refused"},
		{"timeout", nil, fmt.Errorf("%w: context deadline exceeded", runtime.ErrOutboundTimedOut), Retry, 0, "timed_out: context deadline exceeded"},
		{"nothing at all", nil, nil, Retry, 0, "no response"},
		{"SSRF guard", nil, &runtime.BlockedError{Host: "metadata", Reason: "link-local"}, Reject, 0, "refusing to connect to metadata (invalid IP, link-local): destination address is not allowed"},
		{"SSRF guard, flattened", nil, fmt.Errorf("%w: %v", runtime.ErrOutboundFailed, runtime.ErrBlockedAddress), Reject, 0, "failed: destination address is not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(tt.resp, tt.err, t0)
			if d.Verdict != tt.verdict || d.After != tt.after || d.Reason != tt.reason {
				t.Errorf("Classify = {%s %s %q}, want {%s %s %q}", d.Verdict, d.After, d.Reason, tt.verdict, tt.after, tt.reason)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 120 ", 2 * time.Minute, true},
		{"1.5", 0, false},
		{"-1", 0, false},
		{"12abc", 0, false},
		{"99999999999999999999999", maxRetryAfter, true},
		{"9999999", maxRetryAfter, true},
		{t0.Add(time.Hour).Format(http.TimeFormat), time.Hour, true},
		{t0.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{t0.Add(30 * 24 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{"Sunday, 01-Mar-26 12:00:10 GMT", 10 * time.Second, true}, // RFC 850
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, t0)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "1e9", "99999999999999999999", "-5", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, t0)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("ParseRetryAfter(%q) = %s out of [0, %s]", s, d, maxRetryAfter)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %s with ok=false", s, d)
		}
	})
}

func TestBackoff(t *testing.T) {
	p := Policy{BaseDelay: time.Second, MaxDelay: 10 * time.Second}
	tests := []struct {
		n      int
		jitter float64
		want   time.Duration
	}{
		{1, 0, 500 * time.Millisecond},
		{1, 0.999999999, time.Second - time.Nanosecond},
		{2, 0, time.Second},
		{3, 0, 2 * time.Second},
		{4, 1, 8 * time.Second},
		{5, 0, 5 * time.Second}, // capped at 10s, half of it
		{1000, 1, 10 * time.Second},
		{0, 0, 500 * time.Millisecond},
		{3, -4, 2 * time.Second}, // jitter clamped
	}
	for _, tt := range tests {
		if got := p.Backoff(tt.n, tt.jitter); got != tt.want {
			t.Errorf("Backoff(%d, %v) = %s, want %s", tt.n, tt.jitter, got, tt.want)
		}
	}
}

func TestPolicyNext(t *testing.T) {
	p := Policy{MaxAttempts: 5, MaxAge: time.Hour, BaseDelay: time.Second, MaxDelay: time.Minute}
	retry := Decision{Verdict: Retry, Status: 503, Reason: "status 503"}
	tests := []struct {
		name     string
		attempts int
		age      time.Duration
		d        Decision
		wantAt   time.Duration // from now; -1 = dead
		wantDead string
	}{
		{"first failure", 1, 0, retry, time.Second, ""},
		{"third failure", 3, 0, retry, 4 * time.Second, ""},
		{"Retry-After wins over a shorter backoff", 1, 0, Decision{Verdict: Retry, After: 30 * time.Second, Reason: "status 429"}, 30 * time.Second, ""},
		{"backoff wins over a shorter Retry-After", 4, 0, Decision{Verdict: Retry, After: time.Second, Reason: "status 429"}, 8 * time.Second, ""},
		{"max attempts", 5, 0, retry, -1, "gave up after 5 attempts (max_attempts); last: status 503"},
		{"older than max age", 2, time.Hour, retry, -1, "gave up: older than max_age 1h0m0s; last: status 503"},
		{"last try at the deadline", 4, time.Hour - 3*time.Second, retry, 3 * time.Second, ""},
		{"Retry-After beyond max age", 1, 50 * time.Minute, Decision{Verdict: Retry, After: 20 * time.Minute, Reason: "status 429"}, -1, "gave up: Retry-After 20m0s is beyond max_age 1h0m0s; last: status 429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := &Item{Attempts: tt.attempts, Created: t0.Add(-tt.age)}
			at, dead := p.next(it, tt.d, t0, 1)
			if dead != tt.wantDead {
				t.Fatalf("dead = %q, want %q", dead, tt.wantDead)
			}
			if tt.wantAt >= 0 && at.Sub(t0) != tt.wantAt {
				t.Errorf("next attempt in %s, want %s", at.Sub(t0), tt.wantAt)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		p    Policy
		want string
	}{
		{DefaultPolicy(), ""},
		{Policy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Second}, ""},
		{Policy{BaseDelay: time.Second, MaxDelay: time.Second}, "retried forever"},
		{Policy{MaxAttempts: -1, BaseDelay: time.Second, MaxDelay: time.Second}, "max_attempts must not be negative"},
		{Policy{MaxAttempts: 1, BaseDelay: 0, MaxDelay: time.Second}, "base_delay must be positive"},
		{Policy{MaxAttempts: 1, BaseDelay: time.Minute, MaxDelay: time.Second}, "max_delay (1s) must not be less than base_delay (1m0s)"},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", tt.p, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: error %v, want one containing %q", tt.p, err, tt.want)
		}
	}
}

func FuzzDecodeItem(f *testing.F) {
	good, _ := encodeItem(&Item{ID: 1, State: Pending, Host: "a.example", Method: "POST", URL: "https://a.example/x", Body: []byte("{}")})
	for _, s := range [][]byte{good, []byte("{}"), []byte("null"), []byte(`{"id":1,"state":"dead"}`), []byte("\x00\xff")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		it, err := decodeItem(b)
		if err == nil && !it.Unreadable && (it.ID == 0 || it.URL == "" || it.Host == "" || it.Method == "" || (it.State != Pending && it.State != Dead)) {
			t.Fatalf("decodeItem accepted an incomplete item: %+v", it)
		}
		if err != nil && it != nil {
			t.Fatalf("decodeItem returned an item with error %v", err)
		}
	})
}
