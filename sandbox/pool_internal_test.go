package sandbox

import (
	"testing"
	"time"
)

// Runtimes idle longer than the pool's idle timeout are dropped from the bottom of the
// stack, while the recently used ones on top are kept.
func TestPoolDropsIdleRuntimes(t *testing.T) {
	p := NewPool(Limits{})
	vus := []*VU{p.Get(), p.Get(), p.Get()}
	for _, vu := range vus {
		p.Put(vu)
	}
	if p.Idle() != 3 {
		t.Fatalf("%d idle, want 3", p.Idle())
	}
	// The two at the bottom have been idle for longer than the timeout.
	old := time.Now().Add(-2 * p.idle)
	vus[0].lastUsed, vus[1].lastUsed = old, old
	top := p.Get() // the most recently returned runtime comes back first
	if top != vus[2] {
		t.Fatal("Get did not return the most recently used runtime")
	}
	p.Put(top)
	if p.Idle() != 1 {
		t.Fatalf("%d idle after Put, want the two stale runtimes dropped", p.Idle())
	}
	if p.Get() != vus[2] {
		t.Fatal("the fresh runtime was dropped instead of the stale ones")
	}
}
