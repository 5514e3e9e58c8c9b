// Package ga4 parses GA4 web collection hits (gtag.js "measurement protocol v2",
// path /g/collect) into sGTM common event data, one map per event, the way the
// sGTM GA4 client exposes them to tags. It also answers whether that client
// would claim a request and writes the CORS headers such a response needs.
//
// The package is a pure translation layer: it does no I/O, keeps no state and
// sets no cookies (FPID handling belongs to the runtime client that wraps it).
// Event data uses only JSON-like Go types: string, bool, int64 (integer
// protocol fields such as x-ga-page_id, which may exceed 2^53), float64
// (decimal values such as epn.* and item prices), map[string]any and []any.
//
// The wire format is described in docs/protocols.md §a. Unknown parameters
// are kept, never rejected; only malformed input yields a *ParseError.
//
// Imports: the standard library only. It must not import any tagd package
// (runtime, sandbox, templates, config …) nor goja, so that it stays usable
// and testable on its own.
package ga4
