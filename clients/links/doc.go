// Package links implements the URL side of click-ID tracking links: destination URL
// templates with {macro} placeholders (validated when the config loads, filled per click
// with URL-encoded values), appending the click ID under a configurable parameter, and
// minting click IDs.
//
// It imports the standard library only; it must not import any tagd package.
package links
