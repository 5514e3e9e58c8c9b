// Package testsink is a fake vendor for tests: an httptest server that records every
// request a container sends to it through the outbound redirect and answers 200 with a
// small JSON body. It is test support only and must not be imported by production code.
package testsink

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Request is one request the sink received.
type Request struct {
	Method   string
	Path     string
	Query    url.Values
	Original string // X-Tagd-Original-Url: where the template meant to send it
	Header   http.Header
	Body     []byte
}

// Sink records requests.
type Sink struct {
	URL  string
	mu   sync.Mutex
	reqs []Request
}

// New starts a sink that stops when the test ends.
func New(t testing.TB) *Sink {
	s := &Sink{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, Request{r.Method, r.URL.Path, r.URL.Query(), r.Header.Get("X-Tagd-Original-Url"), r.Header.Clone(), b})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"events_received":1,"messages":[],"fbtrace_id":"T"}`))
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// All returns every request so far.
func (s *Sink) All() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// ByPath returns the requests whose path starts with prefix.
func (s *Sink) ByPath(prefix string) []Request {
	return s.filter(func(r Request) bool { return strings.HasPrefix(r.Path, prefix) })
}

// ByOriginal returns the requests whose original URL starts with prefix.
func (s *Sink) ByOriginal(prefix string) []Request {
	return s.filter(func(r Request) bool { return strings.HasPrefix(r.Original, prefix) })
}

// Count is the number of requests so far.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func (s *Sink) filter(keep func(Request) bool) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.reqs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}
