package sandbox

import (
	"testing"
	"time"

	"github.com/tagd-dev/tagd/templates"
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

// SharedPool hands the same pool to every user with the same limits, until the last one
// closes it; a generation that closes first leaves the pool working for the others.
func TestSharedPool(t *testing.T) {
	l := Limits{CPUBudget: 1234 * time.Millisecond} // limits no other test uses
	a := SharedPool(l)
	b := SharedPool(l)
	if a != b {
		t.Fatal("same limits, different pools")
	}
	if c := SharedPool(Limits{CPUBudget: 1235 * time.Millisecond}); c == a {
		t.Fatal("different limits, same pool")
	} else {
		c.Close()
	}
	vu := a.Get()
	a.Put(vu)
	a.Close() // the old generation retires
	if got := b.Get(); got != vu {
		t.Fatal("the warm runtime did not survive the first user's Close")
	} else {
		b.Put(got)
	}
	b.Close()
	if b.Idle() != 0 {
		t.Fatalf("%d idle runtimes after the last Close", b.Idle())
	}
	if d := SharedPool(l); d == a {
		t.Fatal("a closed shared pool was handed out again")
	} else {
		d.Close()
	}
}

// A runtime instantiates a template function once per template source: recompiling an
// unchanged template (a reload) reuses it, a changed one gets its own, and the cache is
// bounded.
func TestTemplateFuncsKeyedBySource(t *testing.T) {
	compile := func(code string) *Program { return compileMacro(t, code) }
	vu := NewVU(Limits{})
	for _, p := range []*Program{compile("return 1;"), compile("return 1;")} {
		if _, err := vu.TemplateFunc(p); err != nil {
			t.Fatal(err)
		}
	}
	if len(vu.fns) != 1 {
		t.Fatalf("%d template functions for one source, want 1", len(vu.fns))
	}
	if _, err := vu.TemplateFunc(compile("return 2;")); err != nil {
		t.Fatal(err)
	}
	if len(vu.fns) != 2 {
		t.Fatalf("%d template functions for two sources, want 2", len(vu.fns))
	}
	p := NewPool(Limits{})
	for i := 0; i <= maxTemplateFuncs; i++ {
		vu.fns[[32]byte{byte(i), byte(i >> 8), 1}] = nil
	}
	p.Put(vu)
	if len(vu.fns) != 0 {
		t.Fatalf("%d template functions kept, want the cache cleared past %d", len(vu.fns), maxTemplateFuncs)
	}
}

// Prewarm fills the pool up to n runtimes with the programs instantiated, counts runtimes
// already idle, and does nothing on a closed pool.
func TestPrewarm(t *testing.T) {
	compile := func(code string) *Program { return compileMacro(t, code) }
	progs := []*Program{compile("return 1;"), compile("return 2;")}
	p := NewPool(Limits{})
	p.Put(NewVU(Limits{})) // already idle: counts toward n
	p.Prewarm(3, progs)
	if p.Idle() != 3 {
		t.Fatalf("%d idle runtimes after Prewarm(3), want 3", p.Idle())
	}
	warm := 0
	for _, vu := range p.free {
		if len(vu.fns) == len(progs) {
			warm++
		}
	}
	if warm != 2 {
		t.Fatalf("%d runtimes with both templates instantiated, want the 2 Prewarm made", warm)
	}
	p.Prewarm(2, progs) // already enough
	if p.Idle() != 3 {
		t.Fatalf("%d idle runtimes after a smaller Prewarm, want 3", p.Idle())
	}
	p.Close()
	p.Prewarm(5, progs)
	if p.Idle() != 0 {
		t.Fatalf("%d idle runtimes prewarmed in a closed pool", p.Idle())
	}
}

// compileMacro compiles a variable template whose server code is code.
func compileMacro(t *testing.T, code string) *Program {
	t.Helper()
	tp, err := templates.Parse("t.tpl", []byte("___INFO___\n\n{\"type\": \"MACRO\", \"id\": \"x\", \"version\": 1, \"displayName\": \"T\", \"containerContexts\": [\"SERVER\"]}\n\n___SANDBOXED_JS_FOR_SERVER___\n\n"+code+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(tp)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
