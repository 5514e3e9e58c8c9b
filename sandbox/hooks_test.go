package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

// TestInterruptHook checks that every way the sandbox stops template code reaches the
// hook once, with its kind, and that ordinary errors do not.
func TestInterruptHook(t *testing.T) {
	var mu sync.Mutex
	var got []string
	sandbox.SetInterruptHook(func(kind string) {
		mu.Lock()
		got = append(got, kind)
		mu.Unlock()
	})
	t.Cleanup(func() { sandbox.SetInterruptHook(nil) })

	pool := sandbox.NewPool(sandbox.Limits{CPUBudget: 50 * time.Millisecond, MaxCallStack: 64})
	slow := sandbox.NewPool(sandbox.Limits{CPUBudget: time.Minute})
	cases := []struct {
		name string
		pool *sandbox.Pool
		code string
		ctx  time.Duration
		want []string
	}{
		{"endless loop", pool, "while (true) {}", 5 * time.Second, []string{sandbox.InterruptCPUBudget}},
		{"deep recursion", pool, "const f = function(n) { return f(n + 1) + 1; }; return f(0);", 5 * time.Second, []string{sandbox.InterruptCallStack}},
		{"deadline", slow, "while (true) {}", 50 * time.Millisecond, []string{sandbox.InterruptDeadline}},
		{"a throw is no interrupt", pool, "throw 'x';", 5 * time.Second, nil},
		{"success", pool, "return 1;", 5 * time.Second, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), c.ctx)
			defer cancel()
			c.pool.Run(ctx, &sandbox.Execution{Program: program(t, "MACRO", c.code, ""), Name: "t", EC: runtime.NewEventContext(nil, nil, runtime.Event{}), Env: &runtime.Env{}})
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("hook calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInterruptKind(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("other"), ""},
		{sandbox.ErrCPUBudget, sandbox.InterruptCPUBudget},
		{fmt.Errorf("tag x: %w", sandbox.ErrDeadline), sandbox.InterruptDeadline},
		{sandbox.ErrCallStack, sandbox.InterruptCallStack},
	}
	for _, tt := range tests {
		if got := sandbox.InterruptKind(tt.err); got != tt.want {
			t.Errorf("InterruptKind(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
