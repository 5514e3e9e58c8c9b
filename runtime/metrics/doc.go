// Package metrics exposes tagd's Prometheus metrics: requests by client and status, events
// by name, tag executions by tag and outcome with durations, outbound requests by host and
// status with latency, sandbox interrupts, config reloads, outbox depth and dead letters,
// plus the Go runtime and process collectors. Everything is registered on the Metrics'
// own prometheus.Registry (never the global one), so tests and several servers in one
// process do not collide.
//
// The runtime feeds it through hook functions (Engine.Observe, Reloader.OnResult,
// runtime.SetOutboundHook, sandbox.SetInterruptHook) wired in cmd/tagd. It imports runtime
// for the types it observes; it must not import the sandbox, clients, tags, the loader or
// the server.
package metrics
