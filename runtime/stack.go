package runtime

// stackReserve is the frame size growStack asks for, so that the goroutine gets a 16 KiB
// stack: in profiles of the container benchmark that covers almost every tag run (goja's
// interpreter, API calls re-entering JavaScript, the recursive conversion of nested event
// data). A 32 KiB stack did no better: stacks above 16 KiB do not come from the runtime's
// per-P stack caches.
const stackReserve = 12 << 10

// stackIndex is a variable so that the compiler cannot drop growStack's frame.
var stackIndex int

// growStack grows the calling goroutine's stack to 16 KiB while it is still nearly
// empty. A fresh goroutine starts with a few KiB; a tag run used to outgrow it two or three
// times deep inside the interpreter, and each growth copies the stack and walks every frame
// to adjust pointers (6–9 % of the CPU of a container run in profiles). Growing once, at
// the start, copies almost nothing. Call it first thing in goroutines that run templates.
//
//go:noinline
func growStack() byte {
	var frame [stackReserve]byte
	frame[stackIndex] = 1
	return frame[(stackIndex*7)%stackReserve]
}
