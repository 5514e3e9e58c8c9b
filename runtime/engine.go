package runtime

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// generation wraps a container with a count of the requests using it, so that a swapped-out
// container is closed only after its last request finished.
type generation struct {
	c       *Container
	mu      sync.Mutex
	users   int
	retired bool
	closed  bool
}

// enter registers a user; it fails only once the generation has been closed.
func (g *generation) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.users++
	return true
}

// leave unregisters a user and closes a retired generation when it was the last.
func (g *generation) leave() {
	g.mu.Lock()
	g.users--
	last := g.retired && g.users == 0 && !g.closed
	if last {
		g.closed = true
	}
	g.mu.Unlock()
	if last {
		g.close()
	}
}

// retire marks the generation swapped out and closes it once nobody uses it.
func (g *generation) retire() {
	g.mu.Lock()
	g.retired = true
	now := g.users == 0 && !g.closed
	if now {
		g.closed = true
	}
	g.mu.Unlock()
	if now {
		g.close()
	}
}

func (g *generation) close() {
	if g.c.Close != nil {
		g.c.Close()
	}
}

// Engine dispatches requests to the current container and swaps containers atomically.
type Engine struct {
	cur    atomic.Pointer[generation]
	Logger *slog.Logger
	// Observe, when set, is called with every finished exchange (preview, metrics).
	Observe func(x *Exchange, status int, dur time.Duration)
	// Capture, when set, decides per request whether to record a Trace (preview).
	Capture func(r *http.Request, preview bool) bool

	inflight   sync.WaitGroup
	background sync.WaitGroup // client work that outlives its response
	closing    atomic.Bool
}

// NewEngine returns an engine serving c.
func NewEngine(c *Container, logger *slog.Logger) *Engine {
	if logger == nil {
		logger = slog.Default()
	}
	e := &Engine{Logger: logger}
	e.cur.Store(&generation{c: c})
	return e
}

// Container returns the current container.
func (e *Engine) Container() *Container { return e.cur.Load().c }

// Swap installs c; requests in flight finish on the old container, which is closed once
// they are done. It returns the old container.
func (e *Engine) Swap(c *Container) *Container {
	old := e.cur.Swap(&generation{c: c})
	if old == nil {
		return nil
	}
	old.retire()
	return old.c
}

// acquire returns the current generation with a user registered. A generation that was
// swapped out but is still in use remains valid; only a closed one is skipped.
func (e *Engine) acquire() *generation {
	for {
		if g := e.cur.Load(); g.enter() {
			return g
		}
	}
}

// ServeHTTP handles one inbound tracking request.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if e.closing.Load() {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	e.inflight.Add(1)
	defer e.inflight.Done()
	g := e.acquire()
	defer g.leave()
	c := g.c
	if c.Env != nil {
		if bp, ok := c.Env.HTTP.(Backpressurer); ok {
			if full, after := bp.Backpressure(); full {
				secs := max(int((after+time.Second-1)/time.Second), 1)
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				e.Logger.Warn("rejecting request: the outbox is full", "path", r.URL.Path, "retry_after_s", secs)
				http.Error(w, "outbox full: retry later", http.StatusServiceUnavailable)
				return
			}
		}
	}

	req, err := ReadRequest(r, c.Requests)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrBodyTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		e.Logger.Warn("bad request", "path", r.URL.Path, "remote", r.RemoteAddr, "error", err)
		http.Error(w, err.Error(), status)
		if e.Observe != nil {
			// Counted like any other request (metrics), with what could be read of it.
			bad := NewExchange(&Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Host: r.Host}, c)
			e.Observe(bad, status, time.Since(start))
		}
		return
	}
	x := NewExchange(req, c)
	// Tags may still be running after the response is sent: Shutdown waits for them too.
	e.inflight.Add(1)
	defer func() { go func() { x.Wait(); e.inflight.Done() }() }()
	x.Preview = r.Header.Get("X-Gtm-Server-Preview") != "" || r.Header.Get("X-Tagd-Preview") != ""
	if e.Capture != nil && e.Capture(r, x.Preview) {
		x.Trace = &Trace{}
	}
	status := e.handle(r.Context(), x, w)
	dur := time.Since(start)
	e.Logger.Info("request", "request_id", x.ID, "method", req.Method, "path", req.Path, "client", x.ClaimedBy(), "status", status, "events", len(x.Events()), "duration_ms", float64(dur.Microseconds())/1000, "remote_ip", req.RemoteIP)
	if e.Observe != nil {
		e.Observe(x, status, dur)
	}
}

func (e *Engine) handle(ctx context.Context, x *Exchange, w http.ResponseWriter) int {
	c := x.Container
	// Tags and clients outlive a disconnecting browser: their work was accepted.
	base := context.WithoutCancel(ctx)
	timeout := c.ClientTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	cctx, cancel := context.WithTimeout(base, timeout)
	defer cancel()
	for _, cb := range c.Clients {
		// The client runs in its own goroutine so that a response it returns early (before
		// its events finished) reaches the browser at once; the rest of its work goes on in
		// the background and is tracked for graceful shutdown.
		type outcome struct {
			claimed bool
			err     error
		}
		doneCh := make(chan outcome, 1)
		e.background.Add(1)
		go func() {
			growStack()
			defer e.background.Done()
			claimed, err := e.runClient(cctx, cb, x)
			x.Trace.AddClient(cb.Name, claimed, err)
			if claimed {
				x.ClientReturned()
			}
			doneCh <- outcome{claimed, err}
		}()
		var res outcome
		select {
		case res = <-doneCh:
		case <-x.resp.Done():
			// Returned early: send it; the client finishes in the background.
			status, _, _ := x.resp.Snapshot()
			x.resp.WriteTo(w)
			go func() {
				r := <-doneCh
				if r.err != nil {
					e.Logger.Error("client failed after returning its response", "request_id", x.ID, "client", cb.Name, "error", r.err)
				}
			}()
			return status
		}
		if res.err != nil && !res.claimed {
			e.Logger.Error("client failed", "request_id", x.ID, "client", cb.Name, "error", res.err)
			continue
		}
		if !res.claimed {
			continue
		}
		if res.err != nil {
			e.Logger.Error("client failed after claiming", "request_id", x.ID, "client", cb.Name, "error", res.err)
		}
		if !x.resp.Returned() {
			e.Logger.Warn("client did not return a response; sending what was staged", "request_id", x.ID, "client", cb.Name)
			x.resp.Return()
		}
		status, _, _ := x.resp.Snapshot()
		x.resp.WriteTo(w)
		return status
	}
	e.Logger.Warn("no client claimed the request", "request_id", x.ID, "method", x.Request.Method, "path", x.Request.Path)
	http.Error(w, "no client claimed the request", http.StatusBadRequest)
	return http.StatusBadRequest
}

func (e *Engine) runClient(ctx context.Context, cb *ClientBinding, x *Exchange) (claimed bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			e.Logger.Error("client panicked", "client", cb.Name, "panic", r)
			err = errors.New("client panicked")
			claimed = x.ClaimedBy() == cb.Name
		}
	}()
	claimed, err = cb.Client.Handle(ctx, x)
	if !claimed && x.ClaimedBy() == cb.Name {
		claimed = true
	}
	return claimed, err
}

// Shutdown stops accepting requests and waits for those in flight, up to ctx's deadline.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.closing.Store(true)
	done := make(chan struct{})
	go func() { e.inflight.Wait(); e.background.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
