// Package mp parses and validates GA4 Measurement Protocol requests (POST /mp/collect and
// /debug/mp/collect, protocols.md §b) and maps them into sGTM common event data, one map
// per event. Validation follows Google's documented limits and answers with the same
// validationMessages Google's validation server uses (fieldPath, description,
// validationCode).
//
// It is a pure translation layer: no I/O, no state, no cookies. It imports the standard
// library and clients/internal/jsonx only; it must not import runtime, sandbox, config or
// any other tagd package.
package mp
