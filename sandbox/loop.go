package sandbox

import (
	"context"
	"sync"
)

// loop is one execution's event loop. Go work (HTTP responses, runContainer completions,
// messages) is handed back to the runtime's goroutine through callbacks obtained from
// register(); callLater tasks run after the current JS returns. The loop is idle when no
// task is queued and no registered callback is outstanding.
type loop struct {
	mu      sync.Mutex
	queue   []func()
	pending int
	closed  bool
	wake    chan struct{}
	later   []func()
}

func newLoop() *loop { return &loop{wake: make(chan struct{}, 1)} }

// register reserves a callback slot; the returned enqueue must be called exactly once,
// from any goroutine. After the execution ended, enqueues are dropped.
func (l *loop) register() func(func()) {
	l.mu.Lock()
	l.pending++
	l.mu.Unlock()
	var once sync.Once
	return func(fn func()) {
		once.Do(func() {
			l.mu.Lock()
			l.pending--
			if !l.closed && fn != nil {
				l.queue = append(l.queue, fn)
			}
			l.mu.Unlock()
			select {
			case l.wake <- struct{}{}:
			default:
			}
		})
	}
}

// run drains the loop until it is idle, stop() reports true, or ctx is done. Each task
// runs on the caller's goroutine (the runtime's).
func (l *loop) run(ctx context.Context, stop func() bool) error {
	for {
		if stop != nil && stop() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(l.later) > 0 {
			fn := l.later[0]
			l.later = l.later[1:]
			fn()
			continue
		}
		l.mu.Lock()
		if len(l.queue) > 0 {
			fn := l.queue[0]
			l.queue = l.queue[1:]
			l.mu.Unlock()
			fn()
			continue
		}
		idle := l.pending == 0
		l.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-l.wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *loop) close() {
	l.mu.Lock()
	l.closed = true
	l.queue = nil
	l.mu.Unlock()
}

func (l *loop) idle() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.later) == 0 && len(l.queue) == 0 && l.pending == 0
}
