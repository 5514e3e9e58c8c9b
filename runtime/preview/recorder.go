package preview

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tagd-dev/tagd/runtime"
)

// Defaults for zero Options.
const (
	DefaultSize    = 200
	DefaultMaxBody = 64 << 10
	// MaxSize caps the ring: each record may hold several bodies of up to MaxBody bytes.
	MaxSize = 10000
)

// Header names that mark a request for capture besides a configured one: sGTM's (sent by
// its preview tooling and copyable from it) and tagd's own.
const (
	GTMHeader  = "X-Gtm-Server-Preview"
	TagdHeader = "X-Tagd-Preview"
)

// Options configure a Recorder.
type Options struct {
	// Size is the number of requests kept; the oldest is dropped first. 0 = DefaultSize.
	Size int
	// Disabled turns capture off entirely, preview headers included.
	Disabled bool
	// CaptureAll records every request, not only those with a preview header.
	CaptureAll bool
	// Header is one more request header whose presence turns capture on.
	Header string
	// MaxBody caps the bytes kept of the inbound request and response bodies.
	MaxBody int
	// KeepAlive is how often an idle stream sends a comment so that proxies keep it open.
	// 0 = 15s.
	KeepAlive time.Duration
}

// Recorder keeps the last captured requests and tells subscribers about new ones.
type Recorder struct {
	disabled  bool
	header    string
	maxBody   int
	keepAlive time.Duration
	all       atomic.Bool

	mu    sync.Mutex
	ring  []*Record // ring[next] is the slot written next
	next  int
	count int
	byID  map[string]*Record

	subs broker
}

// New returns an empty recorder.
func New(o Options) *Recorder {
	if o.Size <= 0 {
		o.Size = DefaultSize
	}
	if o.Size > MaxSize {
		o.Size = MaxSize
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 15 * time.Second
	}
	r := &Recorder{disabled: o.Disabled, header: o.Header, maxBody: o.MaxBody, keepAlive: o.KeepAlive,
		ring: make([]*Record, o.Size), byID: map[string]*Record{}}
	r.all.Store(o.CaptureAll)
	r.subs.init()
	return r
}

// Capture decides whether a request is recorded; it has the shape of runtime.Engine.Capture.
// preview is true when the request carries one of the built-in preview headers.
func (r *Recorder) Capture(req *http.Request, preview bool) bool {
	if r.disabled {
		return false
	}
	if preview || r.all.Load() {
		return true
	}
	return r.header != "" && req.Header.Get(r.header) != ""
}

// SetCaptureAll switches recording of all traffic on or off at run time.
func (r *Recorder) SetCaptureAll(on bool) { r.all.Store(on) }

// Policy reports the capture settings.
func (r *Recorder) Policy() Policy {
	hs := []string{GTMHeader, TagdHeader}
	if r.header != "" {
		hs = append(hs, r.header)
	}
	return Policy{Enabled: !r.disabled, CaptureAll: r.all.Load(), Headers: hs, Capacity: len(r.ring)}
}

// Policy is the capture policy as the admin API shows it.
type Policy struct {
	Enabled    bool     `json:"enabled"`
	CaptureAll bool     `json:"capture_all"`
	Headers    []string `json:"headers"`
	Capacity   int      `json:"capacity"`
}

// Observe records a finished, captured exchange; it has the shape of runtime.Engine.Observe
// and ignores requests that were not captured. A client may return its response before
// its events are done, so the record is taken once x's events have all finished, off the
// request goroutine.
func (r *Recorder) Observe(x *runtime.Exchange, status int, dur time.Duration) {
	if x.Trace == nil {
		return
	}
	go func() {
		x.Wait()
		r.Add(Snapshot(x, status, dur, r.maxBody))
	}()
}

// Add stores rec, dropping the oldest record when full, and publishes its summary.
func (r *Recorder) Add(rec *Record) {
	r.mu.Lock()
	if old := r.ring[r.next]; old != nil {
		delete(r.byID, old.ID)
	}
	r.ring[r.next] = rec
	r.byID[rec.ID] = rec
	r.next = (r.next + 1) % len(r.ring)
	if r.count < len(r.ring) {
		r.count++
	}
	r.mu.Unlock()
	r.subs.publish(rec.Summary())
}

// Get returns the record with id, or nil.
func (r *Recorder) Get(id string) *Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// List returns up to limit summaries matching f, newest first (limit <= 0: all).
func (r *Recorder) List(f Filter, limit int) []Summary {
	r.mu.Lock()
	recs := make([]*Record, 0, r.count)
	for i := 1; i <= r.count; i++ {
		recs = append(recs, r.ring[(r.next-i+len(r.ring))%len(r.ring)])
	}
	r.mu.Unlock()
	out := []Summary{}
	for _, rec := range recs {
		s := rec.Summary()
		if !f.Match(s) {
			continue
		}
		out = append(out, s)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}

// Len is the number of records held.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Clear drops every record.
func (r *Recorder) Clear() {
	r.mu.Lock()
	clear(r.ring)
	r.next, r.count = 0, 0
	r.byID = map[string]*Record{}
	r.mu.Unlock()
}

// Subscribe returns a channel that receives the summary of each record added from now on,
// and a cancel function. The channel is closed when cancel is called, when Close is
// called, or when the subscriber falls too far behind (it should then re-read the list).
func (r *Recorder) Subscribe() (<-chan Summary, func()) { return r.subs.subscribe() }

// Close ends every subscription (live streams end, so the server can shut down).
func (r *Recorder) Close() { r.subs.close() }
