// Package data parses the requests of the generic data client: events sent as JSON (one
// object, an array, or {"events": [...]} with shared keys) or as form fields (query string
// or an x-www-form-urlencoded body) by server SDKs, webhooks and custom scripts. Keys are
// passed through as sGTM common event data (event_name, user_data.*, items, value,
// currency, event_id, transaction_id …); dotted form keys build nested objects.
//
// It is a pure translation layer: no I/O and no state. It imports the standard library
// and clients/internal/jsonx only; it must not import runtime, sandbox, config or any other
// tagd package.
package data
