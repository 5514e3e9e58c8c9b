// Package sandbox runs GTM Sandboxed JavaScript templates in goja: it compiles a
// template's server code once into an immutable Program, runs it on pooled runtimes with
// a per-execution event loop, CPU and stack limits, and serves require() from a registry
// of APIs, each of which checks the calling template's declared permissions.
//
// It imports runtime (events, exchange, outbound HTTP) and templates (parsed .tpl data).
// It must never import clients, tags, config or the server: those build on it. The APIs
// themselves live in sandbox/api and register here from init().
package sandbox
