package runtime

// stackReserve is the frame size growStack asks for: enough that a tag's goroutine gets a
// 32 KiB stack, which covers goja's interpreter running a vendor template with its API
// calls re-entering JavaScript and the recursive conversion of nested event data.
const stackReserve = 24 << 10

// stackIndex is a variable so that the compiler cannot drop growStack's frame.
var stackIndex int

// growStack grows the calling goroutine's stack to 32 KiB while it is still nearly
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
