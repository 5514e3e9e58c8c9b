package sandbox

import (
	"errors"
	"sync/atomic"
)

// Interrupt kinds passed to the interrupt hook; they are metric label values.
const (
	InterruptCPUBudget = "cpu_budget"
	InterruptDeadline  = "deadline"
	InterruptCallStack = "call_stack"
)

var interruptHook atomic.Pointer[func(kind string)]

// SetInterruptHook installs fn to be told each time the sandbox stops template code (CPU
// budget spent, deadline passed, call stack too deep); nil removes it. It is process-wide
// because runtimes are pooled per container generation and outlive no single owner that
// could carry it; metrics set it once at start-up.
func SetInterruptHook(fn func(kind string)) {
	if fn == nil {
		interruptHook.Store(nil)
		return
	}
	interruptHook.Store(&fn)
}

// InterruptKind names the interrupt err stands for, or "" if it is none.
func InterruptKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrCPUBudget):
		return InterruptCPUBudget
	case errors.Is(err, ErrDeadline):
		return InterruptDeadline
	case errors.Is(err, ErrCallStack):
		return InterruptCallStack
	}
	return ""
}

// reportInterrupt tells the hook about err when it is an interrupt.
func reportInterrupt(err error) {
	h := interruptHook.Load()
	if h == nil {
		return
	}
	if kind := InterruptKind(err); kind != "" {
		(*h)(kind)
	}
}
