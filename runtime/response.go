package runtime

import (
	"net/http"
	"sync"
)

// Response is the response being staged by any template or client for one request.
// Nothing reaches the wire until Return is called (sGTM's returnResponse); later writes
// are ignored.
type Response struct {
	mu       sync.Mutex
	status   int
	header   http.Header
	body     []byte
	returned bool
	done     chan struct{}
}

func newResponse() *Response {
	return &Response{status: http.StatusOK, header: http.Header{}, done: make(chan struct{})}
}

// SetStatus stages the status code. It reports false once the response was returned.
func (r *Response) SetStatus(code int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.returned {
		return false
	}
	r.status = code
	return true
}

// SetHeader sets (or, with an empty value and del, removes) one header.
func (r *Response) SetHeader(name, value string, del bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.returned {
		return false
	}
	if del {
		r.header.Del(name)
	} else {
		r.header.Set(name, value)
	}
	return true
}

// AddHeader appends a header value (Set-Cookie).
func (r *Response) AddHeader(name, value string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.returned {
		return false
	}
	r.header.Add(name, value)
	return true
}

// SetBody stages the body.
func (r *Response) SetBody(b []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.returned {
		return false
	}
	r.body = b
	return true
}

// Return marks the response final. Only the first call counts.
func (r *Response) Return() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.returned {
		return false
	}
	r.returned = true
	close(r.done)
	return true
}

// Returned reports whether Return was called.
func (r *Response) Returned() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.returned
}

// Done is closed when the response is returned.
func (r *Response) Done() <-chan struct{} { return r.done }

// Snapshot returns the staged status, a copy of the headers and the body.
func (r *Response) Snapshot() (int, http.Header, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status, r.header.Clone(), append([]byte(nil), r.body...)
}

// WriteTo writes the staged response to w.
func (r *Response) WriteTo(w http.ResponseWriter) {
	status, h, body := r.Snapshot()
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
}
