// Package clients holds tagd's clients: the adapters that claim inbound requests and turn
// them into events. Built-in clients are Go: GA4 web collection (parser in clients/ga4,
// with FPID and identity cookies here), the Measurement Protocol (clients/mp), the generic
// data client (clients/data), click-ID links (clients/links) and postback intake
// (clients/postback), the last two backed by runtime/clickstore. Custom clients are CLIENT
// templates run in the sandbox (TemplateClient). docs/clients.md documents them all.
//
// It imports runtime, runtime/clickstore, sandbox, templates and its own parser packages.
// It must not import tags, config or the server; the loader wires clients from
// configuration with New and tells them the data directory with SetDataDir.
package clients
