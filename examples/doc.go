// Package examples embeds the example containers shipped with tagd: the default container
// that `tagd serve` runs without -config, and the quickstart.
//
// It holds data only and must not import any tagd package.
package examples

import _ "embed"

// DefaultConfig is the embedded default container: the GA4 client and a logger tag that
// prints every event as one JSON line.
//
//go:embed default/tagd.toml
var DefaultConfig []byte

// QuickstartConfig is examples/quickstart/tagd.toml.
//
//go:embed quickstart/tagd.toml
var QuickstartConfig []byte
