// Package api implements sGTM's require()-able server APIs, one small file per API (or per
// tightly related family), each registering itself and the permission it checks with the
// sandbox from init().
//
// It imports sandbox, runtime and templates. It must not import clients, tags, config or
// the server. Binaries link it with a blank import.
package api
