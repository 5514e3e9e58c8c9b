// Package server wires tagd's HTTP surfaces with gorilla/mux: the ingress (health checks,
// then every other path to the engine's clients) and the admin listener (status, reload,
// the preview UI and API, outbox commands, /metrics, pprof), and runs them with graceful
// shutdown.
//
// It imports runtime and its service packages (loader, preview, metrics, outbox). It must
// not import sandbox, clients or tags directly, and nothing but cmd imports it.
package server
