package api

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/tagd-dev/tagd/runtime"
)

// headerRecorder answers every request and keeps its headers.
type headerRecorder struct {
	mu   sync.Mutex
	last http.Header
}

func (d *headerRecorder) Do(_ context.Context, r *runtime.OutboundRequest) (*runtime.OutboundResponse, error) {
	d.mu.Lock()
	d.last = r.Header.Clone()
	d.mu.Unlock()
	return &runtime.OutboundResponse{StatusCode: 200, Header: http.Header{}}, nil
}

// Two header names differing only in case: the later key of the options object wins, on
// every run (they used to be copied from a Go map, in random order).
func TestSendHttpRequestHeaderOrder(t *testing.T) {
	for _, tc := range []struct{ headers, want string }{
		{`{'content-type': 'text/plain', 'Content-Type': 'application/json'}`, "application/json"},
		{`{'Content-Type': 'application/json', 'content-type': 'text/plain'}`, "text/plain"},
	} {
		for i := 0; i < 20; i++ {
			d := &headerRecorder{}
			got := clValue(t, &runtime.Env{HTTP: d}, `return require('sendHttpRequest')('https://x.example/a', {method: 'POST', headers: `+tc.headers+`}, '{}').then(r => r.statusCode);`,
				clPerm("send_http", map[string]any{"allowedUrls": "any"}))
			if got != int64(200) {
				t.Fatalf("status %v", got)
			}
			if v := d.last.Values("Content-Type"); len(v) != 1 || v[0] != tc.want {
				t.Fatalf("headers %s, run %d: Content-Type %q, want %q", tc.headers, i, v, tc.want)
			}
		}
	}
}
