// Package clients holds tagd's clients: the adapters that claim inbound requests and turn
// them into events. Built-in clients are Go (GA4 web collection in clients/ga4); custom
// clients are CLIENT templates run in the sandbox (TemplateClient).
//
// It imports runtime, sandbox and templates. It must not import tags, config or the
// server; the loader wires clients from configuration with New.
package clients
