// Package server wires tagd's HTTP surfaces with gorilla/mux: the ingress (health checks,
// then every other path to the engine's clients) and the admin listener (status, reload),
// and runs them with graceful shutdown.
//
// It imports runtime and runtime/loader. It must not import sandbox, clients or tags
// directly, and nothing but cmd imports it.
package server
