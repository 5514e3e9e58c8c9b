// Package postback parses conversion postbacks (an advertiser's or network's server
// reporting a conversion for a click ID, protocols.md §e.2) from the query string and a
// form or flat JSON body, with configurable parameter names, and checks their optional
// HMAC-SHA256 signature.
//
// It imports the standard library and clients/internal/jsonx only; it must not import any
// other tagd package.
package postback
