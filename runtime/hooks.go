package runtime

import (
	"sync/atomic"
	"time"
)

// OutboundHook is told about every attempt an HTTPDispatcher makes: the request as the
// template sent it (URL before any redirect), the response or error, and how long it took.
type OutboundHook func(r *OutboundRequest, resp *OutboundResponse, err error, took time.Duration)

var outboundHook atomic.Pointer[OutboundHook]

// SetOutboundHook installs fn for every HTTPDispatcher in the process (metrics); nil removes
// it. Process-wide because dispatchers are rebuilt with each container generation while
// the metrics they feed live as long as the process.
func SetOutboundHook(fn OutboundHook) {
	if fn == nil {
		outboundHook.Store(nil)
		return
	}
	outboundHook.Store(&fn)
}

func reportOutbound(r *OutboundRequest, resp *OutboundResponse, err error, start time.Time) {
	if h := outboundHook.Load(); h != nil {
		(*h)(r, resp, err, time.Since(start))
	}
}
