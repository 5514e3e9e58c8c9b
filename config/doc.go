// Package config loads, checks and watches a tagd container configuration: one TOML file that
// declares the server settings, sandbox limits, clients, triggers, variables and tags.
//
// Loading is strict. Every key is checked against the schema, and each problem (unknown key,
// wrong type, unset environment variable, dangling reference, invalid regex, ...) is reported
// with the file and line it comes from, all problems at once, so an operator can fix a file in
// one pass. Free-form tables (client settings, tag and variable parameters) and the values of
// variables are passed through unchecked except for ${ENV} expansion and {{Variable}}
// references.
//
// The package is a leaf: it imports only the standard library, github.com/BurntSushi/toml and
// github.com/fsnotify/fsnotify. It must not import any other tagd package; the runtime imports
// it, never the other way round.
package config
