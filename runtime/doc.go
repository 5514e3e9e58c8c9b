// Package runtime is tagd's core: the event model, the per-request Exchange (request,
// staged response, claim, runContainer), the immutable Container (clients, triggers,
// variables, tags) and the Engine that dispatches requests to clients and events to tags
// and swaps containers atomically on reload.
//
// It must stay small and free of engines and transports: it must not import goja, gorilla/mux,
// the sandbox, clients or tags packages (they import runtime, never the reverse). It may
// import config. When both this package and the standard library's runtime are needed,
// callers alias this one as tagdrt.
package runtime
