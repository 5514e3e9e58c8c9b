// Package loader builds a runtime.Container from a config.Config: it loads and compiles
// every template a config names (built-in or file), checks tag parameters against the
// templates' fields, wires clients, triggers, variables and tags, and keeps the container
// fresh on disk changes (Reloader) while the last good one keeps serving.
//
// It is the one place that imports config, templates, sandbox, clients and tags together.
// It must not import the server or cmd packages.
package loader
